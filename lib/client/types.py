"""What the client's calls return, and what each call reports to the ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from lib import dialects


@dataclass
class CallRecord:
    """One API call, as the usage ledger stores it."""

    endpoint: str
    model: str | None = None
    status: int | None = None
    error_kind: str | None = None
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    credits: float = 0.0
    request_id: str | None = None
    reasoning_tokens: int | None = None  # of completion_tokens, a reasoning model's thinking
    source: str | None = None  # what made the call; else BaseClient.report fills pricing.source_of(endpoint)
    connection: str | None = None  # the client's connection label ("preset", "sandbox", a host)
    replaces: int | None = None  # a streaming call's provisional ledger row (lib/chat/reply_saving.py)
    hold: int | None = None  # what `before_paid_call` held for it (a quota hold, lib/credits/quotas.py)


@dataclass
class Model:
    id: str
    owned_by: str = ""
    created: int | None = None
    endpoint_types: tuple[str, ...] = ()

    @property
    def is_chat(self) -> bool:
        return dialects.is_chat_model(
            {"id": self.id, "owned_by": self.owned_by, "supported_endpoint_types": list(self.endpoint_types)}
        )


@dataclass
class ChatResult:
    text: str
    model: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float
    request_id: str | None
    credits: float
    raw: dict[str, Any]
    tool_calls: list[ToolCall] = field(default_factory=list)
    thinking: str = ""
    reasoning_tokens: int | None = None


_NOT_JSON = object()


@dataclass
class ToolCall:
    """One function call of a reply: `arguments` as the text that arrived; `parsed` that text
    as JSON (`arguments_ok` False when it is not JSON); `id_made` when the server sent no id."""

    index: int
    id: str | None = None
    name: str = ""
    arguments: str = ""
    id_made: bool = False

    def _parse(self) -> Any:
        try:
            return json.loads(self.arguments) if self.arguments.strip() else {}
        except ValueError:
            return _NOT_JSON

    @property
    def arguments_ok(self) -> bool:
        return self._parse() is not _NOT_JSON

    @property
    def parsed(self) -> Any:
        value = self._parse()
        return None if value is _NOT_JSON else value

    def as_message(self) -> dict[str, Any]:
        """The call as an assistant message's `tool_calls` entry."""
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


class StreamPart(NamedTuple):
    """A piece of a streamed reply: `kind` is lib.dialects.THINKING or ANSWER."""

    kind: str
    text: str


@dataclass
class ImageResult:
    data: bytes
    mime: str
    credits: float
    request_id: str | None
    source_url: str | None = None


@dataclass
class VideoTask:
    id: str
    status: str
    raw_status: str
    progress: float | None = None
    video_url: str | None = None
    error: str | None = None
    took_seconds: float | None = None  # the server's own finished - submitted, when it says
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class UploadResult:
    url: str
    filename: str
    size: int
    expire_at: datetime | None
    message: str = ""


Balance = dialects.BillingFigures  # remaining, used, unlimited, total
