"""What AppTest tests share: reading the app's session state as the app's own types."""

from __future__ import annotations

from typing import TypeVar

from streamlit.testing.v1 import AppTest

from lib.ui.state import FeatureState, slot_key

S = TypeVar("S", bound=FeatureState)


def state_of(at: AppTest, cls: type[S]) -> S:
    """The session's `cls` as the app left it after the last run (made if it has none yet)."""
    key = slot_key(cls)
    if key not in at.session_state:
        at.session_state[key] = cls()
    return at.session_state[key]
