"""Who and what this browser session is: language, user, role. Read by every page."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from lib.i18n import LANGUAGES, language_from_locale, t

LOCAL_USER = "local"
ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "pages"


def current_lang() -> str:
    """The session's language; the first visit follows the browser's locale."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = language_from_locale(st.context.locale)
    return st.session_state["lang"]


def language_picker(key: str) -> str | None:
    """The English / 简体中文 switch. Returns the language just picked (already the session's),
    else None; the caller saves it where it belongs and reruns."""
    lang = current_lang()
    choice = st.segmented_control(t("app.language", lang), list(LANGUAGES), format_func=LANGUAGES.get,
                                  default=lang, key=key, label_visibility="collapsed")
    if choice and choice != lang:
        st.session_state["lang"] = choice
        return choice
    return None


def tr(key: str, **fields) -> str:
    """`lib.i18n.t` in the session's language."""
    return t(key, current_lang(), **fields)


def labels(prefix: str) -> Callable[[object], str]:
    """A `format_func` for options whose labels are i18n keys `prefix + option`.

    The language is fixed when the widget is made: Streamlit may call a format_func again
    outside the script run, where the session's language cannot be read.
    """
    lang = current_lang()
    return lambda option: t(f"{prefix}{option}", lang)


def leave_legacy_multipage_mode() -> None:
    """Because the project has a top-level `pages/` folder, Streamlit starts each process in its
    legacy multipage mode until `st.navigation` has run once (a process-wide switch). In that
    mode the first run executes app.py as a page named "app", so every widget app.py draws in
    that run (the login form above all) gets an id made from that page's hash, unlike in every
    later run: a click on the form of a new process's first page is matched to no widget in the
    next run and is lost. So such a run turns legacy mode off (what `st.navigation` itself does)
    and starts again before drawing anything, for the same URL.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_user() -> str:
    """The logged-in user, as settled by app.py in this session.

    In legacy multipage mode (see `leave_legacy_multipage_mode`) a first request for `/chat`
    runs the page without app.py, skipping login: such a run starts again through app.py.
    """
    if "user" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state["user"]


def is_admin() -> bool:
    return bool(st.session_state.get("is_admin"))
