"""The steps every sandbox API handler shares, in the order it runs them: authenticate (from the
headers alone, so a caller without a key never gets its body read), read the body and record
the request, apply a queued fault or a prompt marker, check credits. The routes
(lib/sandbox/routes/) validate and do the work between them, and charge last, so a failed call
never costs anything (video pays up front and is refunded).
"""

from __future__ import annotations

import asyncio
import json
import secrets

from fastapi import Request
from fastapi.responses import Response

from lib.sandbox import dialects
from lib.sandbox.http import NOT_JSON, ApiError, error_response
from lib.sandbox.state import FAULT_KINDS, NO_SCHEMA, SandboxState

MAX_LOGGED_CHARS = 200
FAULT_MESSAGES = {
    "500": "The sandbox simulated an internal server error.",
    "502": "The sandbox simulated a bad gateway.",
    "503": "The sandbox simulated an overloaded upstream (service unavailable).",
    "429": "Too many requests: the sandbox simulated a rate limit. Retry after 1 second.",
    "timeout": "The sandbox simulated an upstream timeout.",
}
HTML_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx (reshi sandbox)</center></body></html>"
)


def _loggable(value):
    """The request body for /sandbox/requests, with long strings (base64 images) shortened."""
    if isinstance(value, str) and len(value) > MAX_LOGGED_CHARS:
        return value[:MAX_LOGGED_CHARS] + f"…({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _loggable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loggable(v) for v in value]
    return value


async def _json_body(request: Request):
    """The parsed JSON body of a POST, or NOT_JSON (multipart uploads are parsed later)."""
    if request.method != "POST" or "multipart/" in request.headers.get("content-type", ""):
        return NOT_JSON
    try:
        return json.loads(await request.body())
    except ValueError:
        return NOT_JSON


class Api:
    """The shared steps of an API handler, bound to one sandbox's state."""

    def __init__(self, state: SandboxState):
        self.state = state

    @property
    def dialect(self) -> dialects.Dialect:
        return dialects.DIALECTS[self.state.dialect]

    def refusal(self, reason: str, **words) -> ApiError:
        """The error the current dialect answers for `reason`, its message filled with `words`."""
        refusal = self.dialect.refusals[reason]
        return ApiError(refusal.status, refusal.message.format(**words), error_type=refusal.type, code=refusal.code)

    def serve_only(self, request: Request, route: str) -> None:
        """Refuses a video route the current dialect does not have, as an unknown URL."""
        if route not in self.dialect.video_routes:
            raise self.refusal(dialects.NO_ROUTE, method=request.method, path=request.url.path)

    async def begin(self, request: Request, endpoint: str):
        """Authenticate, then read the body, and record the call either way. Returns (key,
        parsed JSON body or NOT_JSON). A caller without a valid key gets its 401 or 403 before
        any of its body is read, so it cannot make the sandbox hold a large body."""
        body = NOT_JSON
        try:
            key = self.authenticate(request)
            body = await _json_body(request)
        finally:
            self.state.record(request.method, request.url.path, endpoint, None if body is NOT_JSON else _loggable(body))
        return key, body

    def authenticate(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self.refusal(dialects.MISSING_KEY)
        key = self.state.key(token)
        if key is None:  # never echo the key back
            raise self.refusal(dialects.UNKNOWN_KEY)
        if key.disabled:
            raise self.refusal(dialects.DISABLED_KEY)
        return token

    def fault(self, endpoint: str, prompt: str = "", structured: bool = False) -> str | None:
        """The queued fault for this endpoint, else the first fault marker in the prompt;
        `structured`: the request asks for structured output (NO_SCHEMA refuses only those)."""
        kind = self.state.take_fault(endpoint, structured)
        if kind is None:
            kind = next((k for k in FAULT_KINDS if f"[{k}]" in prompt and (k != NO_SCHEMA or structured)), None)
        return kind

    async def fault_response(self, request: Request, kind: str) -> Response | dict[str, str]:
        if kind == "timeout":
            await asyncio.sleep(self.state.speed.hang_seconds)
            self.state.count_hang_answered()
            return error_response(request, 504, FAULT_MESSAGES[kind])
        if kind == "cut":
            whole = json.dumps(
                {
                    "id": "cut_" + secrets.token_hex(6),
                    "object": "partial",
                    "data": [{"note": "the connection dropped in the middle of this body"}],
                }
            )
            return Response(whole[: len(whole) // 2], 200, media_type="application/json")
        if kind == "badjson":
            return Response("upstream said: OK <not json>", 200, media_type="application/json")
        if kind == "badshape":  # JSON, but none of the fields an answer of any endpoint has
            return {"object": "unexpected", "note": "a gateway answered in a shape of its own"}
        if kind == "html":
            return Response(HTML_PAGE, 502, media_type="text/html")
        if kind == NO_SCHEMA:  # as a server without structured output refuses it
            return error_response(
                request, 400, "response_format is not supported by this model: ask for JSON in the prompt instead."
            )
        if kind == "echo_key":  # as careless gateways do: the credential quoted back in the refusal
            return error_response(request, 401, f"Invalid token: {request.headers.get('authorization', '')}")
        headers = {"Retry-After": "1"} if kind == "429" else None
        return error_response(request, int(kind), FAULT_MESSAGES[kind], headers)

    def require_credits(self, key: str, amount: float) -> None:
        if not self.state.can_pay(key, amount):
            raise self.refusal(dialects.OUT_OF_CREDIT, cost=amount)

    def charge_up_front(self, key: str, amount: float) -> None:
        """Video pays at creation: check and charge in one step."""
        if not self.state.charge_if_possible(key, amount):
            raise self.refusal(dialects.OUT_OF_CREDIT, cost=amount)


def origin(request: Request) -> str:
    """This server's root URL, for the file URLs its answers name."""
    return str(request.base_url).rstrip("/")
