"""`client.chat`: a complete reply (`create`) or a streamed one (`stream`, a `ChatStream`)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import closing, suppress
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent

from lib import dialects, errors
from lib.client._base import APIResource, BaseClient, log_request
from lib.client._call import Call, Deadline, bounded
from lib.client.tool_calls import ToolCallAssembler
from lib.client.types import CallRecord, ChatResult, StreamPart, ToolCall
from lib.credits import pricing


def _token_counts(body: dict[str, Any]) -> tuple[int | None, int | None]:
    """The prompt and completion tokens a reply's `usage` reports; anything that is not a whole
    number >= 0 (a broken or hostile server: a list, a string, -5, true) counts as not reported."""
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None, None
    prompt, completion = (
        n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else None
        for n in (usage.get("prompt_tokens"), usage.get("completion_tokens"))
    )
    return prompt, completion


def _reply_credits(client: BaseClient, model: str, prompt_tokens: int | None, completion_tokens: int | None) -> float:
    """What a finished reply costs: the per-call price plus the per-1K-token price of the tokens
    the server reported, prompt and completion together (the price table has one token price)."""
    return client.credits_for(pricing.CHAT, model, (prompt_tokens or 0) + (completion_tokens or 0))


def _whole_message(message: dict[str, Any]) -> tuple[str, str]:
    """(thinking, answer) of a whole reply's message, read by the same rows as a stream's deltas."""
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise TypeError("content is not text")
    parts = [(kind, text) for kind, text in dialects.delta_texts({**message, "content": None})]
    inline = dialects.InlineThinking()
    parts += inline.feed(content or "") + inline.flush()
    thinking, answer = (
        "".join(text for kind, text in parts if kind == wanted) for wanted in (dialects.THINKING, dialects.ANSWER)
    )
    return thinking, answer


def _chat_body(model: str, messages: list[dict[str, Any]], stream: bool, params: dict[str, Any]) -> dict[str, Any]:
    body = {"model": model, "messages": messages, **{k: v for k, v in params.items() if v is not None}}
    if stream:
        body["stream"] = True
    return body


class Chat(APIResource):
    def create(
        self, model: str, messages: list[dict[str, Any]], *, source: str = pricing.CHAT, **params: Any
    ) -> ChatResult:
        """A complete, non-streamed reply. `params` are sent as given (None values dropped).
        `source` is the ledger's endpoint for the call (a Workbench judge's is `pricing.JUDGE`);
        the price is chat's either way."""
        c = self._client
        return c.call(
            "POST",
            f"{c.base_url}/chat/completions",
            endpoint=source,
            model=model,
            json=_chat_body(model, messages, False, params),
            read=lambda body, call: self._result(model, body, call),
        )

    def _result(self, model: str, body: Any, call: Call) -> ChatResult:
        try:
            choice = body["choices"][0]
            thinking, text = _whole_message(choice["message"])
            calls = ToolCallAssembler()
            calls.add(choice["message"])
        except (KeyError, IndexError, TypeError, AttributeError):
            raise errors.MalformedResponseError("chat: no choices[0].message") from None
        record = call.record
        record.prompt_tokens, record.completion_tokens = _token_counts(body)
        record.reasoning_tokens = dialects.reasoning_tokens(body)
        record.credits = _reply_credits(self._client, model, record.prompt_tokens, record.completion_tokens)
        record.request_id = record.request_id or body.get("id")
        return ChatResult(
            text=text,
            model=body.get("model") or model,
            finish_reason=dialects.finish_reason_with_calls(choice.get("finish_reason"), bool(calls)),
            prompt_tokens=record.prompt_tokens,
            completion_tokens=record.completion_tokens,
            latency_s=call.elapsed,
            request_id=record.request_id,
            credits=record.credits,
            raw=body,
            tool_calls=calls.finish(),
            thinking=thinking,
            reasoning_tokens=record.reasoning_tokens,
        )

    def stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        include_usage: bool = True,
        origin: str | None = None,
        retry: bool = False,
        **params: Any,
    ) -> ChatStream:
        """A streamed reply: iterate it for text deltas; then read usage and timing from it.
        `origin` is the ledger's source of the call (`pricing.COMPARE`, `pricing.WORKBENCH`;
        default chat); it is not sent. `retry`: send it again after a failure that charged
        nothing, by the client's retry policy (the Workbench's cells; the Chat page lets the
        person retry instead)."""
        return ChatStream(
            self._client,
            model,
            self.stream_body(model, messages, include_usage=include_usage, **params),
            origin=origin,
            retry=retry,
        )

    def stream_body(
        self, model: str, messages: list[dict[str, Any]], *, include_usage: bool = True, **params: Any
    ) -> dict[str, Any]:
        """The body `stream` sends for these arguments, without sending anything (View code)."""
        if include_usage:
            params.setdefault("stream_options", {"include_usage": True})
        return _chat_body(model, messages, True, params)


class ChatStream:
    """Iterates text deltas of one streamed reply and keeps what a user needs to see after.

    Iterating gives the answer's text; `parts()` gives every piece with its kind (the model's
    thinking, then its answer: `StreamPart`), read by the rows of `lib/dialects/streams.py`.

    Raises `StreamCutError` (with the text received so far) when the stream ends before
    `[DONE]`. `close()` stops it early (a user's "stop"), from any thread: the call is recorded
    at once as `stopped` with the tokens that arrived, and its connection is shut down, which
    ends a read blocked on it; whatever the server does after is ignored.
    """

    STOPPED = "stopped"  # the ledger's error kind of a call the user stopped

    def __init__(
        self, client: BaseClient, model: str, body: dict[str, Any], origin: str | None = None, *, retry: bool = False
    ):
        self._client = client
        self._retry = retry
        self.model = model
        self.request_body = body
        self.text = ""
        self.thinking = ""
        self.logprobs: list[list[Any]] = []  # [token, logprob, [[alternative, logprob], ...]] per answer token
        self.reasoning_tokens: int | None = None
        self.thinking_seconds: float | None = None  # from the request to the last thinking
        self.first_thinking: float | None = None  # seconds to the first thinking token
        self.events: list[str] = []
        self.finish_reason: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.request_id: str | None = None
        self.provisional_row: int | None = None  # the ledger row kept while it streams, replaced by its record
        self.ttft: float | None = None
        self.elapsed: float | None = None
        self.credits = 0.0
        self.done = False
        self.stopped = False
        self._deltas = 0
        self._call = client.start_call(pricing.CHAT, model)  # reported once: ended, failed or stopped
        self._call.record.source = origin
        self._started: float | None = None
        self._network_stream = None
        self._tool_calls = ToolCallAssembler()

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The function calls of the reply, assembled from its fragments: so far while it streams;
        once it has ended (done, stopped or failed), each with an id."""
        return self._tool_calls.finish() if self._call.finished else self._tool_calls.calls

    @property
    def tokens(self) -> int:
        return self.completion_tokens if self.completion_tokens is not None else self._deltas

    @property
    def tokens_per_second(self) -> float | None:
        if self.ttft is None or self.elapsed is None or self.elapsed <= self.ttft:
            return None
        return self.tokens / (self.elapsed - self.ttft)

    @property
    def read_timeout(self) -> float | None:
        """Seconds the server may stay silent before the call fails as a timeout."""
        return self._client.read_timeout

    @property
    def attempts(self) -> int:
        """How many times the request was sent (more than once only with `retry`)."""
        return self._call.attempts

    @property
    def waited(self) -> float:
        """Seconds since the request was sent (0 before)."""
        return time.perf_counter() - self._started if self._started is not None else 0.0

    def close(self) -> None:
        if self.done or self.stopped:
            return
        self.stopped = True
        self._call.stop()
        self._report()
        stream = self._network_stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with suppress(OSError):  # already closed by the server
                sock.shutdown(socket.SHUT_RDWR)

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keeps the connection this call opens, so `close()` can shut it
        down while the server has not answered yet (a reused connection is known once it has)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._network_stream = info.get("return_value") or self._network_stream

    def __iter__(self) -> Iterator[str]:
        return (part.text for part in self.parts() if part.kind == dialects.ANSWER)

    def parts(self) -> Iterator[StreamPart]:
        """Every piece of the reply as it arrives, thinking and answer apart."""
        self._started = time.perf_counter()
        self._call.restart_clock()
        log_request(pricing.CHAT, self.request_body)
        try:
            with self._client.typed_errors():
                yield from self._deltas_from_server(self._started)
        except errors.ReshiError as exc:
            if self.stopped:  # what the server did after a stop is no longer the user's concern
                return
            if isinstance(exc, errors.ServerError) and exc.status == 504:  # a gateway gave up waiting
                exc = errors.ApiTimeoutError(exc.server_message, status=504, request_id=exc.request_id)
            self._call.fail(exc)
            raise exc
        finally:
            self._report()

    def _report(self) -> None:
        """Record the call once: when it ends, or when it is stopped, whichever comes first."""
        self._call.finish(self._fill)

    def _fill(self, record: CallRecord) -> None:
        """The record as the stream ended: its tokens, and its price by the one billing rule."""
        self.elapsed = self.waited
        if self.stopped:
            record.error_kind = self.STOPPED
        record.latency_ms = self.elapsed * 1000
        record.request_id = self.request_id
        record.prompt_tokens = self.prompt_tokens
        record.completion_tokens = self.tokens if self.stopped else self.completion_tokens
        record.reasoning_tokens = self.reasoning_tokens
        record.replaces = self.provisional_row
        if self.done or self.answering:
            # Billed as providers (and the sandbox) bill: a call the server started answering is
            # charged, also when the user stopped it or the stream broke; one that failed before
            # its first token costs nothing. Unfinished, the tokens are those that arrived.
            record.credits = self.credits = _reply_credits(
                self._client, self.model, self.prompt_tokens, self.completion_tokens if self.done else self.tokens
            )

    @property
    def answering(self) -> bool:
        """The server has started answering: a piece of text, thinking or a tool call arrived."""
        return self._deltas > 0 or self.ttft is not None

    def _taken(self, pieces: list[tuple[str, str]], started: float) -> Iterator[StreamPart]:
        """Each piece kept (the answer in `text`, the thinking in `thinking`) and timed."""
        for kind, text in pieces:
            if not text:
                continue
            now = time.perf_counter() - started
            if kind == dialects.THINKING:
                self.first_thinking = now if self.first_thinking is None else self.first_thinking
                self.thinking_seconds = now
                self.thinking += text
            else:
                self.ttft = now if self.ttft is None else self.ttft
                self.text += text
            self._deltas += 1
            yield StreamPart(kind, text)

    def _deltas_from_server(self, started: float) -> Iterator[StreamPart]:
        c, call = self._client, self._call
        deadline = call.deadline
        inline = dialects.InlineThinking()
        try:
            with closing(
                c.send(
                    "POST",
                    f"{c.base_url}/chat/completions",
                    call=call,
                    retry=self._retry,
                    json=self.request_body,
                    extensions={"trace": self._trace},
                )
            ) as response:
                self._network_stream = response.extensions.get("network_stream") or self._network_stream
                if self.stopped:
                    return
                self.request_id = response.headers.get("x-request-id")
                c.raise_for_status(response, deadline)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    yield from self._whole_reply(response, started, deadline)
                    return
                for sse in self._events(response, deadline):
                    if sse.data.strip() == "[DONE]":
                        yield from self._taken(inline.flush(), started)
                        self.done = not self.stopped
                        return
                    self.events.append(sse.data)
                    yield from self._taken(self._apply_chunk(sse.data, inline), started)
        except httpx.TimeoutException as exc:
            raise self._cut_or(errors.ApiTimeoutError(str(exc))) from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            if self.stopped:
                return
            raise self._cut_or(errors.ApiConnectionError(str(exc))) from exc
        if not self.stopped:
            raise errors.StreamCutError(self.text, status=call.record.status, request_id=self.request_id)

    def _events(self, response: httpx.Response, deadline: Deadline) -> Iterator[ServerSentEvent]:
        """The SSE events, parsed by httpx-sse from the bytes as they pass the client's bounds
        (the whole stream, each line, the deadline)."""
        c = self._client
        checked = httpx.Response(
            response.status_code,
            headers={"content-type": response.headers["content-type"]},
            content=bounded(response.iter_bytes(), deadline, c.max_stream_bytes, c.max_sse_line_bytes),
        )
        return EventSource(checked).iter_sse()

    def _cut_or(self, error: errors.ReshiError) -> errors.ReshiError:
        """Once text has arrived, any transport failure is a cut stream: the text is kept."""
        if self.text:
            return errors.StreamCutError(self.text, request_id=self.request_id)
        return error

    def _apply_chunk(self, data: str, inline: dialects.InlineThinking) -> list[tuple[str, str]]:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise errors.MalformedResponseError(data[:200]) from None
        if not isinstance(chunk, dict):
            return []
        if isinstance(chunk.get("error"), dict):
            raise errors.ServerError(errors.server_message_from(data), request_id=self.request_id)
        self.request_id = self.request_id or chunk.get("id")
        if chunk.get("usage"):
            self.prompt_tokens, self.completion_tokens = _token_counts(chunk)
            self.reasoning_tokens = dialects.reasoning_tokens(chunk)
        choices = chunk.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        if not isinstance(first, dict):
            return []
        delta = first.get("delta")
        if isinstance(delta, dict) and self._tool_calls.add(delta) and self.ttft is None:
            self.ttft = self.waited
        finish_reason = first.get("finish_reason")
        if isinstance(finish_reason, str):
            self.finish_reason = dialects.finish_reason_with_calls(finish_reason, bool(self._tool_calls))
        self.logprobs += dialects.token_logprobs(first)
        pieces = []
        for kind, text in dialects.delta_texts(delta):
            pieces += inline.feed(text) if kind == dialects.ANSWER else [(kind, text)]
        return pieces

    def _whole_reply(self, response: httpx.Response, started: float, deadline: Deadline) -> Iterator[StreamPart]:
        """A server that ignored `stream: true` and sent one JSON completion: yield it whole."""
        body = self._client.read_json(response, deadline)
        try:
            thinking, text = _whole_message(body["choices"][0]["message"])
            self._tool_calls.add(body["choices"][0]["message"])
            self.logprobs = dialects.token_logprobs(body["choices"][0])
        except (KeyError, IndexError, TypeError, AttributeError):
            raise errors.MalformedResponseError("chat: no choices[0].message") from None
        self.prompt_tokens, self.completion_tokens = _token_counts(body)
        self.reasoning_tokens = dialects.reasoning_tokens(body)
        yield from self._taken([(dialects.THINKING, thinking), (dialects.ANSWER, text)], started)
        self.ttft = self.ttft if self.ttft is not None else time.perf_counter() - started
        self.done = True
