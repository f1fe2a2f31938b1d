"""Signing in: what this session knows of the login cookie, and the keys the sign-in library
(streamlit-authenticator) keeps in the session itself, named here once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from lib.ui import state
from lib.ui.state import FeatureState

# streamlit-authenticator's own keys: it writes them on login and clears them on logout, so a
# sign-out leaves them to it (`state.sign_out(LIBRARY_KEYS)`).
AUTHENTICATION_STATUS, USERNAME, NAME = "authentication_status", "username", "name"
LIBRARY_KEYS = frozenset({AUTHENTICATION_STATUS, USERNAME, NAME, "email", "roles", "logout", "password_hint"})


@dataclass
class SignIn(FeatureState):
    """This sign-in: when it began (a session without it is refused), the login cookie's value
    while one is due (written by a script drawn on every run of a session signed in with the
    form: an element of one run only may be gone before the browser has run its script), and a
    logout asked for by the sidebar's button (done at the start of the next run)."""

    signed_in_at: datetime | None = None
    cookie_due: str | None = None
    logout_requested: bool = False


@dataclass
class StaleCookie(FeatureState):
    """The browser's login cookie no longer counts (logged out, or refused): not read again in
    this session, and deleted by a script drawn on every run until the next login. A session's
    cookies are those of its first request, so this outlives a sign-out."""

    KEPT_AFTER_SIGN_OUT: ClassVar[bool] = True
    stale: bool = False


def library_user() -> str | None:
    """The user the sign-in library has signed in, if any."""
    user = state.library_value(USERNAME)
    return user if isinstance(user, str) else None


def library_name() -> str | None:
    name = state.library_value(NAME)
    return name if isinstance(name, str) else None


def library_signed_in() -> bool:
    return bool(state.library_value(AUTHENTICATION_STATUS))
