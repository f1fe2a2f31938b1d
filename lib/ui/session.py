"""Who and what this browser session is: language, user, role. Read by every page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.i18n import LANGUAGES, language_from_locale, t
from lib.ui import state
from lib.ui.state.shell import Identity, Language

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "app_pages"  # not `pages/`: that name turns on Streamlit's legacy multipage routing
# A file, not ":material/science:": Streamlit makes a Material icon favicon a link to
# fonts.gstatic.com, which every visitor's browser would then fetch.
FAVICON = Path(__file__).with_name("favicon.png")


def fragment_running_alone() -> bool:
    """This run is of a fragment alone (a click in it, its timer), not of the whole app."""
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def current_lang() -> str:
    """The session's language; the first visit follows the browser's locale."""
    language = state.of(Language)
    if language.code is None:
        language.code = language_from_locale(st.context.locale)
    return language.code


def language_picker(key: str) -> str | None:
    """The English / 简体中文 switch. Returns the language just picked (already the session's),
    else None; the caller saves it where it belongs and reruns."""
    lang = current_lang()
    choice = st.segmented_control(
        t("app.language", lang),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        default=lang,
        key=key,
        label_visibility="collapsed",
    )
    if choice and choice != lang:
        state.of(Language).code = choice
        return choice
    return None


def tr(key: str, **fields) -> str:
    """`lib.i18n.t` in the session's language."""
    return t(key, current_lang(), **fields)


def labels(key: Callable[[object], str]) -> Callable[[object], str]:
    """A `format_func` for options whose labels are the catalog keys `key(option)` (a `key_family`).

    The language is fixed when the widget is made: Streamlit may call a format_func again
    outside the script run, where the session's language cannot be read.
    """
    lang = current_lang()
    return lambda option: t(key(option), lang)


def current_user() -> str:
    """The logged-in user, as settled by app.py in this session (pages run only through app.py,
    which stops before any page while signed out; a run without one starts again there)."""
    user = state.of(Identity).user
    if user is None:
        st.rerun()
    return user


def is_admin() -> bool:
    return state.of(Identity).is_admin
