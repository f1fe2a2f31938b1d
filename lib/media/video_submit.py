"""Sending the Video form, as a state machine: the steps a submission goes through and the one
function that moves it on, `advance(submission, event)`. Pure: the page (lib/ui/media/videos.py)
turns clicks and answers into events and draws the step it is given.

    EDITING --Ask--> ASKED --BudgetCleared--> SUBMITTING --Refused/Failed/Created--> EDITING
                       \\--Cancelled--> EDITING

ASKED waits for the budget check (or for the user's "Send anyway"), and only while the form still
holds what was asked. The last submission's `Result` stays beside the step: asking again does not
drop it, so a task still being made keeps Generate resting (the double-click guard) if the form
comes back to what made it. A new submission replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from lib import errors
from lib.media.videos import VideoRequest


class Step(Enum):
    EDITING = "editing"  # nothing asked for: the form
    ASKED = "asked"  # Generate (or a Retry) clicked: waits for the budget check or "Send anyway"
    SUBMITTING = "submitting"  # every check passed: the task is being created


class Outcome(Enum):
    REFUSED = "refused"  # not sent: the request has a problem (an empty prompt, ...)
    FAILED = "failed"  # the API refused or failed: worth a Retry
    CREATED = "created"  # a task made: Generate rests until it finishes
    DUPLICATE = "duplicate"  # the same task, made moments ago, found instead of a second one


@dataclass(frozen=True)
class Result:
    """How the last submission ended, and for which request."""

    outcome: Outcome
    request: VideoRequest
    problem: str | None = None  # REFUSED: the catalog key that says why
    error: errors.ReshiError | None = None  # FAILED
    task_id: str | None = None  # CREATED, DUPLICATE


@dataclass(frozen=True)
class Submission:
    step: Step = Step.EDITING
    request: VideoRequest | None = None  # ASKED, SUBMITTING: what is being sent
    result: Result | None = None


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Generate clicked (with HD confirmed), or a Retry: send `request`."""

    request: VideoRequest


@dataclass(frozen=True)
class BudgetCleared:
    """The call fits every budget limit, or the user chose "Send anyway"."""


@dataclass(frozen=True)
class Cancelled:
    """The user chose Cancel at the budget's question."""


@dataclass(frozen=True)
class Refused:
    problem: str


@dataclass(frozen=True)
class Failed:
    error: errors.ReshiError


@dataclass(frozen=True)
class Created:
    task_id: str
    duplicate: bool = False


Event = Ask | BudgetCleared | Cancelled | Refused | Failed | Created


class InvalidEvent(ValueError):
    """An event that cannot happen in the submission's step (a bug in the caller)."""


def advance(submission: Submission, event: Event) -> Submission:
    """The submission after `event`."""
    step, request = submission.step, submission.request
    if isinstance(event, Ask):
        return replace(submission, step=Step.ASKED, request=event.request)
    if step is Step.ASKED and isinstance(event, Cancelled):
        return replace(submission, step=Step.EDITING, request=None)
    if step is Step.ASKED and isinstance(event, BudgetCleared):
        return Submission(Step.SUBMITTING, request)  # the last result goes: this one replaces it
    if step is Step.SUBMITTING and request is not None:
        if isinstance(event, Refused):
            return Submission(result=Result(Outcome.REFUSED, request, problem=event.problem))
        if isinstance(event, Failed):
            return Submission(result=Result(Outcome.FAILED, request, error=event.error))
        if isinstance(event, Created):
            outcome = Outcome.DUPLICATE if event.duplicate else Outcome.CREATED
            return Submission(result=Result(outcome, request, task_id=event.task_id))
    raise InvalidEvent(f"{type(event).__name__} while {step.value}")


def waiting(submission: Submission, request: VideoRequest) -> bool:
    """Is `request` (what the form holds now) asked for and waiting for the budget?"""
    return submission.step is Step.ASKED and submission.request == request


def task_made_from(submission: Submission, request: VideoRequest) -> str | None:
    """The task the last submission made (or found) from `request`, if it did."""
    result = submission.result
    if result is None or result.request != request:
        return None
    return result.task_id
