"""What sharing, presenting and audience ballots remember between runs, and their widgets' keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.ui.state import FeatureState, Widget

# --- Share links ----------------------------------------------------------------------------


@dataclass
class ShareDialogs(FeatureState):
    """The Share dialogs of this session, by their button's key. Whether one is open lives here,
    not in the click: a full rerun while it is open would otherwise close it and lose the link."""

    open: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)  # made: shown once, its token is stored nowhere


@dataclass
class ShareViewer(FeatureState):
    seen: set[str] = field(default_factory=set)  # tokens this session opened: a rerun is not another view


# --- Presentation mode ----------------------------------------------------------------------

PRESENT_TOGGLE: Widget[bool] = Widget("chat_present")
PRESENT_THINKING: Widget[bool] = Widget("present_thinking")  # whether slides show the models' thinking


# --- Audience ballots -----------------------------------------------------------------------

BALLOT_DURATION: Widget[str] = Widget("ballot_duration")


@dataclass
class BallotPhone(FeatureState):
    """The phone's side of a ballot link."""

    browser_id: str | None = None  # as read from (or written to) its cookie
    seen: set[str] = field(default_factory=set)  # a rerun of a shown ballot counts no second wrong guess
    voted: set[int] = field(default_factory=set)  # ballots voted on in this session
    refusals: dict[int, str] = field(default_factory=dict)  # a vote's refusal, shown once
