"""What the user is told about the database itself: a ledger row kept aside while the database
would not take it (lib/store/spill.py)."""
from __future__ import annotations

from dataclasses import asdict

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.client.types import CallRecord
from lib.store import Store
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr


def record_call(store: Store, user: str, record: CallRecord) -> None:
    """The client's ledger hook: a row the database did not take is kept (and logged) by the
    store; the user hears of it at once when the call ran in their script's thread, and from
    the banner on every page until it is written."""
    if not store.record_usage(user, **asdict(record)) and get_script_run_ctx() is not None:
        st.toast(tr("store.ledger_kept"), icon=":material/database:")


def render_store_notices() -> None:
    waiting = get_store().spilled_usage(current_user())
    if waiting:
        st.warning(tr("store.ledger_waiting", count=waiting), icon=":material/database:")
