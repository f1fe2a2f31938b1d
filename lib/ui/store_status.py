"""What the user is told about the database itself: a ledger row kept aside while the database
would not take it (lib/store/spill.py), and a database that fails (locked, read-only, full,
unreachable) as a message in their language, what they typed kept."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict

import sqlalchemy as sa
import streamlit as st

from lib.accounts.users import LOCAL_USER
from lib.client.types import CallRecord
from lib.i18n import key_family
from lib.store import Store, failures
from lib.ui import state
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.state import Widget
from lib.ui.state.store_status import StoreFailure


def record_call(store: Store, user: str, record: CallRecord) -> None:
    """The client's ledger hook. A row the database did not take is kept (and logged) by the
    store, and the banner tells the user until it is written. (No element here: the hook also
    runs inside cached functions and in worker threads.)"""
    store.record_usage(user, **asdict(record))


def remember_setting(store: Store, user: str, name: str, value) -> None:
    """Save a setting kept for the user's next session (the open conversation, the language): a
    convenience, so a database that takes no writes just now (full, read-only) is logged and
    the page goes on working."""
    try:
        store.set_setting(user, name, value)
    except sa.exc.DBAPIError as exc:
        log.warning("setting %r not saved: %s", name, failures.described(exc))


def render_store_notices() -> None:
    waiting = get_store().spilled_usage(current_user())
    if waiting:
        st.warning(tr("store.ledger_waiting", count=waiting), icon=":material/database:")


# --- a database that fails: a message in the user's language, never a traceback ----------------

FAILED_KEY = key_family("store.failed", failures.KINDS)
log = logging.getLogger("reshi.store")


@contextlib.contextmanager
def store_errors_as_messages(take_unsent_text: Callable[[], str | None] | None = None) -> Iterator[None]:
    """Runs a page (or a fragment: it skips the router) so that a database failure is a message.
    With `take_unsent_text`, which takes the message waiting to be sent off its queue and gives
    its text: the text goes back into the input (`restore_typed_text`) by one more run, which
    shows the message there."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        kind = failures.kind_of(exc)
        log.error("database failed (%s): %s", kind, failures.described(exc))
        text = take_unsent_text() if take_unsent_text else None
        failure = state.of(StoreFailure)
        if text:
            retried, failure.retried = failure.retried, False
            if not retried:
                failure.text_back, failure.kind = text, kind
                failure.retried = True  # once: a run that fails again shows the message itself
                st.rerun()
        show_store_error(kind)


def show_store_error(kind: str | None = None) -> None:
    """The message for `kind`, or for the failure a previous run left to show."""
    if kind is None:
        failure = state.of(StoreFailure)
        kind, failure.kind = failure.kind, None
    if kind:
        st.error(tr(FAILED_KEY(kind)), icon=":material/database:")


def restore_typed_text(typed: Widget[str]) -> None:
    """Call before drawing the input: text a failed send could not keep goes back into it."""
    failure = state.of(StoreFailure)
    if failure.text_back is not None:
        typed.set(failure.text_back)
        failure.text_back, failure.retried = None, False


# --- an admin takes over single-user mode's work ----------------------------------------------


def adopt_local_panel(store: Store) -> None:
    """For an admin in login mode while user "local" still owns rows: what they are, and a
    button that makes them the admin's (`python -m lib.accounts add --adopt-local` does it from a shell)."""
    if current_user() == LOCAL_USER:
        return
    rows = store.count_user_rows(LOCAL_USER)
    if not rows:
        return
    with st.expander(tr("store.adopt.title"), icon=":material/move_item:"):
        st.caption(
            tr(
                "store.adopt.intro",
                rows=sum(rows.values()),
                conversations=rows.get("conversations", 0),
                calls=rows.get("usage", 0),
            )
        )
        st.button(
            tr("store.adopt.button"),
            icon=":material/move_item:",
            key="store_adopt_local",
            on_click=_adopt_local,
            args=(store,),
        )


def _adopt_local(store: Store) -> None:
    moved = store.adopt_user_data(LOCAL_USER, current_user())
    st.toast(tr("store.adopt.done", rows=sum(moved.values())), icon=":material/check_circle:")
