"""How every page shows an API error: the explanation in the user's language, the server's
words, and where it helps, what to do next."""
from __future__ import annotations

import streamlit as st

from lib import errors
from lib.ui.error_text import error_text
from lib.ui.session import current_lang, tr


def show_error(exc: errors.ReshiError, *, retry_key: str | None = None) -> bool:
    """Show `exc` inline. With `retry_key`, a retryable error gets a Retry button: True when clicked."""
    st.error(error_text(exc, current_lang()), icon=":material/error:")
    if isinstance(exc, (errors.AuthError, errors.KeyDisabledError)):
        st.caption(tr("feedback.open_connection"))
    if retry_key and exc.retryable:
        return st.button(tr("common.retry"), icon=":material/replay:", key=retry_key)
    return False
