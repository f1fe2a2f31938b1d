"""Sending a chat message, as a state machine: what a message typed (and attached) waits for
before it goes, and what each finding or click makes of it. No Streamlit here.

A message waits as a `PendingSend` until nothing stands in its way. Its `step` says what the
user sees under it, in this order: its text alone refused, the chat's settings to fix, refused
files to send without, `{{variables}}` to fill, a budget limit to pass, its images' upload (and,
when that failed, whether to send them inline). `advance(pending, event)` is the only way it
moves. The Chat page (lib/ui/chat/send.py) feeds it what each run finds (`Looked`: the message
against the chat's settings as they are now; the files' checks, made once; the budget) and what
the user clicks, and draws the step. Each decision is kept, so a later run does not ask again;
what the settings or the budget decide is looked at again on every run until it lets the
message go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from lib.chat import attached_images, features
from lib.credits.pricing import CHAT
from lib.media.upload_checks import Checked
from lib.prompts import templating
from lib.prompts.limits import prompt_problem


class Step(Enum):
    """Where a waiting message stands: what the user sees under it."""

    LOOK = "look"  # not looked at in this run yet
    REFUSED = "refused"  # its text alone cannot be sent (empty, too long): a warning, and it is dropped
    FIX_SETTINGS = "fix_settings"  # the chat's settings stop it (a JSON schema, extra parameters): it waits
    CHECK_FILES = "check_files"  # its files are to be decoded and checked (once)
    ASK_REFUSED_FILES = "ask_refused_files"  # files were refused: send without them, or cancel
    ASK_VARIABLES = "ask_variables"  # the form for its `{{variables}}`
    CHECK_BUDGET = "check_budget"  # is its price within the budget (or just confirmed past it)?
    ASK_BUDGET = "ask_budget"  # it would pass a limit: send anyway, or cancel
    UPLOAD = "upload"  # its images go up, under its preview, and then it goes
    ASK_INLINE = "ask_inline"  # the upload failed: send the images inline, or cancel
    READY = "ready"  # nothing stands in its way: it is stored and its replies are asked for
    CANCELLED = "cancelled"  # it does not go; its text goes back into the input


@dataclass(frozen=True)
class PendingSend:
    """A message waiting to be sent, with what was decided about it so far."""

    text: str
    files: tuple[tuple[str, bytes], ...] = ()  # (name, bytes) as attached
    step: Step = Step.LOOK
    refusal: str | None = None  # REFUSED: the catalog key of what is wrong with its text
    checked: tuple[Checked, ...] | None = None  # the files' checks, in their order
    skip_refused: bool = False  # the user chose to send it without its refused files
    values: Mapping[str, str] | None = None  # its `{{variables}}`' values, once filled (or none needed)
    budget_ok: bool = False  # within the budget, or the user confirmed passing it
    inline: bool = False  # the user chose to send its images inline (their upload failed)
    attachments: tuple[dict[str, Any], ...] | None = None  # what goes with it, once uploaded (or inline)
    needs_variables: bool = False  # as the last `Looked` found

    @property
    def accepted(self) -> list[Checked]:
        """The files that passed their checks (all of them until they are checked)."""
        return [c for c in self.checked or () if c.ok]

    @property
    def refused(self) -> list[Checked]:
        return [c for c in self.checked or () if not c.ok]

    @property
    def may_go_without_refused(self) -> bool:
        """Something is left to send without the refused files: text, or files that passed."""
        return bool(self.text.strip()) or bool(self.accepted)

    def filled_text(self) -> str:
        return templating.fill(self.text, dict(self.values or {}))


@dataclass(frozen=True)
class Looked:
    """What a run finds about the message before it may go, from the chat's settings as they are now."""

    problem: str | None = None  # a catalog key: the text alone cannot be sent (empty, too long)
    blocked: bool = False  # the settings stop any message (a bad JSON schema or extra parameters)
    needs_variables: bool = False  # `{{variables}}` in it, or new ones in the system prompt

    @classmethod
    def at(cls, pending: PendingSend, settings: dict[str, Any]) -> Looked:
        return cls(
            problem=prompt_problem(CHAT, pending.text),
            blocked=features.options_problem(settings) is not None,
            needs_variables=bool(
                templating.variables(pending.text)
                or [v for v in templating.variables(settings["system"]) if not settings["variables"].get(v)]
            ),
        )


@dataclass(frozen=True)
class FilesChecked:
    checked: tuple[Checked, ...]


@dataclass(frozen=True)
class VariablesFilled:
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetChecked:
    fits: bool  # within every limit, or the user confirmed passing it


@dataclass(frozen=True)
class Uploaded:
    attachments: tuple[dict[str, Any], ...]


class Choice(Enum):
    """What the user clicks about the waiting message."""

    SEND_WITHOUT_REFUSED = "send_without_refused"
    SEND_INLINE = "send_inline"
    UPLOAD_FAILED = "upload_failed"  # not a click: the upload under the preview failed
    CANCEL = "cancel"


Event = Looked | FilesChecked | VariablesFilled | BudgetChecked | Uploaded | Choice

# The step each event answers; an event that comes at another step (a stale click) changes nothing.
_ANSWERS: dict[type | Choice, Step] = {
    FilesChecked: Step.CHECK_FILES,
    VariablesFilled: Step.ASK_VARIABLES,
    BudgetChecked: Step.CHECK_BUDGET,
    Uploaded: Step.UPLOAD,
    Choice.SEND_WITHOUT_REFUSED: Step.ASK_REFUSED_FILES,
    Choice.SEND_INLINE: Step.ASK_INLINE,
    Choice.UPLOAD_FAILED: Step.UPLOAD,
}


def advance(pending: PendingSend, event: Event) -> PendingSend:
    """The message after `event`: its decisions updated and its next step."""
    if pending.step in (Step.REFUSED, Step.CANCELLED):
        return pending
    if event is Choice.CANCEL:
        return replace(pending, step=Step.CANCELLED)
    if isinstance(event, Looked):  # every run starts here: the settings may have changed meanwhile
        return _looked(pending, event)
    answered = _ANSWERS[event if isinstance(event, Choice) else type(event)]
    if pending.step is not answered:
        return pending
    match event:
        case FilesChecked(checked):
            return _next_question(replace(pending, checked=checked))
        case VariablesFilled(values):
            return _next_question(replace(pending, values=dict(values)))
        case BudgetChecked(fits):
            return _next_question(replace(pending, budget_ok=True)) if fits else replace(pending, step=Step.ASK_BUDGET)
        case Uploaded(attachments):
            return replace(pending, attachments=attachments, step=Step.READY)
        case Choice.SEND_WITHOUT_REFUSED:
            return _next_question(replace(pending, skip_refused=True))
        case Choice.SEND_INLINE:
            return _next_question(replace(pending, inline=True))
        case Choice.UPLOAD_FAILED:
            return replace(pending, step=Step.ASK_INLINE)
    return pending


def _looked(pending: PendingSend, looked: Looked) -> PendingSend:
    if not pending.files and looked.problem:
        return replace(pending, step=Step.REFUSED, refusal=looked.problem)
    pending = replace(pending, needs_variables=looked.needs_variables)
    return replace(pending, step=Step.FIX_SETTINGS) if looked.blocked else _next_question(pending)


def _next_question(pending: PendingSend) -> PendingSend:
    """The first thing still undecided, in the order the user is asked."""
    if pending.checked is None:  # decoded once, not on every run while the user decides
        return replace(pending, step=Step.CHECK_FILES)
    if pending.refused and not pending.skip_refused:
        return replace(pending, step=Step.ASK_REFUSED_FILES)
    if pending.values is None:
        if pending.needs_variables:
            return replace(pending, step=Step.ASK_VARIABLES)
        pending = replace(pending, values={})
    if not pending.budget_ok:
        return replace(pending, step=Step.CHECK_BUDGET)
    if pending.attachments is None and (pending.inline or not pending.accepted):
        pending = replace(pending, attachments=tuple(attached_images.inline(c) for c in pending.accepted))
    return replace(pending, step=Step.READY if pending.attachments is not None else Step.UPLOAD)
