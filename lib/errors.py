"""Typed errors for every way a call to the API can go wrong.

Modelled on openai-python: one class per HTTP status, plus the failures that never reach a
status (timeouts, refused connections, bodies that are not JSON, streams cut short). Each error
carries the server's own message and explains itself to the user in English or Chinese through
`lib.i18n`. No error ever holds the API key: the client scrubs messages before raising.
"""
from __future__ import annotations

import json
import re
from typing import Callable

from lib.i18n import t


class ReshiError(Exception):
    """Base of all API errors. `kind` names the i18n text and the ledger's error column."""

    kind = "error"
    retryable = False

    def __init__(self, server_message: str = "", *, status: int | None = None,
                 request_id: str | None = None):
        self.server_message = server_message
        self.status = status
        self.request_id = request_id
        super().__init__(f"{self.kind} ({status})" + (f": {server_message}" if server_message else ""))

    def redact(self, clean: Callable[[str], str]) -> "ReshiError":
        """This error, with `clean` applied to every text it holds (the client masks its key so)."""
        self.server_message = clean(self.server_message)
        self.args = tuple(clean(arg) if isinstance(arg, str) else arg for arg in self.args)
        return self

    def explain(self, lang: str = "en") -> str:
        """What happened and what to do, in the user's language."""
        return t(f"error.{self.kind}", lang)

    def user_message(self, lang: str = "en") -> str:
        """The explanation, followed by the server's own words when it sent any."""
        text = self.explain(lang)
        if self.server_message:
            text += "\n\n" + t("error.server_said", lang, message=self.server_message)
        return text


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
    retryable = True

    def __init__(self, server_message: str = "", *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(server_message, **kw)


class ServerError(ReshiError):
    kind = "server"
    retryable = True


class ApiTimeoutError(ReshiError):
    kind = "timeout"
    retryable = True


class ApiConnectionError(ReshiError):
    kind = "connection"
    retryable = True


class MalformedResponseError(ReshiError):
    kind = "malformed"
    retryable = True


class ResponseTooLargeError(ReshiError):
    """The server sent more than the client reads (a body, a stream, one line, an image)."""

    kind = "too_large"


class StreamCutError(ReshiError):
    """The stream ended before `[DONE]`; `partial_text` is what arrived and must be kept."""

    kind = "stream_cut"
    retryable = True

    def __init__(self, partial_text: str = "", **kw):
        self.partial_text = partial_text
        super().__init__(**kw)


_BY_STATUS: dict[int, type[ReshiError]] = {
    400: BadRequestError, 401: AuthError, 402: CreditsError, 403: KeyDisabledError,
    404: NotFoundError, 413: BadRequestError, 422: BadRequestError, 429: RateLimitError,
}


def error_for_status(status: int, server_message: str, **kw) -> ReshiError:
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else BadRequestError)
    return cls(server_message, status=status, **kw)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
MAX_MESSAGE_CHARS = 300


def server_message_from(body: bytes | str) -> str:
    """The server's message from any error body the provider family sends.

    OpenAI-style `{"error": {"message"}}`, a bare `{"message"}`, upload's
    `{"success": false, "message"}`, `{"detail"}` or plain text/HTML (tags stripped).
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:MAX_MESSAGE_CHARS]
        for field in ("message", "detail", "error", "msg"):
            if isinstance(data.get(field), str) and data[field]:
                return data[field][:MAX_MESSAGE_CHARS]
    plain = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    return plain[:MAX_MESSAGE_CHARS]
