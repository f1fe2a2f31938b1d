"""Sending on the Chat page (lib/ui/chat/: send.py, stream.py, live.py): the message waiting to
go, images handed over for the next one, what the history's buttons ask the next run to send
again, and the replies streaming now."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from lib.ui.state import FeatureState, Widget, WidgetFamily

if TYPE_CHECKING:
    from lib.chat.send_flow import PendingSend
    from lib.client import ChatStream

INPUT: Widget[Any] = Widget("chat_input")  # the chat input: its text, or text and files
VARIABLE: WidgetFamily[str] = WidgetFamily("chat_var")  # the `{{variables}}` form's fields, by name


class Edit(NamedTuple):
    """An edited question to send again: the conversation forks there."""

    question_id: int
    text: str
    told: int  # how many messages its dialog said the edit replaces


@dataclass
class SendRequests(FeatureState):
    """What a button in the history asks the conversation part's next run to send (taken once,
    by `lib.ui.chat.send.start_sending`, after any reply still streaming has been saved)."""

    retry: bool = False  # Regenerate or Retry: the replies again
    replacing: list[int] = field(default_factory=list)  # the messages they replace, removed first
    keep: int | None = None  # the reply whose answers stay as versions of the new one
    continuing: int | None = None  # the cut reply whose Continue was clicked: it is extended in place
    edit: Edit | None = None

    def ask_retry(self, replacing: list[int], keep: int | None = None) -> None:
        self.retry, self.replacing, self.keep = True, replacing, keep

    def take_continuing(self) -> int | None:
        continuing, self.continuing = self.continuing, None
        return continuing

    def take_retry(self) -> tuple[Edit | None, bool, list[int], int | None]:
        """The edit, whether to retry, the messages replaced and the reply kept; all forgotten."""
        taken = (self.edit, self.retry, self.replacing, self.keep)
        self.edit, self.retry, self.replacing, self.keep = None, False, [], None
        return taken


@dataclass
class Outbox(FeatureState):
    """The message waiting to be sent (lib/chat/send_flow.py walks it), and images another page
    handed over for the next one."""

    pending: PendingSend | None = None
    draft_files: list[tuple[str, bytes]] = field(default_factory=list)  # (name, bytes)

    def attach(self, name: str, data: bytes) -> None:
        """Another page (the Images gallery) hands an image to the next message sent in Chat."""
        self.draft_files.append((name, data))

    def take_draft_files(self) -> list[tuple[str, bytes]]:
        files, self.draft_files = self.draft_files, []
        return files

    def clear_draft_files(self) -> None:
        self.draft_files = []


@dataclass
class LiveReply:
    """The replies a script run is streaming, as the next run sees them.

    A click while replies stream (Stop, or any other) makes Streamlit start the next run at once
    in a new thread (`runner.fastReruns`) while the old run is only being told to stop: without
    waiting, the next run would read the history before the old run's `finally` saved the reply.
    """

    streams: list[ChatStream]
    saved: threading.Event = field(default_factory=threading.Event)


@dataclass
class Replies(FeatureState):
    """The replies streaming now, and what View code shows of each conversation's last calls."""

    live: LiveReply | None = None
    # Per conversation, so a new chat never shows another chat's request: each request as sent
    # and the events that came back.
    last_calls: dict[int, list[dict]] = field(default_factory=dict)

    def take_live(self) -> LiveReply | None:
        live, self.live = self.live, None
        return live
