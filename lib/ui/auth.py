"""Login, checked once in app.py before any page runs.

With no secrets file, or one without an [auth] section, the app is single-user: user `local`,
no login, admin of itself. A secrets file that does not parse, or an [auth] section that is
unusable, stops the app with a message: it never falls back to single-user mode.

Otherwise streamlit-authenticator's AuthenticationController checks bcrypt passwords from the
users file (handed over as a dict, because given a path it would rewrite the file), and a signed
cookie keeps the user logged in across browser refreshes. The rules in `lib.accounts.auth` decide whether
that cookie, and a live session, still count (user still in the users file, not signed out
since) and how many wrong passwords are allowed.

The cookie is read from the request (`st.context.cookies`) and written or deleted by a line of
JavaScript in `st.html`, never by a custom component. The library's `Authenticate` draws
extra_streamlit_components' CookieManager on every run, and that component sends the browser's
cookies back once its frame has loaded, which reruns the script: a rerun requested while a run
is in progress stops that run at its next Streamlit call and starts over with the newest widget
states, in which a button's one-time trigger is already spent (Extra-Streamlit-Components issue
58). A "Log in" click whose run had not reached the form when that report landed was lost: the
form stayed, nothing was logged. The `st.html` script sends nothing back, so nothing but the
user reruns the login page.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.controllers import AuthenticationController

from lib import formats
from lib.accounts.auth import (
    AuthConfigError,
    address_blind_warning,
    burn_password_check,
    client_address,
    cookie_issued_at,
    load_credentials,
    lock_remaining,
    log,
    make_cookie_token,
    read_cookie_token,
    record_failure,
    record_success,
    session_refusal,
    slow_down_left,
    wait_seconds,
)
from lib.accounts.users import LOCAL_USER, is_admin
from lib.settings import AuthSettings
from lib.store import Store, utcnow
from lib.ui import state
from lib.ui.config import app_settings, settings_or_stop, stop_app
from lib.ui.resources import get_store
from lib.ui.session import current_lang, fragment_running_alone, language_picker, tr
from lib.ui.state.auth import LIBRARY_KEYS, SignIn, StaleCookie, library_name, library_signed_in, library_user
from lib.ui.state.shell import Identity, Language

_ADDRESS_BLIND_WARNED = threading.Event()

if not log.handlers:  # Streamlit sets up only its own loggers; auth events belong in the server log
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)


def authenticate() -> AuthenticationController | None:
    """Settle who the user is. Returns the authenticator, None in single-user mode.

    While nobody is signed in this shows the login form and leaves `signed_in()` False; the
    router still calls `st.navigation` (hidden) before stopping, so the page asked for in the
    URL is the one shown after login.
    """
    login = _login_settings_or_stop()
    if login is None:
        _settle_identity(LOCAL_USER, LOCAL_USER, admin=True)
        return None
    settings, users = login
    # Not stauth.Authenticate: it draws the cookie manager component (see the module docstring).
    authenticator = AuthenticationController(users["credentials"], auto_hash=False, secret_key=settings.cookie_key)
    store, client = get_store(), _client(settings)
    sign_in = state.of(SignIn)
    if sign_in.logout_requested:
        sign_in.logout_requested = False
        _log_out(authenticator, store, client)
    elif library_signed_in():
        _end_if_revoked(authenticator, store, users, client)
    if not library_signed_in() and not _sign_in(authenticator, settings, users, store, client):
        state.reset(Identity)
        return authenticator
    username = library_user()
    if username is None:
        raise RuntimeError("signed in, yet the sign-in library names no user")
    sign_in = state.of(SignIn)  # not the one above if that session just ended
    if sign_in.cookie_due and sign_in.signed_in_at:
        # On every run of a session that signed in with the form: one dropped write would log
        # the user out on their next refresh.
        write_cookie(
            settings.cookie_name,
            sign_in.cookie_due,
            sign_in.signed_in_at + timedelta(days=settings.cookie_expiry_days),
        )
    _settle_identity(username, library_name() or username, admin=is_admin(users, username))
    return authenticator


def _settle_identity(user: str, name: str, admin: bool) -> None:
    identity = state.of(Identity)
    identity.user, identity.name, identity.is_admin = user, name, admin


def login_required() -> bool:
    """Any [auth] setting turns login on; `authenticate` stops the app if they are unusable."""
    return app_settings().auth is not None


def signed_in() -> bool:
    return state.of(Identity).user is not None


def leave_if_signed_out() -> None:
    """First thing in every fragment: a run of a fragment alone skips the router, and so its
    check that the session still counts (its user removed, or signed out on another browser).
    A session that no longer does runs the whole app, which ends it. (In a run of the whole app
    the router has just checked.)"""
    if not fragment_running_alone():
        return
    login = _login_settings_or_stop()
    user = library_user()
    if login is not None and (user is None or _refusal(get_store(), login[1], user)):
        st.rerun()


def request_logout() -> None:
    state.of(SignIn).logout_requested = True


def _login_settings_or_stop() -> tuple[AuthSettings, dict] | None:
    """The [auth] settings and the users file's credentials; None in single-user mode."""
    settings = settings_or_stop().auth
    if settings is None:
        return None
    try:
        return settings, load_credentials(settings.users_file)
    except AuthConfigError as exc:
        stop_app(tr(exc.key, **exc.fields))


def _client(settings: AuthSettings) -> str | None:
    ip_address, forwarded_for = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    # Under AppTest there is no client: both are mocks, so anything but text counts as unknown.
    client = client_address(
        ip_address if isinstance(ip_address, str) else None,
        forwarded_for if isinstance(forwarded_for, str) else None,
        settings.trust_x_forwarded_for,
    )
    if client is None and not _ADDRESS_BLIND_WARNED.is_set():
        _ADDRESS_BLIND_WARNED.set()  # once per process: the set-up, not each visitor, is at fault
        log.warning(address_blind_warning(settings.trust_x_forwarded_for))
    return client


def _log_out(authenticator: AuthenticationController, store: Store, client: str | None) -> None:
    """Sign the user out everywhere: the record in the store, not the browser deleting its
    cookie (which a quick reload can beat), is what keeps the cookie from signing in again.
    """
    username = library_user()
    if not username:
        return
    store.sign_out_everywhere(username)
    log.info("logout user=%r client=%s", username, client)
    _end_session(authenticator)


def _end_if_revoked(authenticator: AuthenticationController, store: Store, users: dict, client: str | None) -> None:
    """A live session ends when its user is removed or signs out on another browser."""
    username = library_user()
    reason = _refusal(store, users, username) if username else "no user"
    if reason:
        log.info("session ended user=%r client=%s reason=%s", username, client, reason)
        _end_session(authenticator)


def _refusal(store: Store, users: dict, username: str) -> str | None:
    """Why this session, signed in as `username`, no longer counts, or None."""
    return session_refusal(store, users["credentials"], username, state.of(SignIn).signed_in_at)


def _end_session(authenticator: AuthenticationController) -> None:
    """Signed out: of what the session held, only the sign-in machinery and the language stay.
    The rest (a message waiting to go, a new chat's system prompt, View code's requests) was the
    user's, and whoever signs in next on this tab must not get it."""
    authenticator.logout()
    state.sign_out(LIBRARY_KEYS)
    state.of(StaleCookie).stale = True


def _sign_in(
    authenticator: AuthenticationController, settings: AuthSettings, users: dict, store: Store, client: str | None
) -> bool:
    """Sign in from the cookie if it still counts, else show the form. True once signed in.

    A successful form login reruns the script, signed in: the form is not drawn in a
    placeholder to be cleared, because a placeholder is redrawn empty on every run.
    """
    if _restore_from_cookie(authenticator, settings, users, store, client):
        return True
    if state.of(StaleCookie).stale:
        # On every run, not once: an element drawn in one run only may be gone before the
        # browser has run its script, and the elements after it would shift each time.
        write_cookie(settings.cookie_name, "", datetime.fromtimestamp(0, UTC))
    with st.container(horizontal=True, horizontal_alignment="right"):  # above the form's top right corner
        if language_picker("login_lang"):
            state.of(Language).picked_at_login = True
            st.rerun()
    with st.form("login_form"):
        st.title(tr("app.title"))
        st.subheader(tr("auth.form"))
        username = st.text_input(tr("auth.username"), autocomplete="username")
        password = st.text_input(tr("auth.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(tr("auth.login"), type="primary")
    if not submitted:
        st.info(tr("auth.please_login"), icon=":material/login:")
        return False
    refusal = _check_login(authenticator, settings, users, store, client, username.strip().lower(), password)
    if refusal:
        st.error(refusal, icon=":material/error:")
        return False
    st.rerun()


def _restore_from_cookie(
    authenticator: AuthenticationController, settings: AuthSettings, users: dict, store: Store, client: str | None
) -> bool:
    # A session's cookies are those of its first request, so a stale cookie stays stale.
    if state.of(StaleCookie).stale:
        return False
    token = read_cookie_token(st.context.cookies.get(settings.cookie_name), settings.cookie_key)
    if not token:
        return False
    issued_at = cookie_issued_at(token, settings.cookie_expiry_days)
    reason = session_refusal(store, users["credentials"], token["username"], issued_at)
    if reason:
        log.warning("cookie rejected user=%r client=%s reason=%s", token["username"], client, reason)
        state.of(StaleCookie).stale = True
        return False
    authenticator.login(token=token)
    state.of(SignIn).signed_in_at = issued_at
    return True


def _check_login(
    authenticator: AuthenticationController,
    settings: AuthSettings,
    users: dict,
    store: Store,
    client: str | None,
    username: str,
    password: str,
) -> str | None:
    """Check a submitted login; None when it succeeded, else what to tell the user."""
    remaining = lock_remaining(store, settings, client)
    if remaining:
        log.warning("login locked out user=%r client=%s", username, client)
        return tr("auth.locked", time=formats.duration(wait_seconds(remaining), current_lang()))
    slow_down = slow_down_left(store, username, client)
    if slow_down:  # answered later, never refused: someone else's failures cannot keep this user out
        log.warning("login slowed down user=%r client=%s seconds=%.1f", username, client, slow_down.total_seconds())
        with st.spinner(tr("auth.slowed_down")):
            time.sleep(slow_down.total_seconds())
    if _password_ok(authenticator, users, username, password):
        record_success(store, username, client)
        log.info("login ok user=%r client=%s", username, client)
        now = utcnow()
        cookie = (
            make_cookie_token(username, settings.cookie_key, settings.cookie_expiry_days, now)
            if settings.cookie_expiry_days
            else None
        )  # 0 days: no cookie, as in the library
        sign_in = state.of(SignIn)
        sign_in.signed_in_at, sign_in.cookie_due = now, cookie
        state.of(StaleCookie).stale = False
        return None
    record_failure(store, username, client)
    log.warning("login failed user=%r client=%s", username, client)
    remaining = lock_remaining(store, settings, client)  # this may have been the last try
    return (
        tr("auth.locked", time=formats.duration(wait_seconds(remaining), current_lang()))
        if remaining
        else tr("auth.bad_credentials")
    )


def _password_ok(authenticator: AuthenticationController, users: dict, username: str, password: str) -> bool:
    if username not in users["credentials"]["usernames"]:
        burn_password_check(password)  # so a wrong name answers as slowly as a wrong password
        return False
    try:
        return bool(authenticator.login(username, password))
    except stauth.LoginError:
        return False


def write_cookie(name: str, value: str, expires: datetime) -> None:
    """Set (or, with a past `expires`, delete) a cookie from a script in the page, as the
    library's component did (path /, SameSite strict; Secure over https). Unlike that component it reports nothing
    back, so it reruns nothing: it is drawn on the login page without costing anyone a click."""
    cookie = f"{name}={value}; expires={format_datetime(expires.astimezone(UTC), usegmt=True)}; path=/; SameSite=Strict"
    literal = json.dumps(cookie).replace("<", "\\u003c")  # no "</script>" can end the script early
    # Secure whenever the page came over https (the browser knows, however many proxies are in
    # between), so the cookie never travels in clear. It cannot be HttpOnly: a script sets it.
    st.html(
        f"<script>document.cookie = {literal} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )
