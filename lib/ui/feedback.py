"""How every page shows an API error: the explanation in the user's language, the server's
words, and where it helps, what to do next."""

from __future__ import annotations

import streamlit as st

from lib import errors
from lib.client import retries
from lib.ui import state
from lib.ui.error_text import error_text
from lib.ui.session import current_lang, tr
from lib.ui.state.feedback import CarriedToasts


def toast_after_rerun(text: str, icon: str) -> None:
    """A toast for an action that ends in `st.rerun()`: shown by the run that follows. A toast
    sent by the interrupted run sits in the event container at the place the next run's first
    style-only `st.html` takes, which replaces it before it shows."""
    state.of(CarriedToasts).waiting.append((text, icon))


def show_carried_toasts() -> None:
    """In the router, on every run of a signed-in page: the toasts the last run left."""
    carried = state.of(CarriedToasts)
    for text, icon in carried.waiting:
        st.toast(text, icon=icon)
    carried.waiting = []


def show_error(exc: errors.ReshiError, *, retry_key: str | None = None) -> bool:
    """Show `exc` inline. With `retry_key`, an error worth retrying (`lib.client.retries`) gets a
    Retry button: True when clicked."""
    st.error(error_text(exc, current_lang()), icon=":material/error:")
    if isinstance(exc, (errors.AuthError, errors.KeyDisabledError)):
        st.caption(tr("feedback.open_connection"))
    if retry_key and retries.worth_retrying(exc):
        return st.button(tr("common.retry"), icon=":material/replay:", key=retry_key)
    return False
