"""The sidebar every page shares: language, who is logged in, and the connection panel."""
from __future__ import annotations

import streamlit as st
from streamlit_authenticator.controllers import AuthenticationController

from lib.i18n import LANGUAGES
from lib.ui.auth import request_logout
from lib.ui.connection import render_connection_panel
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr


def remember_language() -> None:
    """A returning user gets the language they chose last time, not the browser's."""
    if "lang" not in st.session_state:
        saved = get_store().get_setting(current_user(), "lang")
        if saved in LANGUAGES:
            st.session_state["lang"] = saved
    current_lang()


def render_sidebar(authenticator: AuthenticationController | None) -> None:
    with st.sidebar:
        _language_switch()
        _account(authenticator)
    render_connection_panel()


def _language_switch() -> None:
    lang = current_lang()
    choice = st.segmented_control(tr("app.language"), list(LANGUAGES), format_func=LANGUAGES.get,
                                  default=lang, key="lang_switch", label_visibility="collapsed")
    if choice and choice != lang:
        st.session_state["lang"] = choice
        get_store().set_setting(current_user(), "lang", choice)
        st.rerun()


def _account(authenticator: AuthenticationController | None) -> None:
    if authenticator is None:
        st.caption(tr("app.single_user"))
        return
    name = st.session_state.get("user_name") or current_user()
    col_name, col_logout = st.columns([4, 1], vertical_alignment="center")
    role = f" · {tr('app.admin')}" if st.session_state.get("is_admin") else ""
    col_name.markdown(f":material/person: **{name}**{role}")
    col_logout.button("", key="logout_button", icon=":material/logout:", help=tr("auth.logout"),
                      on_click=request_logout)
