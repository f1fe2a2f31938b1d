"""The one client for the reshi123 API: chat, models, images, videos, uploads, billing.

Resource style, like openai-python: `client.chat.create(...)`, `client.chat.stream(...)`,
`client.models.list()`, `client.images.generate(prompt)`, `client.videos.create(...)`,
`client.videos.get(task_id)`, `client.uploads.upload_file(...)`, `client.billing.balance()`.

Every failure is a typed error from `lib.errors`. GETs are retried with backoff on 429/502/503/504
and dropped connections; paid POSTs never are, so a retry can never charge twice. Every call is
reported to an optional `on_call` hook as a `CallRecord` (the app writes it to the usage ledger;
this module knows nothing of Streamlit or the store). The API key is kept out of every repr,
exception and log line. Every answer is read through the same bounds: a size cap per body,
per SSE line and per stream, and a deadline per call (not only per read), so a hostile or broken
server can neither fill memory nor hold a call forever.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import socket
import threading
import time
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from httpx_sse import EventSource, ServerSentEvent

from lib import dialects, errors, imagetypes, netguard, pricing
from lib.video_status import normalize_status

DEFAULT_BASE_URL = "https://www.reshi123.com/api/v1"
# The provider stamps `expire_at` without a zone; it is a Chinese service, so Beijing time.
PROVIDER_TZ = ZoneInfo("Asia/Shanghai")
VIDEO_MODELS = ("sora-2", "sora-2-pro")
_BACKOFF_SECONDS = (0.5, 1.5)
_MAX_RETRY_AFTER = 10.0
_MB = 1024 * 1024
log = logging.getLogger("reshi.api")
_LOGGED_BODY_CHARS = 2000


def mask_key(key: str | None) -> str:
    """`sk-...abcd`: enough to tell keys apart, never enough to use one."""
    if not key:
        return ""
    return f"{key[:3]}...{key[-4:]}" if len(key) > 10 else "***"


def derive_upload_url(base_url: str) -> str:
    """The upload endpoint is not under /v1: `.../api/v1` -> `.../api/upload.php`."""
    root = base_url.rstrip("/")
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return f"{root}/upload.php"


def is_chat_model(model_id: str) -> bool:
    """By name alone; a listed `Model` knows better (`Model.is_chat`)."""
    return dialects.is_chat_model({"id": model_id})


def _seconds(header: str | None) -> float | None:
    """A Retry-After in seconds; None when absent or an HTTP date."""
    try:
        return float(header) if header else None
    except ValueError:
        return None


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


@dataclass
class Model:
    id: str
    owned_by: str = ""
    created: int | None = None
    endpoint_types: tuple[str, ...] = ()

    @property
    def is_chat(self) -> bool:
        return dialects.is_chat_model({"id": self.id, "owned_by": self.owned_by,
                                       "supported_endpoint_types": list(self.endpoint_types)})


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
    raw: dict


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
    took_seconds: float | None = None   # the server's own finished - submitted, when it says
    raw: dict = field(default_factory=dict)


@dataclass
class UploadResult:
    url: str
    filename: str
    size: int
    expire_at: datetime | None
    message: str = ""


Balance = dialects.BillingFigures  # remaining, used, unlimited, total


class _Deadline:
    """The most time one call may take, reading included. Per-read timeouts alone let a server
    that sends a byte every few seconds hold a call forever."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._ends:
            raise errors.ApiTimeoutError(f"no complete answer within {self.seconds:g} s")


def _bounded(chunks: Iterable[bytes], deadline: _Deadline, max_bytes: float,
             max_line: float = math.inf) -> Iterator[bytes]:
    """`chunks` as they arrive, each checked against the deadline, the size cap and the longest
    line so far. Counted after decompression, so a small gzip bomb cannot slip past."""
    total = line = 0
    for chunk in chunks:
        deadline.check()
        total += len(chunk)
        last_break = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        line = line + len(chunk) if last_break < 0 else len(chunk) - last_break - 1
        if total > max_bytes:
            raise errors.ResponseTooLargeError(f"answer larger than {max_bytes:.0f} bytes")
        if line > max_line:
            raise errors.ResponseTooLargeError(f"a line longer than {max_line:.0f} bytes")
        yield chunk


def _log_request(endpoint: str, body: Any) -> None:
    """Prompts are the user's words: logged only at DEBUG, and shortened."""
    if body is not None and log.isEnabledFor(logging.DEBUG):
        log.debug("%s request %s", endpoint, json.dumps(body, ensure_ascii=False)[:_LOGGED_BODY_CHARS])


class ReshiClient:
    # What a server may send. Class attributes, so one client (a test, a deployment with other
    # needs) can change a bound without a constructor argument for each.
    max_json_bytes = 32 * _MB      # the largest answer is an image as b64_json inside JSON
    max_error_bytes = 64 * 1024    # the message shown needs 300 characters of it
    max_stream_bytes = 16 * _MB    # a whole streamed reply: 32k tokens at ~150 bytes an event is 5 MB
    max_sse_line_bytes = _MB       # one SSE line: one chunk of a reply
    max_image_bytes = 20 * _MB     # one image decoded from b64_json
    deadline_seconds = 900.0       # a whole call, retries and reading included: 32k tokens at 40/s fit

    def __init__(self, base_url: str = DEFAULT_BASE_URL, api_key: str = "", *,
                 upload_url: str | None = None, timeout: float = 60.0, connect_timeout: float = 10.0,
                 max_retries: int = 2, on_call: Callable[[CallRecord], None] | None = None,
                 prices: dict | None = None, transport: httpx.BaseTransport | None = None,
                 policy: netguard.NetPolicy | None = None):
        """`policy`: where this client may connect (see `lib.netguard`); without one it connects
        anywhere, for callers whose URLs an admin or a test chose."""
        self.base_url = netguard.without_query(base_url).rstrip("/")
        self.upload_url = upload_url or derive_upload_url(self.base_url)
        self._api_key = api_key
        self.max_retries = max_retries
        self.on_call = on_call
        self.prices = prices or pricing.DEFAULT_PRICES
        self.policy = policy
        if policy is not None:
            transport = netguard.GuardedTransport(policy)
        # A proxy from the environment would connect in the guard's place. httpx already ignores
        # proxy variables when given a transport; trust_env=False keeps it that way.
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout),
                                  transport=transport, follow_redirects=True, trust_env=policy is None)
        self.chat = Chat(self)
        self.models = Models(self)
        self.images = Images(self)
        self.videos = Videos(self)
        self.uploads = Uploads(self)
        self.billing = Billing(self)

    def __repr__(self) -> str:
        return f"ReshiClient(base_url={self.base_url!r}, api_key={mask_key(self._api_key)!r})"

    @property
    def masked_key(self) -> str:
        return mask_key(self._api_key)

    @property
    def key_fingerprint(self) -> str:
        """A one-way tag of the key, for cache keys that must tell keys apart without holding one."""
        return hashlib.sha256(self._api_key.encode()).hexdigest()[:16]

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ReshiClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, mask_key(self._api_key)) if self._api_key else text

    @contextmanager
    def _typed_errors(self) -> Iterator[None]:
        """The one way failures leave a call: httpx's as typed errors, and every error's texts
        with the key masked, since a server may echo it in any message."""
        try:
            yield
        except httpx.TimeoutException as exc:
            raise errors.ApiTimeoutError(str(exc)).redact(self._scrub) from None
        except httpx.TransportError as exc:
            raise errors.ApiConnectionError(str(exc)).redact(self._scrub) from None
        except errors.ReshiError as exc:
            raise exc.redact(self._scrub)

    def credits_for(self, endpoint: str, model: str | None = None, tokens: int = 0) -> float:
        return pricing.credits_for(endpoint, model, tokens, self.prices)

    def report(self, record: CallRecord) -> None:
        """Log the call (one INFO line, never the key) and hand it to the ledger hook; a broken
        hook never breaks the call."""
        log.info("%s model=%s status=%s error=%s latency_ms=%.0f credits=%g request_id=%s",
                 record.endpoint, record.model, record.status, record.error_kind, record.latency_ms or 0,
                 record.credits, record.request_id)
        if self.on_call is None:
            return
        try:
            self.on_call(record)
        except Exception:  # noqa: BLE001 - the ledger is best effort, the call already happened
            pass

    def _send(self, method: str, url: str, *, retry: bool, deadline: _Deadline, **kw) -> httpx.Response:
        """One request, for safe calls only with retries. The answer's body is not read yet: the
        caller reads it through the bounds, and closes it."""
        request = self._http.build_request(method, url, headers=self._headers(), **kw)
        attempts = 1 + (self.max_retries if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError:
                if last:
                    raise
                response = None
            else:
                if response.status_code not in dialects.RETRY_STATUSES or last:
                    return response
                body = self._error_body(response, deadline)
                response.close()
                if not dialects.should_retry(response.status_code, body):
                    raise self._status_error(response, body)
            time.sleep(self._retry_delay(attempt, response))
            deadline.check()
        raise AssertionError("unreachable")

    @staticmethod
    def _retry_delay(attempt: int, response: httpx.Response | None) -> float:
        after = _seconds(response.headers.get("retry-after")) if response is not None else None
        if after is not None:
            return min(after, _MAX_RETRY_AFTER)
        return _BACKOFF_SECONDS[min(attempt, len(_BACKOFF_SECONDS) - 1)]

    def _raise_for_status(self, response: httpx.Response, deadline: _Deadline | None = None) -> None:
        if response.status_code < 400:
            return
        raise self._status_error(response, self._error_body(response, deadline or _Deadline(self.deadline_seconds)))

    @staticmethod
    def _status_error(response: httpx.Response, body: bytes) -> errors.ReshiError:
        """The typed error for a status, chosen with the body's code and message (lib.dialects)."""
        return dialects.error_for(response.status_code, body, request_id=response.headers.get("x-request-id"),
                                  retry_after=_seconds(response.headers.get("retry-after")))

    def _error_body(self, response: httpx.Response, deadline: _Deadline) -> bytes:
        """The start of an error body: enough for its message, never a whole hostile page.
        The status is the error, so a long body is cut rather than refused."""
        body = bytearray()
        for chunk in _bounded(response.iter_bytes(), deadline, math.inf):
            body += chunk
            if len(body) >= self.max_error_bytes:
                break
        return bytes(body[: self.max_error_bytes])

    def _json(self, response: httpx.Response, deadline: _Deadline) -> Any:
        body = b"".join(_bounded(response.iter_bytes(), deadline, self.max_json_bytes))
        try:
            return json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise errors.MalformedResponseError(errors.server_message_from(body[:500]),
                                                status=response.status_code) from None

    def call(self, method: str, url: str, *, endpoint: str, model: str | None = None,
             retry: bool = False, charge: float = 0.0, **kw) -> tuple[Any, CallRecord]:
        """Send, check, parse and report one JSON call. Returns the body and its ledger record."""
        record = CallRecord(endpoint=endpoint, model=model)
        deadline = _Deadline(self.deadline_seconds)
        started = time.perf_counter()
        _log_request(endpoint, kw.get("json"))
        try:
            with self._typed_errors(), closing(self._send(method, url, retry=retry, deadline=deadline,
                                                          **kw)) as response:
                record.status = response.status_code
                record.request_id = response.headers.get("x-request-id")
                self._raise_for_status(response, deadline)
                body = self._json(response, deadline)
        except errors.ReshiError as exc:
            record.error_kind = exc.kind
            record.latency_ms = (time.perf_counter() - started) * 1000
            self.report(record)
            raise
        record.latency_ms = (time.perf_counter() - started) * 1000
        record.credits = charge
        return body, record

    def fetch_bytes(self, url: str, expect: str, *, max_bytes: int = 200 * _MB,
                    authorized: bool = False) -> bytes:
        """Download media (`expect` is "image" or "video") on the server side, bounded like a call.

        No Authorization header unless `authorized` (a URL this client built under its own base
        URL): media URLs may point at other hosts, which must never see the key. Redirects go
        through the same transport, so with a policy every hop is checked. The bytes must be the
        kind expected: they go straight to st.image, st.video or a download button.
        """
        deadline = _Deadline(self.deadline_seconds)
        headers = self._headers() if authorized else None
        with self._typed_errors(), self._http.stream("GET", url, headers=headers) as response:
            self._raise_for_status(response, deadline)
            data = b"".join(_bounded(response.iter_bytes(), deadline, max_bytes))
        if not _MEDIA_CHECKS[expect](data):
            raise errors.MediaTypeError(f"not {expect} data")
        return data


def _is_video(data: bytes) -> bool:
    """An MP4/MOV (an `ftyp` box first) or a WebM/Matroska (the EBML magic)."""
    return data[4:8] == b"ftyp" or data.startswith(b"\x1a\x45\xdf\xa3")


_MEDIA_CHECKS: dict[str, Callable[[bytes], bool]] = {
    "image": lambda data: imagetypes.sniff(data) is not None,
    "video": _is_video,
}


class _Resource:
    def __init__(self, client: ReshiClient):
        self._client = client


class Models(_Resource):
    def list(self) -> list[Model]:
        c = self._client
        body, record = c.call("GET", f"{c.base_url}/models", endpoint=pricing.MODELS, retry=True)
        c.report(record)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise errors.MalformedResponseError("models: no 'data' list")
        return [Model(id=str(m.get("id")), owned_by=str(m.get("owned_by") or ""), created=m.get("created"),
                      endpoint_types=tuple(map(str, m.get("supported_endpoint_types") or ())))
                for m in body["data"] if isinstance(m, dict) and m.get("id")]


def _chat_body(model: str, messages: list[dict], stream: bool, params: dict) -> dict:
    body = {"model": model, "messages": messages, **{k: v for k, v in params.items() if v is not None}}
    if stream:
        body["stream"] = True
    return body


class Chat(_Resource):
    def create(self, model: str, messages: list[dict], **params) -> ChatResult:
        """A complete, non-streamed reply. `params` are sent as given (None values dropped)."""
        c = self._client
        started = time.perf_counter()
        charge = c.credits_for(pricing.CHAT, model)
        body, record = c.call("POST", f"{c.base_url}/chat/completions", endpoint=pricing.CHAT,
                              model=model, charge=charge, json=_chat_body(model, messages, False, params))
        try:
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            record.error_kind, record.credits = errors.MalformedResponseError.kind, 0.0
            c.report(record)
            raise errors.MalformedResponseError("chat: no choices[0].message") from None
        usage = body.get("usage") or {}
        record.prompt_tokens = usage.get("prompt_tokens")
        record.completion_tokens = usage.get("completion_tokens")
        record.request_id = record.request_id or body.get("id")
        c.report(record)
        return ChatResult(text=text, model=body.get("model") or model, finish_reason=choice.get("finish_reason"),
                          prompt_tokens=record.prompt_tokens, completion_tokens=record.completion_tokens,
                          latency_s=time.perf_counter() - started, request_id=record.request_id,
                          credits=charge, raw=body)

    def stream(self, model: str, messages: list[dict], *, include_usage: bool = True,
               **params) -> "ChatStream":
        """A streamed reply: iterate it for text deltas; then read usage and timing from it."""
        if include_usage:
            params.setdefault("stream_options", {"include_usage": True})
        return ChatStream(self._client, model, _chat_body(model, messages, True, params))


class ChatStream:
    """Iterates text deltas of one streamed reply and keeps what a user needs to see after.

    Raises `StreamCutError` (with the text received so far) when the stream ends before
    `[DONE]`. `close()` stops it early (a user's "stop"), from any thread: the call is recorded
    at once as `stopped` with the tokens that arrived, and its connection is shut down, which
    ends a read blocked on it; whatever the server does after is ignored.
    """

    STOPPED = "stopped"  # the ledger's error kind of a call the user stopped

    def __init__(self, client: ReshiClient, model: str, body: dict):
        self._client = client
        self.model = model
        self.request_body = body
        self.text = ""
        self.events: list[str] = []
        self.finish_reason: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.request_id: str | None = None
        self.ttft: float | None = None
        self.elapsed: float | None = None
        self.credits = 0.0
        self.done = False
        self.stopped = False
        self._deltas = 0
        self._record = CallRecord(endpoint=pricing.CHAT, model=model)
        self._started: float | None = None
        self._reported = threading.Lock()  # held once the call is recorded: it is recorded once
        self._network_stream = None

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
        return self._client._http.timeout.read

    @property
    def waited(self) -> float:
        """Seconds since the request was sent (0 before)."""
        return time.perf_counter() - self._started if self._started is not None else 0.0

    def close(self) -> None:
        if self.done or self.stopped:
            return
        self.stopped = True
        self._record.error_kind = self.STOPPED
        self._report()
        stream = self._network_stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with suppress(OSError):  # already closed by the server
                sock.shutdown(socket.SHUT_RDWR)

    def _trace(self, event: str, info: dict) -> None:
        """httpcore's trace hook: keeps the connection this call opens, so `close()` can shut it
        down while the server has not answered yet (a reused connection is known once it has)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._network_stream = info.get("return_value") or self._network_stream

    def __iter__(self) -> Iterator[str]:
        self._started = time.perf_counter()
        _log_request(pricing.CHAT, self.request_body)
        try:
            with self._client._typed_errors():
                yield from self._deltas_from_server(self._started, self._record)
        except errors.ReshiError as exc:
            if self.stopped:  # what the server did after a stop is no longer the user's concern
                return
            if isinstance(exc, errors.ServerError) and exc.status == 504:  # a gateway gave up waiting
                exc = errors.ApiTimeoutError(exc.server_message, status=504, request_id=exc.request_id)
            self._record.error_kind = exc.kind
            raise exc
        finally:
            self._report()

    def _report(self) -> None:
        """Record the call once: when it ends, or when it is stopped, whichever comes first."""
        if not self._reported.acquire(blocking=False):
            return
        c, record = self._client, self._record
        self.elapsed = self.waited
        record.latency_ms = self.elapsed * 1000
        record.request_id = self.request_id
        record.prompt_tokens = self.prompt_tokens
        record.completion_tokens = self.tokens if self.stopped else self.completion_tokens
        if self.done:
            # Billed like the sandbox bills: a reply that never finished costs nothing.
            record.credits = self.credits = c.credits_for(pricing.CHAT, self.model)
        c.report(record)

    def _deltas_from_server(self, started: float, record: CallRecord) -> Iterator[str]:
        c = self._client
        deadline = _Deadline(c.deadline_seconds)
        try:
            with closing(c._send("POST", f"{c.base_url}/chat/completions", retry=False, deadline=deadline,
                                 json=self.request_body, extensions={"trace": self._trace})) as response:
                self._network_stream = response.extensions.get("network_stream") or self._network_stream
                if self.stopped:
                    return
                record.status = response.status_code
                self.request_id = response.headers.get("x-request-id")
                c._raise_for_status(response, deadline)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    yield from self._whole_reply(response, started, deadline)
                    return
                for sse in self._events(response, deadline):
                    if sse.data.strip() == "[DONE]":
                        self.done = not self.stopped
                        return
                    self.events.append(sse.data)
                    delta = self._apply_chunk(sse.data)
                    if delta:
                        if self.ttft is None:
                            self.ttft = time.perf_counter() - started
                        self._deltas += 1
                        self.text += delta
                        yield delta
        except httpx.TimeoutException as exc:
            raise self._cut_or(errors.ApiTimeoutError(str(exc)))
        except (httpx.TransportError, httpx.StreamError) as exc:
            if self.stopped:
                return
            raise self._cut_or(errors.ApiConnectionError(str(exc)))
        if not self.stopped:
            raise errors.StreamCutError(self.text, status=record.status, request_id=self.request_id)

    def _events(self, response: httpx.Response, deadline: _Deadline) -> Iterator[ServerSentEvent]:
        """The SSE events, parsed by httpx-sse from the bytes as they pass the client's bounds
        (the whole stream, each line, the deadline)."""
        c = self._client
        bounded = httpx.Response(response.status_code, headers={"content-type": response.headers["content-type"]},
                                 content=_bounded(response.iter_bytes(), deadline, c.max_stream_bytes,
                                                  c.max_sse_line_bytes))
        return EventSource(bounded).iter_sse()

    def _cut_or(self, error: errors.ReshiError) -> errors.ReshiError:
        """Once text has arrived, any transport failure is a cut stream: the text is kept."""
        if self.text:
            return errors.StreamCutError(self.text, request_id=self.request_id)
        return error

    def _apply_chunk(self, data: str) -> str:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise errors.MalformedResponseError(data[:200]) from None
        if not isinstance(chunk, dict):
            return ""
        if isinstance(chunk.get("error"), dict):
            raise errors.ServerError(errors.server_message_from(data), request_id=self.request_id)
        self.request_id = self.request_id or chunk.get("id")
        usage = chunk.get("usage") or {}
        if usage:
            self.prompt_tokens = usage.get("prompt_tokens")
            self.completion_tokens = usage.get("completion_tokens")
        choices = chunk.get("choices") or []
        if not choices:
            return ""
        self.finish_reason = choices[0].get("finish_reason") or self.finish_reason
        return (choices[0].get("delta") or {}).get("content") or ""

    def _whole_reply(self, response: httpx.Response, started: float, deadline: _Deadline) -> Iterator[str]:
        """A server that ignored `stream: true` and sent one JSON completion: yield it whole."""
        body = self._client._json(response, deadline)
        try:
            text = body["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise errors.MalformedResponseError("chat: no choices[0].message") from None
        usage = body.get("usage") or {}
        self.prompt_tokens, self.completion_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        self.ttft = time.perf_counter() - started
        self.text, self.done = text, True
        self._deltas = 1
        yield text


class Images(_Resource):
    def generate(self, prompt: str) -> ImageResult:
        """One Gemini image. The body may carry `b64_json` or a `url`; both give bytes."""
        c = self._client
        charge = c.credits_for(pricing.IMAGES)
        body, record = c.call("POST", f"{c.base_url}/gemini/images", endpoint=pricing.IMAGES,
                              charge=charge, json={"prompt": prompt})
        try:
            data, url = self._image_bytes(body)
        except errors.ReshiError as exc:
            record.error_kind = exc.kind
            c.report(record)
            raise
        c.report(record)
        return ImageResult(data=data, mime=imagetypes.mime_of(data), credits=charge,
                           request_id=record.request_id, source_url=url)

    def _image_bytes(self, body: Any) -> tuple[bytes, str | None]:
        data, url = dialects.image_from_body(body, self._client.max_image_bytes)
        if data is None:
            data = self._client.fetch_bytes(url, "image", max_bytes=50 * _MB)
        if imagetypes.sniff(data) is None:
            raise errors.MalformedResponseError("images: the answer is not a JPEG, PNG, GIF or WebP image")
        return data, url


def _video_task(body: Any) -> VideoTask:
    task = dialects.task_from_body(body)
    return VideoTask(id=task.id, status=normalize_status(task.raw_status), raw_status=task.raw_status,
                     progress=task.progress, video_url=task.video_url, error=task.error,
                     took_seconds=task.took_seconds, raw=body if isinstance(body, dict) else {})


class Videos(_Resource):
    """Video tasks on whichever route the server has (lib.dialects.VIDEO_ROUTES): the first that
    answers other than 404 is kept for this client's later calls."""

    def __init__(self, client: ReshiClient):
        super().__init__(client)
        self._routes = dialects.VIDEO_ROUTES

    def create(self, prompt: str, model: str = "sora-2", duration: int = 5,
               aspect_ratio: str = "16:9") -> VideoTask:
        c = self._client
        charge = c.credits_for(pricing.VIDEO, model)
        body, record = self._on_first_route(lambda route: c.call(
            "POST", c.base_url + route.create, endpoint=pricing.VIDEO, model=model, charge=charge,
            json=route.body(prompt, model, duration, aspect_ratio)))
        try:
            task = _video_task(body)
        except errors.ReshiError as exc:
            record.error_kind, record.credits = exc.kind, 0.0
            c.report(record)
            raise
        record.request_id = record.request_id or task.id
        c.report(record)
        return task

    def get(self, task_id: str) -> VideoTask:
        c = self._client
        path_id = quote(task_id, safe="")
        body, record = self._on_first_route(lambda route: c.call(
            "GET", c.base_url + route.status.format(id=path_id), endpoint=pricing.VIDEO_STATUS, retry=True))
        record.request_id = record.request_id or task_id
        c.report(record)
        return _video_task(body)

    def _on_first_route(self, send: Callable[[dialects.VideoRoute], Any]) -> Any:
        """A 404 from a route means the server lacks it (no charge is made): try the next one."""
        for index, route in enumerate(self._routes):
            try:
                answer = send(route)
            except errors.NotFoundError:
                if index == len(self._routes) - 1:
                    raise
                continue
            self._routes = self._routes[index:]
            return answer
        raise AssertionError("unreachable")

    def content(self, task_id: str, *, max_bytes: int = 200 * _MB) -> bytes:
        """The finished video's bytes when the task names no URL (OpenAI Sora, new-api /v1/videos):
        under this client's own base URL, so the key may go with it."""
        c = self._client
        return c.fetch_bytes(dialects.video_content_url(c.base_url, task_id), "video", max_bytes=max_bytes,
                             authorized=True)


def _parse_expiry(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


class Uploads(_Resource):
    def upload_file(self, data: bytes, filename: str) -> UploadResult:
        mime = imagetypes.mime_of(data) or "application/octet-stream"
        return self._upload(files={"image": (filename, data, mime)})

    def upload_base64(self, image_base64: str, filename: str) -> UploadResult:
        """`image_base64` is a data URL (`data:image/png;base64,...`) or raw base64."""
        return self._upload(json={"image_base64": image_base64, "filename": filename})

    def _upload(self, **kw) -> UploadResult:
        c = self._client
        body, record = c.call("POST", c.upload_url, endpoint=pricing.UPLOAD, **kw)
        if not isinstance(body, dict) or not body.get("success") or not isinstance(body.get("data"), dict):
            message = str(body.get("message", ""))[:errors.MAX_MESSAGE_CHARS] if isinstance(body, dict) else ""
            record.error_kind = errors.BadRequestError.kind
            c.report(record)
            with c._typed_errors():  # the refusal quotes the server, which may echo the key
                raise errors.BadRequestError(message or "upload refused", status=record.status)
        c.report(record)
        data = body["data"]
        return UploadResult(url=str(data.get("url", "")), filename=str(data.get("filename", "")),
                            size=int(data.get("size") or 0), expire_at=_parse_expiry(data.get("expire_at")),
                            message=str(body.get("message", "")))


class Billing(_Resource):
    def balance(self) -> Balance | None:
        """Credits granted and used, from the one-api billing endpoints; None when they don't answer."""
        c = self._client
        try:
            subscription, record = c.call("GET", f"{c.base_url}/dashboard/billing/subscription",
                                          endpoint=pricing.BILLING, retry=True)
            c.report(record)
            usage, record = c.call("GET", f"{c.base_url}/dashboard/billing/usage",
                                   endpoint=pricing.BILLING, retry=True)
            c.report(record)
            return dialects.billing_from(subscription, usage)
        except errors.ReshiError:
            return None
