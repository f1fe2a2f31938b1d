"""Sharing in the UI, the owner's side: the Share button and its dialog, the "My shares" list and
the comparison's HTML report download. The viewer a link opens is lib/ui/sharing/viewer.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from lib import chat
from lib.i18n import key_family
from lib.safe_text import markdown_literal
from lib.sharing import shares
from lib.sharing.report import comparison_report, report_file_name
from lib.store import Conversation, Message, ShareInfo, Store, utcnow
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.clock import local_time
from lib.ui.feedback import toast_after_rerun
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, labels, tr
from lib.ui.sharing.viewer import KIND_KEY, expiry_text
from lib.ui.state.shares import ShareDialogs

STATUS_KEY = key_family("shares.status", (shares.LIVE, shares.REVOKED, shares.EXPIRED))


# --- the Share button and dialog ------------------------------------------------------------


def share_button(
    kind: str, snapshot_builder: Callable[[], shares.Snapshot | None], key: str, *, compact: bool = False
) -> None:
    """A button that opens the Share dialog. `snapshot_builder` runs only while the dialog is
    open; `compact` draws an icon with a tooltip, for a row of icon buttons.

    Whether the dialog is open lives in the session, not in the click: any full rerun while it
    is open (a toast, another tab's fragment) would otherwise close it and lose the link."""
    dialogs = state.of(ShareDialogs)
    if st.button(
        "" if compact else tr("share.button"),
        icon=":material/share:",
        help=tr("share.help"),
        key=key,
        use_container_width=not compact,
    ):
        dialogs.open.add(key)
        dialogs.links.pop(key, None)
    if key in dialogs.open:
        st.dialog(tr("share.dialog_title"), on_dismiss=partial(_close_dialog, key))(_share_dialog)(
            kind, snapshot_builder, key
        )


def _close_dialog(key: str) -> None:
    dialogs = state.of(ShareDialogs)
    dialogs.open.discard(key)
    dialogs.links.pop(key, None)


def _share_dialog(kind: str, snapshot_builder: Callable[[], shares.Snapshot | None], key: str) -> None:
    leave_if_signed_out()
    snapshot = snapshot_builder()
    if snapshot is None:
        st.info(tr("share.nothing"), icon=":material/info:")
        return
    comparison = shares.comparison_snapshot(snapshot) if kind == shares.CONVERSATION else None
    if comparison is not None:
        what = st.segmented_control(
            tr("share.what"),
            [shares.CONVERSATION, shares.COMPARISON],
            format_func=labels(key_family("share.what", (shares.CONVERSATION, shares.COMPARISON))),
            default=shares.CONVERSATION,
            required=True,
            key=f"{key}_what",
        )
        snapshot = comparison if what == shares.COMPARISON else snapshot
    expiry = st.segmented_control(
        tr("share.expiry"),
        list(shares.EXPIRIES),
        format_func=labels(key_family("share.expiry", shares.EXPIRIES)),
        default=shares.DEFAULT_EXPIRY,
        required=True,
        key=f"{key}_expiry",
    )
    note = st.text_area(
        tr("share.note"),
        max_chars=shares.MAX_NOTE_CHARS,
        placeholder=tr("share.note_placeholder"),
        key=f"{key}_note",
        height=80,
    )
    st.caption(tr("share.snapshot_help"))
    links = state.of(ShareDialogs).links
    made = key in links
    if (
        st.button(tr("share.create"), type="primary", icon=":material/add_link:", key=f"{key}_create", disabled=made)
        and not made
    ):
        token, _ = shares.create_share(get_store(), current_user(), snapshot, expiry, note)
        links[key] = shares.share_link(st.context.url, token)
    if key in links:  # the token is in no database: this is the one chance to copy it
        st.success(tr("share.created"), icon=":material/check_circle:")
        st.code(links[key], language=None, wrap_lines=True)


# --- the comparison report ------------------------------------------------------------------


def comparison_report_button(conversation: Conversation | None, load_messages: Callable[[], list[Message]]) -> None:
    """The HTML report download, when the conversation's recent turns hold a comparison; the
    report itself is built only when clicked."""
    if conversation is None or not _has_recent_comparison(get_store(), current_user(), conversation.id):
        return
    lang = current_lang()

    def build() -> str:
        snapshot = shares.comparison_snapshot(shares.conversation_snapshot(conversation, load_messages()))
        if snapshot is None:  # the button is drawn only when a recent turn is a comparison
            raise LookupError(f"conversation {conversation.id} holds no comparison")
        return comparison_report(snapshot, lang, utcnow())

    st.download_button(
        tr("report.download"),
        build,
        file_name=report_file_name(conversation.id),
        mime="text/html",
        icon=":material/compare:",
        key="chat_export_html",
        use_container_width=True,
        on_click="ignore",
    )


def _has_recent_comparison(store: Store, user: str, conversation_id: int) -> bool:
    recent = store.list_messages(user, conversation_id, limit=chat.HISTORY_PAGE)
    return any("compare_group" in (m.meta or {}) for m in recent)


# --- My shares ------------------------------------------------------------------------------


def my_shares(store: Store, user: str) -> None:
    st.title(tr("shares.title"))
    st.caption(tr("shares.intro"))
    items = store.list_shares(user)
    if not items:
        st.info(tr("shares.empty"), icon=":material/share:")
    now = utcnow()
    for share in items:
        _share_row(store, user, share, shares.status_of(share, now))


def _share_row(store: Store, user: str, share: ShareInfo, status: str) -> None:
    with st.container(border=True, key=f"shares_item_{share.id}"):
        text_col, action_col = st.columns([5, 1], vertical_alignment="center")
        text_col.markdown(f"**{markdown_literal(share.title) or tr(KIND_KEY(share.kind))}**")
        text_col.caption(
            " · ".join(
                (
                    tr(KIND_KEY(share.kind)),
                    tr("share.shared_on", time=local_time(share.created_at)),
                    expiry_text(share),
                    tr("shares.views", count=share.views),
                    tr(STATUS_KEY(status)),
                )
            )
        )
        if share.note:
            text_col.caption(markdown_literal(share.note))
        if status == shares.LIVE and action_col.button(
            tr("shares.revoke"), icon=":material/link_off:", key=f"shares_revoke_{share.id}", use_container_width=True
        ):
            _revoke(store, user, share.id)


def _revoke(store: Store, user: str, share_id: int) -> None:
    if store.revoke_share(user, share_id):
        toast_after_rerun(tr("shares.revoked_toast"), ":material/link_off:")
        st.rerun()
    st.error(tr("shares.not_revoked"), icon=":material/error:")
