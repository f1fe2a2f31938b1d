"""Login, checked once in app.py before any page runs.

With no users file configured the app is single-user: user `local`, no login, admin of itself.
Otherwise streamlit-authenticator checks bcrypt passwords from the users file (handed over as a
dict, because given a path it would rewrite the file) and keeps the user logged in across
browser refreshes with a signed cookie, read back from the request on every run.
"""
from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from lib.users import is_admin, load_users
from lib.ui.config import secret
from lib.ui.session import LOCAL_USER, tr

_LIBRARY_DEFAULT_KEYS = {"some_key", ""}
COOKIE_NAME = "reshi_playground_auth"
COOKIE_DUE = "login_cookie_due"


def login_required() -> bool:
    return bool(secret("auth", "users_file"))


def authenticate() -> stauth.Authenticate | None:
    """Settle who the user is. Returns the authenticator (for logout), None in single-user mode.

    While nobody is signed in this shows the login form and leaves `signed_in()` False; the
    router still calls `st.navigation` (hidden) before stopping, so the page asked for in the
    URL is the one shown after login.
    """
    if not login_required():
        st.session_state.update(user=LOCAL_USER, user_name=LOCAL_USER, is_admin=True)
        return None
    cookie_key = str(secret("auth", "cookie_key", ""))
    if cookie_key in _LIBRARY_DEFAULT_KEYS:
        st.error(tr("auth.no_cookie_key"), icon=":material/lock:")
        st.stop()
    users = load_users(secret("auth", "users_file"))
    authenticator = stauth.Authenticate(
        users["credentials"], secret("auth", "cookie_name", COOKIE_NAME), cookie_key,
        float(secret("auth", "cookie_expiry_days", 7)), auto_hash=False,
        # The library sleeps before reading its cookie, for a cookie component; it reads the
        # request's cookies, so the wait only slows every signed-out run.
        login_sleep_time=0)
    if st.session_state.pop("logout_requested", False):
        # Logging out here rather than in the button's run lets the cookie manager, rendered
        # in this run, delete the cookie in the browser while the login form shows.
        authenticator.logout(location="unrendered")
        st.session_state.pop(COOKIE_DUE, None)
    if not st.session_state.get("authentication_status") and not _login_form(authenticator):
        for key in ("user", "user_name", "is_admin"):
            st.session_state.pop(key, None)
        return authenticator
    if st.session_state.get(COOKIE_DUE):
        # Rendered on every run of a session that signed in with the form: a rerun right after
        # login can drop the cookie component before its script runs, and one dropped write
        # would log the user out on their next refresh.
        authenticator.cookie_controller.set_cookie()
    username = st.session_state["username"]
    st.session_state.update(user=username, user_name=st.session_state.get("name") or username,
                            is_admin=is_admin(users, username))
    return authenticator


def signed_in() -> bool:
    return "user" in st.session_state


def request_logout() -> None:
    st.session_state["logout_requested"] = True


def _login_form(authenticator: stauth.Authenticate) -> bool:
    """Sign in from the cookie if it is valid, else show the form. True once signed in.

    On success the form is cleared and the run goes on into the app; `authenticate` then writes
    the cookie through the cookie manager's component.
    """
    authenticator.login(location="unrendered")
    if st.session_state.get("authentication_status"):
        return True
    form_area = st.empty()
    with form_area.form("login_form"):
        st.title(tr("app.title"))
        st.subheader(tr("auth.form"))
        username = st.text_input(tr("auth.username"), autocomplete="username")
        password = st.text_input(tr("auth.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(tr("auth.login"), type="primary")
    if submitted and _check_password(authenticator, username, password):
        form_area.empty()
        st.session_state[COOKIE_DUE] = True
        return True
    if submitted:
        st.error(tr("auth.bad_credentials"), icon=":material/error:")
    else:
        st.info(tr("auth.please_login"), icon=":material/login:")
    return False


def _check_password(authenticator: stauth.Authenticate, username: str, password: str) -> bool:
    try:
        return bool(authenticator.authentication_controller.login(username.strip(), password))
    except stauth.LoginError:
        return False
