"""The Video page's building blocks: the form, the live (polled) tasks and the finished ones,
which play our own kept copy of each video, a failed one's Retry and a removal's Undo."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.credits import pricing
from lib.i18n import key_family
from lib.media import video_options, video_submit, videos
from lib.media.video_status import COMPLETED, FAILED, FINISHED, QUEUED, RUNNING, is_known_status
from lib.prompts.limits import MAX_PROMPT_CHARS
from lib.safe_text import markdown_literal
from lib.sharing.shares import VIDEO, video_snapshot
from lib.store import Store, VideoTaskRecord, utcnow
from lib.ui import state
from lib.ui.credits.budget import confirm_within_budget
from lib.ui.error_text import explain
from lib.ui.feedback import show_error
from lib.ui.media.fetched import kept_video
from lib.ui.session import current_lang, labels, tr
from lib.ui.sharing.links import share_button
from lib.ui.state.media import (
    VIDEO_CONFIRM_HD,
    VIDEO_DURATION,
    VIDEO_MODEL,
    VIDEO_PROMPT,
    VIDEO_RATIO,
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
# --- the form ---------------------------------------------------------------------------------


def render_form(store: Store, user: str, client: ReshiClient) -> None:
    """Prompt, model, duration and shape; the price before sending; HD asks to confirm. Sending
    goes through lib/video_submit's steps: asked, the budget's check, submitting, the result."""
    page = state.of(VideoPage)
    if page.untick_hd:
        page.untick_hd = False
        VIDEO_CONFIRM_HD.set(False)
    prompt = st.text_area(
        tr("video.prompt"),
        key=VIDEO_PROMPT.key,
        height=110,
        max_chars=MAX_PROMPT_CHARS[pricing.VIDEO],
        placeholder=tr("video.prompt_placeholder"),
    )
    model = st.selectbox(
        tr("video.model"),
        video_options.MODELS,
        key=VIDEO_MODEL.key,
        format_func=labels(key_family("video.model", video_options.MODELS)),
    )
    duration_col, ratio_col = st.columns([2, 3])
    duration = duration_col.number_input(
        tr("video.duration"),
        video_options.MIN_DURATION,
        video_options.MAX_DURATION,
        video_options.DEFAULT_DURATION,
        step=1,
        key=VIDEO_DURATION.key,
    )
    ratio = ratio_col.selectbox(
        tr("video.aspect_ratio"),
        video_options.ASPECT_RATIOS,
        key=VIDEO_RATIO.key,
        format_func=labels(key_family("video.ratio", video_options.ASPECT_RATIOS)),
    )
    request = videos.VideoRequest(prompt or "", model, int(duration), ratio)
    cost = videos.cost_of(client, model)
    st.markdown(tr("video.cost", credits=cost))
    st.caption(tr("video.cost_note"))
    confirmed = not videos.needs_confirmation(model) or st.checkbox(
        tr("video.confirm_hd", credits=cost), key=VIDEO_CONFIRM_HD.key
    )
    made = _made_and_unfinished(store, user, page.submission, request)
    clicked = st.button(
        tr("video.generate"),
        type="primary",
        icon=":material/movie:",
        key="video_generate",
        disabled=not confirmed or made,
        use_container_width=True,
    )
    if made:
        st.caption(tr("video.made_wait"))
    elif not confirmed:
        st.caption(tr("video.confirm_needed", credits=cost))
    retry_clicked, page.retry_clicked = page.retry_clicked, False
    if (clicked or retry_clicked) and confirmed:
        _advance(page, video_submit.Ask(request))
    if video_submit.waiting(page.submission, request) and confirm_within_budget(
        cost, key="video", on_cancel=partial(_advance, page, video_submit.Cancelled())
    ):
        _advance(page, video_submit.BudgetCleared())
        _submit(store, user, client, page)
    _show_outcome(store, user, page, request)


def _advance(page: VideoPage, event: video_submit.Event) -> None:
    page.submission = video_submit.advance(page.submission, event)


def _made_and_unfinished(
    store: Store, user: str, submission: video_submit.Submission, request: videos.VideoRequest
) -> bool:
    """The form still holds what made a task that is not finished yet: its button rests, so a
    second click cannot pay for a second task (a changed prompt or setting arms it again)."""
    task_id = video_submit.task_made_from(submission, request)
    return task_id is not None and _unfinished(store, user, task_id)


def _unfinished(store: Store, user: str, task_id: str) -> bool:
    task = store.get_video_task(user, task_id)
    return task is not None and task.status not in FINISHED


def _submit(store: Store, user: str, client: ReshiClient, page: VideoPage) -> None:
    """The SUBMITTING step: the request's own checks, then the call."""
    request = page.submission.request
    assert request is not None  # SUBMITTING always carries its request
    problem = videos.request_problem(request)
    if problem:
        _advance(page, video_submit.Refused(problem))
        return
    try:
        with st.spinner(tr("video.creating")):
            submission = videos.submit(store, user, client, request)
    except errors.ReshiError as exc:
        _advance(page, video_submit.Failed(exc))
        return
    _advance(page, video_submit.Created(submission.task.task_id, duplicate=submission.duplicate))
    page.untick_hd = True  # the next HD video needs its own confirmation
    st.rerun()  # the button rests from now on (it was drawn armed in this run)


_NOTICES = {
    video_submit.Outcome.REFUSED: (st.warning, ":material/warning:"),
    video_submit.Outcome.CREATED: (st.success, ":material/check_circle:"),
    video_submit.Outcome.DUPLICATE: (st.info, ":material/info:"),
}
_NOTICE_KEYS = {video_submit.Outcome.CREATED: "video.created", video_submit.Outcome.DUPLICATE: "video.duplicate"}


def _show_outcome(store: Store, user: str, page: VideoPage, request: videos.VideoRequest) -> None:
    """The last submission's result: a failure with its Retry; otherwise kept while the form still
    holds what was submitted and, for a task made, until that task finishes (it then shows in the
    finished list)."""
    result = page.submission.result
    if result is None:
        return
    if result.error is not None:
        if show_error(result.error, retry_key="video_retry"):
            page.retry_clicked = True
            st.rerun()
        return
    if result.request == request and (result.task_id is None or _unfinished(store, user, result.task_id)):
        show, icon = _NOTICES[result.outcome]
        show(tr(result.problem or _NOTICE_KEYS[result.outcome]), icon=icon)


# --- the task lists ---------------------------------------------------------------------------


def live_tasks(store: Store, user: str, client: ReshiClient) -> None:
    """The polling fragment's body: poll the tasks that are due and draw the unfinished ones
    (those of another connection are drawn, not polled, with a note saying so).

    When a task finishes, the whole page reruns: the task moves to the finished list with its
    video, and the fragment (with its timer) is only defined again while some task is unfinished.
    """
    now = utcnow()
    outcome = videos.poll_due(store, user, client, now)
    poll_errors = state.of(VideoPage).poll_errors
    for task_id in outcome.polled:
        poll_errors.pop(task_id, None)
    poll_errors.update(outcome.errors)
    if outcome.finished:
        st.rerun()
    tasks = [task for task in store.unfinished_video_tasks(user) if not task.hidden]
    if tasks:
        st.markdown(f"#### {tr('video.in_progress')}")
    fingerprint = videos.connection_fingerprint(client)
    for task in tasks:
        with st.container(border=True):
            _card_header(store, user, task, now)
            _live_body(task, now, poll_errors.get(task.task_id))
            if not videos.on_connection(task, fingerprint):
                st.caption(":material/link_off: " + tr("video.other_connection"))


def removal_notice(store: Store, user: str) -> None:
    """The last removal, with Undo, until the next one or until the page is left."""
    page = state.of(VideoPage)
    removed = page.removed
    if removed is None:
        return
    task_id, prompt = removed
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
    if row.button(
        "", icon=":material/close:", key=f"video_remove_{task.task_id}", help=tr("video.remove"), type="tertiary"
    ):
        store.hide_video_task(user, task.task_id)
        state.of(VideoPage).removed = (task.task_id, task.prompt)
        st.rerun()
    st.markdown(f"**{markdown_literal(task.prompt)}**")


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
            on_click=_retry,
            args=(retry,),
        )


def _retry(request: videos.VideoRequest) -> None:
    """Puts the failed task's settings in the form and sends them, as one click on Generate
    with the HD box ticked (the button named the price)."""
    VIDEO_PROMPT.set(request.prompt)
    VIDEO_MODEL.set(request.model)
    VIDEO_DURATION.set(request.duration)
    VIDEO_RATIO.set(request.aspect_ratio)
    VIDEO_CONFIRM_HD.set(True)
    _advance(state.of(VideoPage), video_submit.Ask(request))


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
