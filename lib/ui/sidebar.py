"""The sidebar every page shares: language, theme, who is logged in, and the connection panel."""

from __future__ import annotations

import streamlit as st
from streamlit_authenticator.controllers import AuthenticationController

from lib.i18n import LANGUAGES
from lib.ui import state
from lib.ui.auth import request_logout
from lib.ui.chat.search import go_where_search_chose, keyboard_shortcuts, search_button
from lib.ui.connection import render_connection_panel
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, is_admin, language_picker, tr
from lib.ui.state.shell import Identity, Language, SavedChoices
from lib.ui.store_status import remember_setting
from lib.ui.theme import theme_switch


def remember_language() -> None:
    """Once per signed-in user and session: a language picked on the login page carries into
    the session and is saved as the user's; otherwise the user gets the language they chose last
    time, not the one the login page took from the browser."""
    user = current_user()
    language, saved_choices = state.of(Language), state.of(SavedChoices)
    if language.picked_at_login:
        language.picked_at_login = False
        remember_setting(get_store(), user, "lang", current_lang())
    elif saved_choices.language_read_for != user:
        saved = get_store().get_setting(user, "lang")
        if saved in LANGUAGES:
            language.code = saved
    saved_choices.language_read_for = user


def render_sidebar(authenticator: AuthenticationController | None, page_paths: list[str]) -> None:
    go_where_search_chose()
    with st.sidebar:
        _language_switch()
        theme_switch(page_paths)
        _account(authenticator)
        search_button()
        keyboard_shortcuts()
    render_connection_panel()


def _language_switch() -> None:
    choice = language_picker("lang_switch")
    if choice:
        remember_setting(get_store(), current_user(), "lang", choice)
        st.rerun()


def _account(authenticator: AuthenticationController | None) -> None:
    if authenticator is None:
        st.caption(tr("app.single_user"))
        return
    name = state.of(Identity).name or current_user()
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    role = f" · {tr('app.admin')}" if is_admin() else ""
    row.markdown(f":material/person: **{name}**{role}", width="stretch")
    # Labelled: an icon alone was not found (issue 31).
    row.button(
        tr("auth.logout"),
        key="logout_button",
        icon=":material/logout:",
        type="tertiary",
        help=tr("auth.logout"),
        on_click=request_logout,
    )
