"""The read-only viewer a share link opens (`?share=...`): signed out, before login, with nothing
else of the app. It draws only the snapshot stored in the share: no sidebar, no navigation,
nothing read from the owner's other rows, and no connection (so no key or base URL) is ever made.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from lib import formats
from lib.accounts.auth import client_address, wait_seconds
from lib.chat import tools
from lib.i18n import LANGUAGES, key_family
from lib.safe_text import markdown_literal
from lib.sharing import shares
from lib.sharing.presentation import comparison_slides, slides_of
from lib.store import Share, ShareInfo
from lib.ui import state
from lib.ui.chat.model_features import reply_body, thinking_block
from lib.ui.chat.tool_calls import read_only_calls, shared_results
from lib.ui.clock import local_time
from lib.ui.config import app_settings
from lib.ui.resources import get_store
from lib.ui.session import current_lang, tr
from lib.ui.sharing.presentation import presenting, show_slides, start_presenting
from lib.ui.state.shares import ShareViewer
from lib.ui.state.shell import Language
from lib.ui.workbench.compare import compared
from lib.ui.workbench.results import read_only_run
from lib.workbench import sharing as workbench_sharing

KIND_KEY = key_family("share.kind", shares.KINDS)


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
    seen = state.of(ShareViewer).seen
    limit, client = guess_limit_and_client()
    opened = shares.open_share(get_store(), token, client, limit, first_visit=token not in seen)
    seen.add(token)
    share = opened.share if opened.status == shares.LIVE else None
    if share is not None and share.kind in _SLIDES and presenting():
        show_slides(share.title or tr(KIND_KEY(share.kind)), _SLIDES[share.kind](share.payload))
        return
    language_switch()
    st.caption(":material/visibility: " + tr("share.viewer_caption"))
    if share is None:
        _closed(opened)
        return
    st.subheader(markdown_literal(share.title) or tr(KIND_KEY(share.kind)))
    st.caption(
        " · ".join(
            (tr(KIND_KEY(share.kind)), tr("share.shared_on", time=local_time(share.created_at)), expiry_text(share))
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
            format_func=LANGUAGES.__getitem__,
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
    elif opened.status == shares.EXPIRED and opened.share and opened.share.expires_at:
        st.warning(tr("share.expired", time=local_time(opened.share.expires_at)), icon=":material/timer_off:")
    elif opened.status == shares.LOCKED:
        st.error(
            tr("share.locked", time=formats.duration(wait_seconds(opened.wait or timedelta()), current_lang())),
            icon=":material/lock:",
        )
    else:
        st.error(tr("share.missing"), icon=":material/link_off:")


def expiry_text(share: ShareInfo) -> str:
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
    image = get_store().share_media(share.id)
    if image is not None:  # a share's media row goes only with the share itself
        st.image(image, width="stretch")
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
