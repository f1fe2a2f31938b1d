"""The Video page's task lists: the live (polled) tasks and the finished ones, which play our own
kept copy of each video, a failed one's Retry and a removal's Undo. The form is video_form.py."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.media import videos
from lib.media.video_status import COMPLETED, FAILED, FINISHED, QUEUED, RUNNING, is_known_status
from lib.safe_text import markdown_literal
from lib.sharing.shares import VIDEO, video_snapshot
from lib.store import Store, VideoTaskRecord, utcnow
from lib.ui import state
from lib.ui.error_text import explain
from lib.ui.media.fetched import kept_video
from lib.ui.media.video_form import retry_in_form
from lib.ui.session import current_lang, tr
from lib.ui.sharing.links import share_button
from lib.ui.state.media import (
    VideoPage,
)

FINISHED_PAGE = 6
# How a finished card splits between the video and its details, by shape, so that a portrait
# video is not drawn a screen tall.
_VIDEO_SHARE = {"16:9": [3, 2], "1:1": [1, 1], "9:16": [1, 2]}
_BADGES = {
    QUEUED: ("gray", ":material/schedule:"),
    RUNNING: ("blue", ":material/autorenew:"),
    COMPLETED: ("green", ":material/check_circle:"),
    FAILED: ("red", ":material/error:"),
}
STATUS_KEY = key_family("video.status", (QUEUED, RUNNING, COMPLETED, FAILED))
# --- the task lists ---------------------------------------------------------------------------


def live_tasks(store: Store, user: str, client: ReshiClient) -> None:
    """The polling fragment's body: poll the tasks that are due and draw the unfinished ones
    (those of another connection are drawn, not polled, with a note saying so).

    When a task finishes, the whole page reruns: the task moves to the finished list with its
    video, and the fragment (with its timer) is only defined again while some task is unfinished.
    """
    now = utcnow()
    outcome = videos.poll_due(store, user, client, now)
    page = state.of(VideoPage)
    for task_id in outcome.polled:
        page.poll_errors.pop(task_id, None)
    page.poll_errors.update(outcome.errors)
    if outcome.finished or page.removal_unseen:
        st.rerun()
    tasks = [task for task in store.unfinished_video_tasks(user) if not task.hidden]
    if tasks:
        st.markdown(f"#### {tr('video.in_progress')}")
    fingerprint = videos.connection_fingerprint(client)
    for task in tasks:
        with st.container(border=True):
            _card_header(store, user, task, now)
            _live_body(task, now, page.poll_errors.get(task.task_id))
            if not videos.on_connection(task, fingerprint):
                st.caption(":material/link_off: " + tr("video.other_connection"))


def removal_notice(store: Store, user: str) -> None:
    """The last removal, with Undo, until the next one or until the page is left."""
    page = state.of(VideoPage)
    removed = page.removed
    if removed is None:
        return
    task_id, prompt = removed
    page.removal_unseen = False
    with st.container(border=True, horizontal=True, vertical_alignment="center", key="video_removed_notice"):
        st.markdown(":material/delete: " + tr("video.removed", prompt=markdown_literal(_shorten(prompt))))
        if st.button(tr("video.undo"), icon=":material/undo:", key="video_undo", type="tertiary"):
            store.hide_video_task(user, task_id, hidden=False)
            page.removed = None
            st.rerun()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finished_tasks(store: Store, user: str, client: ReshiClient) -> None:
    """Finished tasks, newest first, a page at a time."""
    tasks = [task for task in store.list_video_tasks(user) if task.status in FINISHED]
    if not tasks:
        return
    st.markdown(f"#### {tr('video.finished')}")
    page = state.of(VideoPage)
    shown = page.finished_pages * FINISHED_PAGE
    now = utcnow()
    for task in tasks[:shown]:
        with st.container(border=True):
            _card_header(store, user, task, now)
            _finished_body(store, user, task, client)
    if len(tasks) > shown and st.button(
        tr("video.show_older", count=len(tasks) - shown), key="video_show_older", icon=":material/expand_more:"
    ):
        page.finished_pages += 1
        st.rerun()


# --- one task ---------------------------------------------------------------------------------


def _card_header(store: Store, user: str, task: VideoTaskRecord, now: datetime) -> None:
    """Status badge, parameters and the remove button on one line; the prompt below."""
    # A horizontal row, not columns: columns stack on a phone and put the button on a line of its own.
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    timing = (
        tr("video.took", time=videos.format_seconds(videos.elapsed_seconds(task, now)))
        if task.status in FINISHED
        else ""
    )
    params = tr("video.params", model=task.model or "?", duration=task.duration or "?", ratio=task.aspect_ratio or "?")
    details = " · ".join(p for p in (params, timing) if p)
    row.markdown(f"{_status_badge(task)} &nbsp; :gray[{details}]", width="stretch")
    # A callback, not `if st.button(...)`: it runs before the script, so the click counts even when
    # the run it starts polls first, finds the task finished and reruns before this line.
    row.button(
        "",
        icon=":material/close:",
        key=f"video_remove_{task.task_id}",
        help=tr("video.remove"),
        type="tertiary",
        on_click=_remove,
        args=(store, user, task.task_id, task.prompt),
    )
    st.markdown(f"**{markdown_literal(task.prompt)}**")


def _remove(store: Store, user: str, task_id: str, prompt: str) -> None:
    store.hide_video_task(user, task_id)
    page = state.of(VideoPage)
    page.removed, page.removal_unseen = (task_id, prompt), True


def _status_badge(task: VideoTaskRecord) -> str:
    """The normalised status as a Markdown badge; an unknown raw one is "running" here and quoted
    in the card's body."""
    color, icon = _BADGES[task.status]
    return f":{color}-badge[{icon} {tr(STATUS_KEY(task.status))}]"


def _live_body(task: VideoTaskRecord, now: datetime, poll_error: errors.ReshiError | None) -> None:
    parts = []
    if task.progress is not None:
        parts.append(tr("video.progress", percent=task.progress))
    parts.append(tr("video.elapsed", time=videos.format_seconds(videos.elapsed_seconds(task, now))))
    eta = videos.eta_seconds(task, now)
    if eta is not None:
        parts.append(tr("video.eta", time=videos.format_seconds(eta)))
    st.progress(int(task.progress or 0), text=" · ".join(parts))
    if task.raw_status and not is_known_status(task.raw_status):
        st.caption(tr("video.unknown_status", raw=markdown_literal(task.raw_status)))
    if poll_error is not None:
        st.warning(
            tr(
                "video.poll_error",
                reason=explain(poll_error, current_lang()),
                seconds=videos.seconds_until_poll(task, utcnow()),
            ),
            icon=":material/sync_problem:",
        )


def _finished_body(store: Store, user: str, task: VideoTaskRecord, client: ReshiClient) -> None:
    if task.status == FAILED:
        _failed_body(task, client)
        return
    data = _kept_or_explain(store, user, task, client)
    if data is None:
        return
    name = videos.download_name(task)
    video_col, info_col = st.columns(_VIDEO_SHARE.get(task.aspect_ratio or "", _VIDEO_SHARE["16:9"]))
    with video_col:
        st.video(data, format=videos.mime_of(name))
    with info_col:
        st.download_button(
            tr("video.download"),
            data,
            file_name=name,
            mime=videos.mime_of(name),
            icon=":material/download:",
            key=f"video_download_{task.task_id}",
            on_click="ignore",
            use_container_width=True,
        )
        share_button(VIDEO, lambda: video_snapshot(task, data, videos.mime_of(name)), f"video_{task.task_id}_share")
        st.caption(":material/inventory_2: " + tr("video.kept"))
        _provider_url(task)


def _provider_url(task: VideoTaskRecord) -> None:
    if task.video_url:
        st.caption(tr("video.url"))
        st.code(task.video_url, language=None, wrap_lines=True)


def _failed_body(task: VideoTaskRecord, client: ReshiClient) -> None:
    """The reason, the refund, and Retry: the same settings as a new task, through the form's
    own checks (price, HD confirmation, budget, double click)."""
    reason = tr("video.failed", reason=markdown_literal(task.error)) if task.error else tr("video.failed_no_reason")
    st.error(reason, icon=":material/error:")
    if task.refunded:
        st.caption(":material/undo: " + tr("video.refunded", credits=task.credits))
    retry = videos.retry_request(task)
    if retry is not None:
        st.button(
            tr("video.retry", credits=videos.cost_of(client, retry.model)),
            icon=":material/replay:",
            key=f"video_retry_{task.task_id}",
            help=tr("video.retry_help"),
            on_click=retry_in_form,
            args=(retry,),
        )


def _kept_or_explain(store: Store, user: str, task: VideoTaskRecord, client: ReshiClient) -> bytes | None:
    """Our copy of the video, downloaded now for a task finished before copies were kept (or
    whose download failed at the poll). One try per session: a file that is gone stays gone.
    When there is none, say what was asked and what came back, so the user can tell the provider."""
    if task.video_media_id is None:
        tried = state.of(VideoPage).keep_failed
        if task.task_id not in tried:
            try:
                with st.spinner(tr("video.keeping")):
                    videos.keep_video(store, user, client, task)
                task = store.get_video_task(user, task.task_id) or task
            except errors.ReshiError as error:
                tried[task.task_id] = error
        exc = tried.get(task.task_id)
        if exc is not None:
            if task.video_url:
                st.warning(tr("video.gone"), icon=":material/link_off:")
                _provider_url(task)
            else:
                st.warning(
                    tr(
                        "video.no_url",
                        status=markdown_literal(task.raw_status or "?"),
                        reason=explain(exc, current_lang()),
                    ),
                    icon=":material/link_off:",
                )
            return None
    return kept_video(store, user, task)
