"""The plumbing of every call, in one place: the httpx client, sending with the one retry policy
(`lib/client/retries.py`), the bounds on what a server may send (a size cap per body, per SSE
line and per stream, and a deadline per call, not only per read: `lib/client/_call.py`), the
status-to-typed-error mapping, key masking, and finishing each call: one `Call` per call
(`lib/client/_call.py`), reported once.

Every call, success or failure, is reported once to an optional `on_call` hook as a `CallRecord`
(the app writes it to the usage ledger; this package knows nothing of Streamlit or the store),
by `Call.finish`. One rule for what a call costs: nothing until the resource reads a usable
answer (then its price), so a refusal, a failure and an answer that cannot be read cost 0; a
stream cut or stopped after it started answering keeps what arrived (as providers bill). The API
key is kept out of every repr, exception and log line. The resources (`chat.py`, `images.py`,
...) build requests and read answers into typed results; they never touch httpx's errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any, Self, TypeVar

import httpx

from lib import dialects, errors, netguard
from lib.client import retries
from lib.client._call import Call, Deadline, bounded
from lib.client.types import CallRecord
from lib.credits import pricing
from lib.media import imagetypes

MB = 1024 * 1024
T = TypeVar("T")
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


def log_request(endpoint: str, body: Any) -> None:
    """Prompts are the user's words: logged only at DEBUG, and shortened."""
    if body is not None and log.isEnabledFor(logging.DEBUG):
        log.debug("%s request %s", endpoint, json.dumps(body, ensure_ascii=False)[:_LOGGED_BODY_CHARS])


class BaseClient:
    """Everything a call needs but its endpoint; `ReshiClient` adds the resources."""

    # What a server may send. Class attributes, so one client (a test, a deployment with other
    # needs) can change a bound without a constructor argument for each.
    max_json_bytes = 32 * MB  # the largest answer is an image as b64_json inside JSON
    max_error_bytes = 64 * 1024  # the message shown needs 300 characters of it
    max_stream_bytes = 16 * MB  # a whole streamed reply: 32k tokens at ~150 bytes an event is 5 MB
    max_sse_line_bytes = MB  # one SSE line: one chunk of a reply
    max_image_bytes = 20 * MB  # one image decoded from b64_json
    deadline_seconds = 900.0  # a whole call, retries and reading included: 32k tokens at 40/s fit

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        upload_url: str | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        on_call: Callable[[CallRecord], None] | None = None,
        prices: dict[tuple[str, str], pricing.Price] | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: netguard.NetPolicy | None = None,
        connection: str | None = None,
        before_paid_call: Callable[[str, str | None, float], int | None] | None = None,
    ):
        """`policy`: where this client may connect (see `lib.netguard`); without one it connects
        anywhere, for callers whose URLs an admin or a test chose. `connection` labels this
        client's ledger rows ("preset", "sandbox", a host; never a key). `before_paid_call`
        (endpoint, model, the most the call may cost) runs before every POST and may refuse it
        by raising a ReshiError (the admin's quotas, lib/credits/quotas.py; the refusal is recorded like
        any failed call), or hold what it may cost: what it returns goes into the call's
        `CallRecord.hold`, for the ledger hook to release."""
        self.base_url = netguard.without_query(base_url).rstrip("/")
        self.upload_url = upload_url or derive_upload_url(self.base_url)
        self._api_key = api_key
        self.retry_policy = retries.RetryPolicy(max_retries=max_retries)
        self.on_call = on_call
        self.prices = prices or pricing.DEFAULT_PRICES
        self.policy = policy
        self.connection = connection
        self.before_paid_call = before_paid_call
        if policy is not None:
            transport = netguard.GuardedTransport(policy)
        # A proxy from the environment would connect in the guard's place. httpx already ignores
        # proxy variables when given a transport; trust_env=False keeps it that way.
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=True,
            trust_env=policy is None,
        )

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, mask_key(self._api_key)) if self._api_key else text

    @property
    def read_timeout(self) -> float | None:
        """Seconds a server may stay silent before a call fails as a timeout."""
        return self._http.timeout.read

    @contextmanager
    def typed_errors(self) -> Iterator[None]:
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
            raise exc.redact(self._scrub) from None

    def check_paid_call(self, call: Call, body: Any) -> None:
        """Raise whatever `before_paid_call` refuses this call with (nothing is sent then), or
        keep what it held for the call in its record."""
        if self.before_paid_call is not None:
            record = call.record
            record.hold = self.before_paid_call(
                record.endpoint, record.model, self.most_credits_for(record.endpoint, record.model, body)
            )

    def credits_for(self, endpoint: str, model: str | None = None, tokens: int = 0) -> float:
        """A call's price in this client's table. Before a reply its tokens are unknown, so the
        budget checks call this without them: the per-call price only, an estimate that a chat
        reply's per-1K-token price may exceed once the server has counted its tokens."""
        return pricing.credits_for(endpoint, model, tokens, self.prices)

    def most_credits_for(self, endpoint: str, model: str | None, body: Any = None) -> float:
        """The most a call with this request body may cost, known before it is sent: its per-call
        price, plus a price per 1K tokens times the most tokens the body may be billed for
        (`pricing.tokens_ceiling`: its `max_tokens`, its prompt's bytes). What quotas hold."""
        price = pricing.price_of(endpoint, model, self.prices)
        return price.cost(pricing.tokens_ceiling(body) if price.per_1k_tokens else 0)

    def start_call(self, endpoint: str, model: str | None = None) -> Call:
        """A call about to be made; `Call.finish` reports it (once)."""
        return Call(self, endpoint, model)

    def report(self, record: CallRecord) -> None:
        """Log a finished call (one INFO line, never the key) and hand it to the ledger hook; a
        broken hook never breaks the call. Called by `Call.finish` only."""
        record.source = record.source or pricing.source_of(record.endpoint)
        record.connection = record.connection or self.connection
        # Quoted (repr): a model name or request id holding a newline cannot start a forged line.
        log.info(
            "%s model=%r status=%s error=%s latency_ms=%.0f credits=%g request_id=%r",
            record.endpoint,
            record.model,
            record.status,
            record.error_kind,
            record.latency_ms or 0,
            record.credits,
            record.request_id,
        )
        if self.on_call is None:
            return
        try:
            self.on_call(record)
        except Exception:  # noqa: BLE001 - the ledger is best effort, the call already happened
            pass

    def send(self, method: str, url: str, *, call: Call, retry: bool = False, **kw: Any) -> httpx.Response:
        """One request, sent again by the retry policy when `retry` and the failure is transient.
        The answer's status and request id go into `call`'s record; its body is not read yet: the
        caller reads it through the bounds, and closes it."""
        netguard.check_url(url)
        if method == "POST":
            self.check_paid_call(call, kw.get("json"))
        request = self._http.build_request(method, url, headers=self._headers(), **kw)
        policy = self.retry_policy
        while True:
            call.attempts += 1
            last = not retry or call.attempts >= policy.max_attempts
            refused: httpx.Response | None = None  # the answer that asked to be retried, if any
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                if last:
                    raise
                failure: Exception = exc
            else:
                call.answered(response)
                if last or response.status_code not in retries.RETRY_STATUSES:
                    return response
                failure = self._status_error(response, self._error_body(response, call.deadline))
                response.close()
                if not retries.is_transient(failure):
                    raise failure
                refused = response
            if call.pause(policy.delay(call.attempts - 1, refused)):
                raise failure  # stopped while waiting: the last failure is the call's
            call.deadline.check()

    def raise_for_status(self, response: httpx.Response, deadline: Deadline) -> None:
        if response.status_code < 400:
            return
        raise self._status_error(response, self._error_body(response, deadline))

    @staticmethod
    def _status_error(response: httpx.Response, body: bytes) -> errors.ReshiError:
        """The typed error for a status, chosen with the body's code and message (lib.dialects)."""
        return dialects.error_for(
            response.status_code,
            body,
            request_id=response.headers.get("x-request-id"),
            retry_after=retries.retry_after(response.headers.get("retry-after")),
        )

    def _error_body(self, response: httpx.Response, deadline: Deadline) -> bytes:
        """The start of an error body: enough for its message, never a whole hostile page.
        The status is the error, so a long body is cut rather than refused."""
        body = bytearray()
        for chunk in bounded(response.iter_bytes(), deadline, math.inf):
            body += chunk
            if len(body) >= self.max_error_bytes:
                break
        return bytes(body[: self.max_error_bytes])

    def read_json(self, response: httpx.Response, deadline: Deadline) -> Any:
        body = b"".join(bounded(response.iter_bytes(), deadline, self.max_json_bytes))
        try:
            return json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise errors.MalformedResponseError(
                errors.server_message_from(body[:500]), status=response.status_code
            ) from None

    def call(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        read: Callable[[Any, Call], T],
        model: str | None = None,
        retry: bool = False,
        **kw: Any,
    ) -> T:
        """Send, check and parse one JSON call, and report it once, success or failure.

        `read(body, call)` turns the parsed answer into the resource's typed result; it sets
        `call.record.credits` once the answer is usable (a failure it raises, such as an answer
        missing its fields, is recorded like any other, at no charge)."""
        call = self.start_call(endpoint, model)
        with call.finishing():
            return read(self.request_json(method, url, call=call, retry=retry, **kw), call)

    def request_json(self, method: str, url: str, *, call: Call, retry: bool = False, **kw: Any) -> Any:
        """One request of `call` (a call may make several: a balance is two), its status checked
        and its JSON body parsed; run inside `call.finishing()`."""
        log_request(call.record.endpoint, kw.get("json"))
        with closing(self.send(method, url, call=call, retry=retry, **kw)) as response:
            self.raise_for_status(response, call.deadline)
            return self.read_json(response, call.deadline)

    def fetch_bytes(self, url: str, expect: str, *, max_bytes: int = 200 * MB, authorized: bool = False) -> bytes:
        """Download media (`expect` is "image" or "video") on the server side, bounded like a call.

        No Authorization header unless `authorized` (a URL this client built under its own base
        URL): media URLs may point at other hosts, which must never see the key. Redirects go
        through the same transport, so with a policy every hop is checked. The bytes must be the
        kind expected: they go straight to st.image, st.video or a download button.
        """
        deadline = Deadline(self.deadline_seconds)
        headers = self._headers() if authorized else None
        netguard.check_url(url)
        with self.typed_errors(), self._http.stream("GET", url, headers=headers) as response:
            self.raise_for_status(response, deadline)
            data = b"".join(bounded(response.iter_bytes(), deadline, max_bytes))
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
