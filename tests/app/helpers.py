"""What AppTest tests share: the app's session state as its own types, its store, its text."""

from __future__ import annotations

from typing import TypeVar

from streamlit.testing.v1 import AppTest

from lib.store import Store, utcnow
from lib.ui.state import FeatureState, slot_key
from lib.ui.state.auth import AUTHENTICATION_STATUS, NAME, USERNAME, SignIn

S = TypeVar("S", bound=FeatureState)


def state_of(at: AppTest, cls: type[S]) -> S:
    """The session's `cls` as the app left it after the last run (made if it has none yet)."""
    key = slot_key(cls)
    if key not in at.session_state:
        at.session_state[key] = cls()
    return at.session_state[key]


def sign_in_as(at: AppTest, user: str) -> AppTest:
    """Start `at`'s session signed in as `user`, as a login on the form leaves it (before its first run)."""
    at.session_state[AUTHENTICATION_STATUS] = True
    at.session_state[USERNAME] = at.session_state[NAME] = user
    state_of(at, SignIn).signed_in_at = utcnow()  # a session without it is refused
    return at


def store_of(secrets: dict) -> Store:
    """The app's store, as the app opens it from the test's secrets."""
    return Store(secrets["store"]["url"])


def texts(at: AppTest) -> str:
    """Every message a person reads on the page (main area and sidebar), one per line."""
    kinds = ("markdown", "caption", "info", "error", "warning", "success", "toast")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind) if isinstance(getattr(e, "value", None), str))
