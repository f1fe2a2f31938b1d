"""The plumbing of every call, in one place: the httpx client, sending with retries, the bounds
on what a server may send (a size cap per body, per SSE line and per stream, and a deadline per
call, not only per read), the status-to-typed-error mapping, key masking and the ledger hook.

GETs are retried with backoff on 429/502/503/504 and dropped connections; paid POSTs never are,
so a retry can never charge twice. Every call is reported to an optional `on_call` hook as a
`CallRecord` (the app writes it to the usage ledger; this package knows nothing of Streamlit or
the store). The API key is kept out of every repr, exception and log line. The resources
(`chat.py`, `images.py`, ...) build requests and read answers; they never touch httpx's errors.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from contextlib import closing, contextmanager
from typing import Any, Callable, Iterable, Iterator

import httpx

from lib import dialects, errors, imagetypes, netguard, pricing
from lib.client.types import CallRecord

_BACKOFF_SECONDS = (0.5, 1.5)
_MAX_RETRY_AFTER = 10.0
MB = 1024 * 1024
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


def _seconds(header: str | None) -> float | None:
    """A Retry-After in seconds; None when absent or an HTTP date."""
    try:
        return float(header) if header else None
    except ValueError:
        return None


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


class BaseClient:
    """Everything a call needs but its endpoint; `ReshiClient` adds the resources."""

    # What a server may send. Class attributes, so one client (a test, a deployment with other
    # needs) can change a bound without a constructor argument for each.
    max_json_bytes = 32 * MB       # the largest answer is an image as b64_json inside JSON
    max_error_bytes = 64 * 1024    # the message shown needs 300 characters of it
    max_stream_bytes = 16 * MB     # a whole streamed reply: 32k tokens at ~150 bytes an event is 5 MB
    max_sse_line_bytes = MB        # one SSE line: one chunk of a reply
    max_image_bytes = 20 * MB      # one image decoded from b64_json
    deadline_seconds = 900.0       # a whole call, retries and reading included: 32k tokens at 40/s fit

    def __init__(self, base_url: str, api_key: str = "", *,
                 upload_url: str | None = None, timeout: float = 60.0, connect_timeout: float = 10.0,
                 max_retries: int = 2, on_call: Callable[[CallRecord], None] | None = None,
                 prices: dict | None = None, transport: httpx.BaseTransport | None = None,
                 policy: netguard.NetPolicy | None = None, connection: str | None = None,
                 before_paid_call: Callable[[str, str | None], None] | None = None):
        """`policy`: where this client may connect (see `lib.netguard`); without one it connects
        anywhere, for callers whose URLs an admin or a test chose. `connection` labels this
        client's ledger rows ("preset", "sandbox", a host; never a key). `before_paid_call`
        (endpoint, model) runs before every POST and may refuse it by raising a ReshiError
        (the admin's quotas, lib/quotas.py); the refusal is recorded like any failed call."""
        self.base_url = netguard.without_query(base_url).rstrip("/")
        self.upload_url = upload_url or derive_upload_url(self.base_url)
        self._api_key = api_key
        self.max_retries = max_retries
        self.on_call = on_call
        self.prices = prices or pricing.DEFAULT_PRICES
        self.policy = policy
        self.connection = connection
        self.before_paid_call = before_paid_call
        if policy is not None:
            transport = netguard.GuardedTransport(policy)
        # A proxy from the environment would connect in the guard's place. httpx already ignores
        # proxy variables when given a transport; trust_env=False keeps it that way.
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout),
                                  transport=transport, follow_redirects=True, trust_env=policy is None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={mask_key(self._api_key)!r})"

    @property
    def masked_key(self) -> str:
        return mask_key(self._api_key)

    @property
    def key_fingerprint(self) -> str:
        """A one-way tag of the key, for cache keys that must tell keys apart without holding one."""
        return hashlib.sha256(self._api_key.encode()).hexdigest()[:16]

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
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
        except httpx.InvalidURL:  # a redirect's Location no parser agrees on
            raise errors.RefusedAddressError("invalid", target="redirect") from None
        except errors.ReshiError as exc:
            raise exc.redact(self._scrub)

    def check_paid_call(self, endpoint: str, model: str | None) -> None:
        """Raise whatever `before_paid_call` refuses this call with; nothing is sent then."""
        if self.before_paid_call is not None:
            self.before_paid_call(endpoint, model)

    def credits_for(self, endpoint: str, model: str | None = None, tokens: int = 0) -> float:
        """A call's price in this client's table. Before a reply its tokens are unknown, so the
        budget checks call this without them: the per-call price only, an estimate that a chat
        reply's per-1K-token price may exceed once the server has counted its tokens."""
        return pricing.credits_for(endpoint, model, tokens, self.prices)

    def report(self, record: CallRecord) -> None:
        """Log the call (one INFO line, never the key) and hand it to the ledger hook; a broken
        hook never breaks the call."""
        record.source = record.source or pricing.source_of(record.endpoint)
        record.connection = record.connection or self.connection
        # Quoted (repr): a model name or request id holding a newline cannot start a forged line.
        log.info("%s model=%r status=%s error=%s latency_ms=%.0f credits=%g request_id=%r",
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
        netguard.check_url(url)
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
            if method == "POST":
                self.check_paid_call(endpoint, model)
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

    def fetch_bytes(self, url: str, expect: str, *, max_bytes: int = 200 * MB,
                    authorized: bool = False) -> bytes:
        """Download media (`expect` is "image" or "video") on the server side, bounded like a call.

        No Authorization header unless `authorized` (a URL this client built under its own base
        URL): media URLs may point at other hosts, which must never see the key. Redirects go
        through the same transport, so with a policy every hop is checked. The bytes must be the
        kind expected: they go straight to st.image, st.video or a download button.
        """
        deadline = _Deadline(self.deadline_seconds)
        headers = self._headers() if authorized else None
        netguard.check_url(url)
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

class APIResource:
    """One resource of a client (`client.chat`, `client.videos`, ...): it builds requests and
    reads answers; the client sends them."""

    def __init__(self, client: BaseClient):
        self._client = client
