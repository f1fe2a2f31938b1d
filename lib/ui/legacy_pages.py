"""The one place that works around Streamlit's legacy multipage mode, by writing a private flag.

Why: the project keeps its pages in a top-level `pages/` folder (st.Page files routed by
app.py's `st.navigation`). When a server process builds its first PagesManager, Streamlit sees
that folder beside app.py and sets the process-wide `PagesManager.uses_pages_directory`; until
some run calls `st.navigation` (which clears it, documented as "your app will ignore the pages/
directory"), every run goes through the legacy router `_mpa_v1`:
- a first request for `/` runs app.py as a page named "app", so each widget app.py draws gets an
  id from that page's hash, unlike in every later run: a click on the login form of a new
  process's first page matched no widget in the next run and was lost;
- a first request for `/chat` runs pages/chat.py without app.py at all: no login.

Streamlit 1.67 has no public way out: no config option, and `st.navigation` can only clear the
flag from inside a run that already started in legacy mode. So app.py calls
`leave_legacy_multipage_mode()` before drawing anything, and `lib.ui.session.current_user()`
calls `restart_through_app()` when a page runs without a signed-in user (only a legacy run
does that: app.py stops before any page while signed out). Pages need nothing of their own.
tests/unit/test_legacy_pages.py fails when Streamlit changes how it detects the folder; AppTest,
which resets the flag before every run, starts from tests/app/entry.py (no `pages/` beside it).
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def leave_legacy_multipage_mode() -> None:
    """In a run of a process still in legacy mode: leave it (what `st.navigation` itself does)
    and start this run again, for the same URL, before any widget gets an id."""
    if PagesManager.uses_pages_directory:
        restart_through_app()


def restart_through_app() -> None:
    """Leave legacy mode and start again: the next run goes through app.py (login, sidebar)."""
    PagesManager.uses_pages_directory = False
    st.rerun()
