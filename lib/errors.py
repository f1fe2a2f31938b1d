"""Typed errors for every way a call to the API can go wrong.

Modelled on openai-python: one class per HTTP status, plus the failures that never reach a
status (timeouts, refused connections, bodies that are not JSON, streams cut short). Each error
carries data only (its kind, status, the server's own message, ...); `lib.ui.error_text` turns it
into the user's words. No error ever holds the API key: the client scrubs messages before raising.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from lib.jsonpaths import first


class ReshiError(Exception):
    """Base of all API errors. `kind` names the catalog text and the ledger's error column."""

    kind = "error"

    def __init__(self, server_message: str = "", *, status: int | None = None, request_id: str | None = None):
        self.server_message = server_message
        self.status = status
        self.request_id = request_id
        super().__init__(f"{self.kind} ({status})" + (f": {server_message}" if server_message else ""))

    def redact(self, clean: Callable[[str], str]) -> ReshiError:
        """This error, with `clean` applied to every text it holds (the client masks its key so)."""
        self.server_message = clean(self.server_message)
        self.args = tuple(clean(arg) if isinstance(arg, str) else arg for arg in self.args)
        return self


class BadRequestError(ReshiError):
    kind = "bad_request"


class AuthError(ReshiError):
    kind = "auth"


class CreditsError(ReshiError):
    kind = "credits"


class KeyDisabledError(ReshiError):
    kind = "key_disabled"


class NotFoundError(ReshiError):
    kind = "not_found"


class RateLimitError(ReshiError):
    kind = "rate_limit"

    def __init__(self, server_message: str = "", *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(server_message, **kw)


class ServerError(ReshiError):
    kind = "server"


class ApiTimeoutError(ReshiError):
    kind = "timeout"


class ApiConnectionError(ReshiError):
    kind = "connection"


class MalformedResponseError(ReshiError):
    kind = "malformed"


class TokenExpiredError(AuthError):
    """401 because the key's own expiry date passed (new-api/one-api: "该令牌已过期")."""

    kind = "token_expired"


class TokenExhaustedError(AuthError):
    """401 because the key's own quota is spent (new-api/one-api: "该令牌额度已用尽").

    The account may still have credit: the fix is a new key or a higher key limit, not a top-up.
    """

    kind = "token_exhausted"


class ContentFilteredError(ReshiError):
    """The server accepted the prompt but returned nothing: a safety filter dropped the result.

    Not worth retrying: the same prompt meets the same filter.
    """

    kind = "filtered"


class ResponseTooLargeError(ReshiError):
    """The server sent more than the client reads (a body, a stream, one line, an image)."""

    kind = "too_large"


class StreamCutError(ReshiError):
    """The stream ended before `[DONE]`; `partial_text` is what arrived and must be kept."""

    kind = "stream_cut"

    def __init__(self, partial_text: str = "", **kw):
        self.partial_text = partial_text
        super().__init__(**kw)


class RefusedAddressError(ReshiError):
    """The network guard (`lib.netguard`) refused a destination; nothing was sent there.

    `rule` names the rule that refused it (one of REFUSAL_RULES) and picks the explanation;
    `target` is the refused scheme or host, shown to the user.
    """

    kind = "refused_address"

    def __init__(self, rule: str, *, target: str = ""):
        self.rule, self.target = rule, target
        super().__init__()
        self.args = (f"{self.kind}: {rule} ({target})",)


class QuotaExceededError(ReshiError):
    """The admin's daily or monthly quota for this user on the preset connection is used up; the
    call was not sent. `period` is "day" or "month"; `limit`, `used` (calls under way included)
    and `price` (the most the call may cost) are credits."""

    kind = "quota_exceeded"

    def __init__(self, period: str, *, limit: float, used: float, price: float = 0.0):
        self.period, self.limit, self.used, self.price = period, limit, used, price
        super().__init__()
        self.args = (f"{self.kind}: {period} limit {limit:g}, used {used:g}",)


class MediaTypeError(ReshiError):
    """Downloaded media whose bytes are not the image or video they were fetched as."""

    kind = "media_type"


REFUSAL_RULES = ("scheme", "host", "private", "invalid")


def _kinds(cls: type[ReshiError]) -> tuple[str, ...]:
    return (cls.kind, *(kind for sub in cls.__subclasses__() for kind in _kinds(sub)))


# Every kind an error can have: the catalog has a text for each (tests/unit/test_i18n.py).
KINDS = tuple(dict.fromkeys(_kinds(ReshiError)))

_BY_STATUS: dict[int, type[ReshiError]] = {
    400: BadRequestError,
    401: AuthError,
    402: CreditsError,
    403: KeyDisabledError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}


def class_for_status(status: int) -> type[ReshiError]:
    """The error an HTTP status means when the body says nothing more precise."""
    return _BY_STATUS.get(status) or (ServerError if status >= 500 else BadRequestError)


def error_for_status(status: int, server_message: str, **kw) -> ReshiError:
    return class_for_status(status)(server_message, status=status, **kw)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
MAX_MESSAGE_CHARS = 300


def server_message_from(body: bytes | str) -> str:
    """The server's message from any error body the provider family sends.

    OpenAI-style `{"error": {"message"}}` (or its `code`/`type` when the message is empty),
    a flat `{"code", "message", "data": null}` (new-api task routes), a bare `{"message"}`,
    upload's `{"success": false, "message"}`, `{"detail"}`, or plain text. An HTML page gives
    its `<title>` alone: nginx repeats the status in the title, the heading and the footer.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        found = _json_message(data)
        if found:
            return found[:MAX_MESSAGE_CHARS]
    title = _TITLE.search(text)
    plain = title.group(1) if title and title.group(1).strip() else _TAG.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(plain)).strip()[:MAX_MESSAGE_CHARS]


# Where a JSON error body keeps its words, best first; `error.code`/`error.type` only name the
# failure, so they come last (new-api sends `{"error": {"message": "", "code": ...}}` at times).
_MESSAGE_PATHS = (
    ("error", "message"),
    ("message",),
    ("detail",),
    ("error",),
    ("msg",),
    ("error", "code"),
    ("error", "type"),
)


def _json_message(data: dict) -> str:
    return first(data, _MESSAGE_PATHS, lambda value: isinstance(value, str) and value != "")[1] or ""
