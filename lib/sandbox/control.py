"""The sandbox's control API under /sandbox: keys, speed, dialect, faults, clock and stats, for tests.

Every call needs the header `X-Sandbox-Control: <token>`, the random token the sandbox made at
start. The client's address proves nothing: the app itself calls any base URL a user types, from
loopback, and a proxy in front makes every client look local. The contract is in
lib/sandbox/__init__.py.
"""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Depends, Request

from lib.sandbox.dialects import DIALECTS, REASONING_SHAPES
from lib.sandbox.http import ApiError, json_object
from lib.sandbox.state import FAULT_ENDPOINTS, FAULT_KINDS, SandboxState

TOKEN_HEADER = "X-Sandbox-Control"


def _token_check(token: str):
    """A dependency refusing calls without the token (401) or with another one (403)."""

    def check(request: Request) -> None:
        sent = request.headers.get(TOKEN_HEADER)
        if not sent:
            raise ApiError(401, f"The sandbox control API needs the header '{TOKEN_HEADER}: <token>'.")
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise ApiError(403, "Wrong sandbox control token.")

    return check


async def _control_body(request: Request) -> dict:
    """The JSON body ({} when there is none)."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        raise ApiError(400, "The request body must be JSON.") from None
    return json_object(body)


def control_routes(state: SandboxState, token: str) -> APIRouter:
    router = APIRouter(dependencies=[Depends(_token_check(token))])

    @router.get("/health")
    async def health():
        return {"ok": True}

    @router.post("/keys")
    async def add_key(request: Request):
        body = await _control_body(request)
        credits = body.get("credits", 1000)
        if not isinstance(credits, (int, float)) or credits < 0:
            raise ApiError(400, "credits must be a number >= 0.")
        return {"key": state.add_key(credits, body.get("key") or None)}

    def key_route(key: str, disabled: bool | None) -> dict:
        if disabled is not None and not state.set_disabled(key, disabled):
            raise ApiError(404, "No such key.")
        info = state.key_info(key)
        if info is None:
            raise ApiError(404, "No such key.")
        return info

    @router.get("/keys/{key}")
    async def key_info(key: str):
        return key_route(key, None)

    @router.post("/keys/{key}/disable")
    async def disable(key: str):
        return key_route(key, True)

    @router.post("/keys/{key}/enable")
    async def enable(key: str):
        return key_route(key, False)

    @router.post("/speed")
    async def speed(request: Request):
        body = await _control_body(request)
        for name in ("token_rate", "video_seconds", "image_delay", "hang_seconds"):
            value = body.get(name)
            if value is None:
                continue
            if not isinstance(value, (int, float)) or value < 0:
                raise ApiError(400, f"{name} must be a number >= 0.")
            setattr(state.speed, name, float(value))
        return vars(state.speed)

    def dialect_view() -> dict:
        return {"dialect": state.dialect, "reasoning": state.reasoning_shape or DIALECTS[state.dialect].reasoning_shape}

    @router.get("/dialect")
    async def dialect():
        return dialect_view()

    @router.post("/dialect")
    async def set_dialect(request: Request):
        """The dialect, and where thinking goes (`reasoning`; left out: the dialect's own)."""
        body = await _control_body(request)
        name, shape = body.get("dialect"), body.get("reasoning")
        if not isinstance(name, str) or name not in DIALECTS:
            raise ApiError(400, f"dialect must be one of: {', '.join(DIALECTS)}.")
        if shape is not None and shape not in REASONING_SHAPES:
            raise ApiError(400, f"reasoning must be one of: {', '.join(REASONING_SHAPES)}.")
        state.dialect, state.reasoning_shape = name, shape
        return dialect_view()

    @router.post("/faults")
    async def faults(request: Request):
        body = await _control_body(request)
        endpoint, kind, count = body.get("endpoint"), str(body.get("kind")), body.get("count", 1)
        if endpoint not in FAULT_ENDPOINTS:
            raise ApiError(400, f"endpoint must be one of: {', '.join(FAULT_ENDPOINTS)}.")
        if kind not in FAULT_KINDS:
            raise ApiError(400, f"kind must be one of: {', '.join(FAULT_KINDS)}.")
        if type(count) is not int or count < 1:
            raise ApiError(400, "count must be a positive integer.")
        state.queue_fault(endpoint, kind, count)
        return {"queued": [list(f) for f in state.faults]}

    @router.delete("/faults")
    async def clear_faults():
        state.clear_faults()
        return {"queued": []}

    @router.post("/clock")
    async def clock(request: Request):
        body = await _control_body(request)
        if body.get("reset"):
            state.reset_clock()
            return {"now": state.now(), "offset": state.clock_offset}
        seconds = body.get("advance_seconds", 0)
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ApiError(400, "advance_seconds must be a number >= 0.")
        state.advance_clock(seconds)
        return {"now": state.now(), "offset": state.clock_offset}

    @router.delete("/videos/{task_id}")
    async def delete_video(task_id: str):
        if not state.delete_video_file(task_id):
            raise ApiError(404, "No such video task.")
        return {"deleted": task_id}

    @router.get("/stats")
    async def stats():
        return state.stats()

    @router.post("/stats/reset")
    async def reset_stats():
        state.reset_stats()
        return {"ok": True}

    @router.get("/requests")
    async def recent(n: int = 20):
        return {"requests": state.recent(n)}

    return router
