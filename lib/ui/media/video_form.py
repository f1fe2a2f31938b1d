"""The Video page's form: prompt, model, duration and shape, the price, HD's confirmation, and
sending through lib/media/video_submit.py's steps (also for a failed task's Retry)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.credits import pricing
from lib.i18n import key_family
from lib.media import video_options, video_submit, videos
from lib.media.video_status import FINISHED
from lib.prompts.limits import MAX_PROMPT_CHARS
from lib.store import Store
from lib.ui import state
from lib.ui.credits.budget import confirm_within_budget
from lib.ui.feedback import show_error
from lib.ui.session import labels, tr
from lib.ui.state.media import (
    VIDEO_CONFIRM_HD,
    VIDEO_DURATION,
    VIDEO_MODEL,
    VIDEO_PROMPT,
    VIDEO_RATIO,
    VideoPage,
)


def render_form(store: Store, user: str, client: ReshiClient) -> None:
    """Prompt, model, duration and shape; the price before sending; HD asks to confirm. Sending
    goes through lib/media/video_submit.py's steps: asked, the budget's check, submitting, the result."""
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


def retry_in_form(request: videos.VideoRequest) -> None:
    """Puts the failed task's settings in the form and sends them, as one click on Generate
    with the HD box ticked (the button named the price)."""
    VIDEO_PROMPT.set(request.prompt)
    VIDEO_MODEL.set(request.model)
    VIDEO_DURATION.set(request.duration)
    VIDEO_RATIO.set(request.aspect_ratio)
    VIDEO_CONFIRM_HD.set(True)
    _advance(state.of(VideoPage), video_submit.Ask(request))
