"""Sharing in the UI: the Share button and its dialog, the read-only viewer a link opens (signed
out, before login, with nothing else of the app), the owner's "My shares" list and the
comparison's HTML report download.

The viewer draws only the snapshot stored in the share: no sidebar, no navigation, nothing
read from the owner's other rows, and no connection (so no key or base URL) is ever made.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from lib import chat, formats, shares, tools
from lib.auth import client_address, wait_seconds
from lib.i18n import LANGUAGES, key_family
from lib.presentation import comparison_slides, slides_of
from lib.report import comparison_report, report_file_name
from lib.safe_text import markdown_literal
from lib.store import Conversation, Message, Share, ShareInfo, Store, utcnow
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.chat_tool_calls import read_only_calls, shared_results
from lib.ui.clock import local_time
from lib.ui.config import app_settings
from lib.ui.feedback import toast_after_rerun
from lib.ui.model_features import reply_body, thinking_block
from lib.ui.present_view import presenting, show_slides, start_presenting
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, labels, tr
from lib.ui.state.shell import Language
from lib.ui.workbench_results import compared, read_only_run
from lib.workbench import sharing as workbench_sharing

KIND_KEY = key_family("share.kind", shares.KINDS)
STATUS_KEY = key_family("shares.status", (shares.LIVE, shares.REVOKED, shares.EXPIRED))
SEEN = "share_tokens_seen"  # tokens this session has opened: a rerun is not another view


def share_token() -> str | None:
    """The token of a share link (`?share=...`), or None on any other page."""
    return st.query_params.get(shares.QUERY_PARAM)


def shared_view_pages(page_paths: list[str]) -> list[st.Page]:
    """The viewer as the only page of a share link's session, so no navigation is drawn. A link
    made on a page carries that page's path (`/video?share=...`): the viewer answers there too
    instead of Streamlit's "Page not found"."""

    def viewer(url_path: str, default: bool = False) -> st.Page:
        return st.Page(
            _render_shared_view,
            title=tr("share.viewer_caption"),
            icon=":material/visibility:",
            url_path=url_path,
            default=default,
        )

    return [viewer("shared", default=True), *(viewer(path) for path in page_paths if path)]


# --- the viewer -------------------------------------------------------------------------------


def _render_shared_view() -> None:
    token = share_token() or ""
    seen = st.session_state.setdefault(SEEN, set())
    limit, client = guess_limit_and_client()
    opened = shares.open_share(get_store(), token, client, limit, first_visit=token not in seen)
    seen.add(token)
    share = opened.share
    if opened.status == shares.LIVE and share.kind in _SLIDES and presenting():
        show_slides(share.title or tr(KIND_KEY(share.kind)), _SLIDES[share.kind](share.payload))
        return
    language_switch()
    st.caption(":material/visibility: " + tr("share.viewer_caption"))
    if opened.status != shares.LIVE:
        _closed(opened)
        return
    st.subheader(markdown_literal(share.title) or tr(KIND_KEY(share.kind)))
    st.caption(
        " · ".join(
            (tr(KIND_KEY(share.kind)), tr("share.shared_on", time=local_time(share.created_at)), _expiry_text(share))
        )
    )
    if share.note:
        st.info(markdown_literal(share.note), icon=":material/sticky_note_2:")
    if share.kind in _SLIDES:
        st.button(
            tr("present.toggle"),
            icon=":material/slideshow:",
            key="share_present",
            help=tr("present.help"),
            on_click=start_presenting,
        )
    _BODIES[share.kind](share)


def language_switch() -> None:
    """The viewer's own switch: it changes this browser session only (no one is signed in)."""
    lang = current_lang()
    with st.container(horizontal=True, horizontal_alignment="right"):
        choice = st.segmented_control(
            tr("app.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            default=lang,
            key="share_lang",
            label_visibility="collapsed",
        )
    if choice and choice != lang:
        state.of(Language).code = choice
        st.rerun()


def guess_limit_and_client() -> tuple[shares.GuessLimit, str | None]:
    """The login's limits and client address rules; defaults in single-user mode."""
    settings = app_settings().auth
    limit = shares.GuessLimit(settings.max_failed_logins, settings.lockout) if settings else shares.GuessLimit()
    ip_address, forwarded_for = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    # Under AppTest there is no client: both are mocks, so anything but text counts as unknown.
    return limit, client_address(
        ip_address if isinstance(ip_address, str) else None,
        forwarded_for if isinstance(forwarded_for, str) else None,
        bool(settings and settings.trust_x_forwarded_for),
    )


def _closed(opened: shares.Opened) -> None:
    if opened.status == shares.REVOKED:
        st.warning(tr("share.revoked"), icon=":material/link_off:")
    elif opened.status == shares.EXPIRED:
        st.warning(tr("share.expired", time=local_time(opened.share.expires_at)), icon=":material/timer_off:")
    elif opened.status == shares.LOCKED:
        st.error(
            tr("share.locked", time=formats.duration(wait_seconds(opened.wait), current_lang())), icon=":material/lock:"
        )
    else:
        st.error(tr("share.missing"), icon=":material/link_off:")


def _expiry_text(share: ShareInfo) -> str:
    if share.expires_at is None:
        return tr("share.never_expires")
    return tr("share.expires_on", time=local_time(share.expires_at))


def _show_conversation(share: Share) -> None:
    _setup(share.payload)
    results = shared_results(share.payload["messages"])
    for position, group in enumerate(shares.turns([m for m in share.payload["messages"] if m["role"] != "tool"])):
        if "compare_group" in group[0]["meta"]:
            _columns(group, f"share_{position}")
        else:
            _message(group[0], results, f"share_{position}")


def _show_comparison(share: Share) -> None:
    _setup(share.payload)
    _message({"role": "user", "content": share.payload["prompt"], "meta": {}})
    _columns(share.payload["columns"], "share_columns")


def _setup(payload: dict) -> None:
    """The system prompt and the parameters the replies were made with."""
    params = ", ".join(
        f"`{name}={value}`" if name != "tools" else f"`tools=[{', '.join(tools.names(value))}]`"
        for name, value in payload["params"].items()
    ) or tr("share.no_params")
    st.caption(f"{tr('share.params')}: {params}")
    if payload["system"]:
        with st.expander(tr("chat.system_prompt"), icon=":material/settings:"):
            st.markdown(markdown_literal(payload["system"]))


def _message(message: dict, results: dict | None = None, key: str = "share_prompt") -> None:
    """As on the Chat page: Markdown with HTML off, so tags in model text show as text; a
    reply's thinking folded above it, its JSON checked, its tool calls with their `results`."""
    meta = message["meta"]
    with st.chat_message(message["role"]):
        thinking_block(meta.get("thinking") or "", meta.get("thinking_seconds"))
        reply_body(message["content"], meta, key)
        if meta.get("tool_calls"):
            read_only_calls(tools.call_steps(meta["tool_calls"], results or {}))
        _attachments(meta.get("attachments") or [])
        if message["role"] == "assistant":
            st.caption(shares.metrics_line(meta, current_lang()))


def _attachments(entries: list) -> None:
    """The images copied into the share, side by side; one whose copy failed by its name."""
    for column, entry in zip(st.columns(max(len(entries), 3)), entries):
        name = entry.get("name", "") if isinstance(entry, dict) else str(entry)
        image = shares.shared_image_bytes(entry)
        if image:
            column.image(image, caption=name or None, width="stretch")
        else:
            column.caption(":material/image: " + tr("share.attachment", name=markdown_literal(name)))


def _columns(replies: list[dict], key: str) -> None:
    with st.chat_message("assistant"):
        for index, (column, reply) in enumerate(zip(st.columns(len(replies), border=True), replies)):
            with column:
                st.markdown(f"**{markdown_literal(reply['meta'].get('model') or '?')}**")
                if reply["meta"].get("failed"):
                    st.error(tr("report.failed"), icon=":material/error:")
                    continue
                thinking_block(reply["meta"].get("thinking") or "", reply["meta"].get("thinking_seconds"))
                reply_body(reply["content"], reply["meta"], f"{key}_{index}")
                st.caption(shares.metrics_line(reply["meta"], current_lang(), with_model=False))


def _show_image(share: Share) -> None:
    st.image(get_store().share_media(share.id), width="stretch")
    _prompt(share.payload["prompt"])
    if share.payload.get("width") and share.payload.get("height"):
        st.caption(f"{share.payload['width']}×{share.payload['height']}")


def _show_video(share: Share) -> None:
    st.video(get_store().share_media(share.id), format=share.media_mime or "video/mp4")
    _prompt(share.payload["prompt"])
    st.caption(
        tr(
            "share.video_params",
            model=share.payload.get("model") or "?",
            duration=share.payload.get("duration") or "?",
            ratio=share.payload.get("aspect_ratio") or "?",
        )
    )


def _prompt(prompt: str) -> None:
    st.markdown(f"**{tr('share.prompt')}:** {markdown_literal(prompt)}")


_BODIES = {
    shares.CONVERSATION: _show_conversation,
    shares.COMPARISON: _show_comparison,
    shares.IMAGE: _show_image,
    shares.VIDEO: _show_video,
    shares.WORKBENCH_RUN: lambda share: read_only_run(share.payload["run"]),
    shares.WORKBENCH_COMPARISON: lambda share: compared(share.payload["before"], share.payload["after"]),
}
# What a shared conversation, comparison or Workbench run is as slides, in presentation mode.
_SLIDES = {
    shares.CONVERSATION: lambda payload: slides_of(payload["messages"]),
    shares.COMPARISON: comparison_slides,
    shares.WORKBENCH_RUN: lambda payload: workbench_sharing.run_slides(payload, current_lang()),
    shares.WORKBENCH_COMPARISON: lambda payload: workbench_sharing.comparison_slides(payload, current_lang()),
}


# --- the Share button and dialog ------------------------------------------------------------


def share_button(
    kind: str, snapshot_builder: Callable[[], shares.Snapshot | None], key: str, *, compact: bool = False
) -> None:
    """A button that opens the Share dialog. `snapshot_builder` runs only while the dialog is
    open; `compact` draws an icon with a tooltip, for a row of icon buttons.

    Whether the dialog is open lives in the session, not in the click: any full rerun while it
    is open (a toast, another tab's fragment) would otherwise close it and lose the link."""
    if st.button(
        "" if compact else tr("share.button"),
        icon=":material/share:",
        help=tr("share.help"),
        key=key,
        use_container_width=not compact,
    ):
        st.session_state[f"{key}_open"] = True
        st.session_state.pop(f"{key}_link", None)
    if st.session_state.get(f"{key}_open"):
        st.dialog(tr("share.dialog_title"), on_dismiss=partial(_close_dialog, key))(_share_dialog)(
            kind, snapshot_builder, key
        )


def _close_dialog(key: str) -> None:
    for suffix in ("open", "link"):
        st.session_state.pop(f"{key}_{suffix}", None)


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
    made = f"{key}_link" in st.session_state
    if (
        st.button(tr("share.create"), type="primary", icon=":material/add_link:", key=f"{key}_create", disabled=made)
        and not made
    ):
        token, _ = shares.create_share(get_store(), current_user(), snapshot, expiry, note)
        st.session_state[f"{key}_link"] = shares.share_link(st.context.url, token)
    if f"{key}_link" in st.session_state:  # the token is in no database: this is the one chance to copy it
        st.success(tr("share.created"), icon=":material/check_circle:")
        st.code(st.session_state[f"{key}_link"], language=None, wrap_lines=True)


# --- the comparison report ------------------------------------------------------------------


def comparison_report_button(conversation: Conversation | None, load_messages: Callable[[], list[Message]]) -> None:
    """The HTML report download, when the conversation's recent turns hold a comparison; the
    report itself is built only when clicked."""
    if conversation is None or not _has_recent_comparison(get_store(), current_user(), conversation.id):
        return
    lang = current_lang()

    def build() -> str:
        snapshot = shares.comparison_snapshot(shares.conversation_snapshot(conversation, load_messages()))
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
                    _expiry_text(share),
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
