"""The one owner of Streamlit's session state: no other module reads or writes `st.session_state`.

What a browser session remembers between runs has three kinds, each with its own accessor here:

- **A feature's state** is a dataclass of its own (`lib/ui/state/<feature>.py`: chat, media,
  workbench, ...), got with `of(ChatState)`: made on first use, the same object for the rest of
  the session, so a callback may set its fields (`on_click=setattr, args=(chat, "asked", id)`).
- **A widget's value** is kept by Streamlit under the widget's key. Keys are `Widget`s (or
  `WidgetFamily`s for one widget per item), declared in the feature's state module next to its
  dataclass, so the key a widget is made with and the key its value is read by are one name.
- **Keys of the sign-in library** (streamlit-authenticator writes `username`, `name`, ...) are
  read through `lib/ui/state/auth.py`, which names them.

Signing out is one call, `sign_out(...)`: it forgets everything but what a feature's dataclass
declares it keeps (`KEPT_AFTER_SIGN_OUT = True`) and the sign-in library's own keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

import streamlit as st

T = TypeVar("T")
V = TypeVar("V")

_PREFIX = "state:"  # a feature's dataclass is kept under "state:" + its class name


class FeatureState:
    """Base of a feature's state: a dataclass whose every field has a default (the state of a
    session that just began). Signing out forgets it unless it sets `KEPT_AFTER_SIGN_OUT`."""

    KEPT_AFTER_SIGN_OUT: ClassVar[bool] = False


S = TypeVar("S", bound=FeatureState)


def slot_key(cls: type) -> str:
    """Where `cls` is kept in the session (tests read it from AppTest's session state)."""
    return f"{_PREFIX}{cls.__module__}.{cls.__qualname__}"


def of(cls: type[S]) -> S:
    """This session's `cls`, made with its defaults on first use."""
    key = slot_key(cls)
    if key not in st.session_state:
        st.session_state[key] = cls()
    return cast(S, st.session_state[key])


def reset(cls: type[S]) -> S:
    """Forget this session's `cls` and start it again from its defaults."""
    st.session_state[slot_key(cls)] = state = cls()
    return state


@dataclass(frozen=True)
class Widget(Generic[V]):
    """A widget's key: Streamlit keeps the widget's value in the session under it."""

    key: str

    def value(self, default: V | None = None) -> V | None:
        return cast("V | None", st.session_state.get(self.key, default))

    def has_value(self) -> bool:
        return self.key in st.session_state

    def set(self, value: V) -> None:
        """Put a value in the widget before it is drawn (or in a callback, before the next run)."""
        st.session_state[self.key] = value

    def forget(self) -> None:
        """The widget starts again from its default when next drawn."""
        st.session_state.pop(self.key, None)


@dataclass(frozen=True)
class WidgetFamily(Generic[V]):
    """One widget per item (a message, a run, a generation): the item's parts end the key."""

    prefix: str

    def __call__(self, *parts: object) -> Widget[V]:
        return Widget("_".join([self.prefix, *(str(p) for p in parts)]))

    def forget_all(self) -> None:
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(self.prefix + "_")]:
            del st.session_state[key]


def on_click_set(widget: Widget[V], value: V) -> tuple[Callable[..., None], tuple[Any, ...]]:
    """`on_click`/`args` for a button that puts `value` in another widget: `st.button(**...)`."""
    return Widget.set, (widget, value)


def library_value(key: str, default: Any = None) -> Any:
    """A value another library (the sign-in library) keeps in the session under `key`."""
    return st.session_state.get(key, default)


def set_library_value(key: str, value: Any) -> None:
    st.session_state[key] = value


def sign_out(library_keys: Collection[str]) -> None:
    """Forget this session's work: every feature's state but those kept over a sign-out, and
    every widget's value. The sign-in library's own `library_keys` stay: it signs out itself."""
    for key in list(st.session_state):
        value = st.session_state[key]
        kept = (isinstance(value, FeatureState) and value.KEPT_AFTER_SIGN_OUT) or key in library_keys
        if not kept:
            del st.session_state[key]
