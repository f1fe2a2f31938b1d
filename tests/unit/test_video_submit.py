"""The Video form's submission steps (lib/media/video_submit.py), without Streamlit."""

from __future__ import annotations

import pytest

from lib import errors
from lib.media.video_submit import (
    Ask,
    BudgetCleared,
    Cancelled,
    Created,
    Failed,
    InvalidEvent,
    Outcome,
    Refused,
    Step,
    Submission,
    advance,
    task_made_from,
    waiting,
)
from lib.media.videos import VideoRequest

CASTLE = VideoRequest("a castle at dawn")
STORM = VideoRequest("a storm", model="sora-2-pro")


def run(*events, start: Submission | None = None) -> Submission:
    submission = start or Submission()
    for event in events:
        submission = advance(submission, event)
    return submission


def test_a_click_waits_for_the_budget_then_submits_and_ends_with_the_task():
    asked = run(Ask(CASTLE))
    assert asked.step is Step.ASKED and waiting(asked, CASTLE)
    assert not waiting(asked, STORM), "only while the form still holds what was asked"
    submitting = advance(asked, BudgetCleared())
    assert submitting.step is Step.SUBMITTING and submitting.request == CASTLE
    done = advance(submitting, Created("video_1"))
    assert done.step is Step.EDITING and done.request is None
    assert done.result is not None and done.result.outcome is Outcome.CREATED
    assert task_made_from(done, CASTLE) == "video_1"
    assert task_made_from(done, STORM) is None, "another prompt or setting arms Generate again"


def test_a_duplicate_is_found_not_made():
    done = run(Ask(CASTLE), BudgetCleared(), Created("video_1", duplicate=True))
    assert done.result is not None and done.result.outcome is Outcome.DUPLICATE
    assert task_made_from(done, CASTLE) == "video_1"


def test_cancel_at_the_budget_question_drops_the_ask_and_keeps_the_last_result():
    made = run(Ask(CASTLE), BudgetCleared(), Created("video_1"))
    cancelled = run(Ask(STORM), Cancelled(), start=made)
    assert cancelled.step is Step.EDITING and not waiting(cancelled, STORM)
    assert task_made_from(cancelled, CASTLE) == "video_1", "back to the castle, Generate still rests"


def test_a_new_submission_replaces_the_last_result():
    made = run(Ask(CASTLE), BudgetCleared(), Created("video_1"))
    submitting = run(Ask(STORM), BudgetCleared(), start=made)
    assert submitting.result is None
    assert task_made_from(submitting, CASTLE) is None


def test_a_refused_request_says_why_and_makes_no_task():
    done = run(Ask(VideoRequest("")), BudgetCleared(), Refused("video.empty_prompt"))
    assert done.result is not None and done.result.outcome is Outcome.REFUSED
    assert done.result.problem == "video.empty_prompt" and task_made_from(done, VideoRequest("")) is None


def test_a_failed_call_keeps_its_error_and_can_be_asked_again():
    error = errors.ServerError("busy", status=503)
    failed = run(Ask(CASTLE), BudgetCleared(), Failed(error))
    assert failed.result is not None and failed.result.outcome is Outcome.FAILED and failed.result.error is error
    retried = advance(failed, Ask(CASTLE))
    assert retried.step is Step.ASKED and retried.result is failed.result, "the error shows until the new call"


@pytest.mark.parametrize(
    "events",
    [
        [BudgetCleared()],  # nothing asked
        [Cancelled()],
        [Created("video_1")],  # a result without a call
        [Ask(CASTLE), Failed(errors.ServerError("busy", status=503))],  # before the budget's check
        [Ask(CASTLE), BudgetCleared(), BudgetCleared()],
        [Ask(CASTLE), BudgetCleared(), Cancelled()],  # too late to cancel
    ],
)
def test_an_event_the_step_cannot_have_is_a_bug(events):
    with pytest.raises(InvalidEvent):
        run(*events)
