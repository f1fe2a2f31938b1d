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


def login_required() -> bool:
    return bool(secret("auth", "users_file"))


def authenticate() -> stauth.Authenticate | None:
    """Settle who the user is. Returns the authenticator (for logout), None in single-user mode.

    Stops the script run (after showing the login form) while nobody is logged in.
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
        float(secret("auth", "cookie_expiry_days", 7)), auto_hash=False)
    if st.session_state.pop("logout_requested", False):
        # Logging out here rather than in the button's run lets the cookie manager, rendered
        # in this run, delete the cookie in the browser while the login form shows.
        authenticator.logout(location="unrendered")
    if not st.session_state.get("authentication_status"):
        _login_form(authenticator)
    username = st.session_state["username"]
    st.session_state.update(user=username, user_name=st.session_state.get("name") or username,
                            is_admin=is_admin(users, username))
    return authenticator


def request_logout() -> None:
    st.session_state["logout_requested"] = True


def _login_form(authenticator: stauth.Authenticate) -> None:
    st.title(tr("app.title"))
    fields = {"Form name": tr("auth.form"), "Username": tr("auth.username"),
              "Password": tr("auth.password"), "Login": tr("auth.login")}
    try:
        authenticator.login(location="main", fields=fields)
    except stauth.LoginError as exc:
        st.error(str(exc))
    status = st.session_state.get("authentication_status")
    if status:
        st.rerun()
    if status is False:
        st.error(tr("auth.bad_credentials"), icon=":material/error:")
    else:
        st.info(tr("auth.please_login"), icon=":material/login:")
    st.stop()
