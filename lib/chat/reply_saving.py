"""Streaming replies kept as they arrive, so a crash loses at most a couple of seconds of them.

Every SAVE_EVERY_SECONDS while replies stream, what has arrived is written: the reply messages
(all columns of a comparison at once, in column order), marked `incomplete` and `interrupted`,
and for each call a provisional ledger row (error kind `interrupted`, the tokens so far). If the
process dies (kill -9, a crash, a restart), that is what stays: the partial reply, shown as
interrupted, and its call in the ledger. The client's record of the call replaces the
provisional row in one transaction (`CallRecord.replaces`), so a call is one row at every
moment; `finish` writes each reply as it ended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

import sqlalchemy as sa

from lib import chat, errors
from lib.client import ChatStream
from lib.credits import pricing
from lib.store import Store
from lib.store.failures import described
from lib.store.ledger import INTERRUPTED

SAVE_EVERY_SECONDS = 2.0
log = logging.getLogger("reshi.store")


class _CallSoFar(TypedDict):
    """A streaming call's figures so far, as its provisional ledger row keeps them."""

    prompt_tokens: int | None
    completion_tokens: int
    latency_ms: float
    request_id: str | None


class ReplySaver:
    def __init__(
        self,
        store: Store,
        user: str,
        conversation_id: int,
        streams: list[ChatStream],
        extras: Sequence[Mapping[str, Any]],  # each reply's own meta beside `chat.reply_meta`
        clock: Callable[[], float] = time.monotonic,
    ):
        self._store, self._user, self._conversation_id = store, user, conversation_id
        self._streams, self._extras, self._clock = streams, extras, clock
        self._message_ids: list[int | None] = [None] * len(streams)
        self._usage_ids: list[int | None] = [None] * len(streams)
        self._saved_at = clock()
        self._saved: list[int] = [0] * len(streams)

    def maybe_save(self) -> None:
        """Save what arrived since the last save, at most every SAVE_EVERY_SECONDS. A database
        that fails now is logged and tried again next time: the stream goes on regardless."""
        if self._clock() - self._saved_at < SAVE_EVERY_SECONDS:
            return
        self._saved_at = self._clock()
        arrived = [len(s.text) + len(s.thinking) + sum(len(c.arguments) for c in s.tool_calls) for s in self._streams]
        if not any(arrived) or arrived == self._saved:
            return
        try:
            for index, stream in enumerate(self._streams):
                self._checkpoint(index, stream)
            self._saved = arrived
        except sa.exc.DBAPIError as exc:
            log.warning("a streaming reply is not saved yet: %s", described(exc))

    def _checkpoint(self, index: int, stream: ChatStream) -> None:
        meta = {**chat.reply_meta(stream), **self._extras[index], "incomplete": True, INTERRUPTED: True}
        call = _CallSoFar(
            prompt_tokens=stream.prompt_tokens,
            completion_tokens=stream.tokens,
            latency_ms=stream.waited * 1000,
            request_id=stream.request_id,
        )
        usage_id, message_id = self._usage_ids[index], self._message_ids[index]
        if usage_id is None:  # the call first: a crash before the message keeps it
            self._usage_ids[index] = self._store.add_usage(
                self._user, endpoint=pricing.CHAT, model=stream.model, error_kind=INTERRUPTED, **call
            )
            stream.provisional_row = self._usage_ids[index]  # the call's own record takes its place
        else:
            self._store.update_provisional_usage(self._user, usage_id, **call)
        if message_id is None:
            message = self._store.add_message(self._user, self._conversation_id, "assistant", stream.text, meta)
            self._message_ids[index] = message.id if message else None
        else:
            self._store.update_message(self._user, message_id, content=stream.text, meta=meta)

    def finish(self, index: int, stream: ChatStream, error: errors.ReshiError | None) -> None:
        """Keep the reply as it ended. One stopped before anything arrived (text or a tool call)
        is not kept; one that failed before any text is kept as a failed turn, which shows its
        error, offers a retry and is left out of the next context."""
        message_id, usage_id = self._message_ids[index], self._usage_ids[index]
        if usage_id is not None:  # unless the call's record replaced it (it was recorded before the row was)
            self._store.delete_provisional_usage(self._user, usage_id)
        if not stream.text and not stream.tool_calls and not stream.done and error is None:
            if message_id is not None:
                self._store.delete_message(self._user, message_id)
            return
        meta = {**chat.reply_meta(stream), **self._extras[index]}
        if error is not None:
            meta.update(error=error.kind, **({"incomplete": True} if stream.text else {"failed": True}))
            if error.server_message:
                meta["server_message"] = error.server_message[: chat.MAX_SERVER_MESSAGE_CHARS]
        if message_id is None:
            self._store.add_message(self._user, self._conversation_id, "assistant", stream.text, meta)
        else:
            self._store.update_message(self._user, message_id, content=stream.text, meta=meta)
