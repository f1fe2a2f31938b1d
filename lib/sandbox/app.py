"""The sandbox's HTTP surface: the reshi123 API under /api/v1, upload.php, served files under
/files and the control API under /sandbox. See lib/sandbox/__init__.py for the contract.

The routes are one module per resource in lib/sandbox/routes/; every API handler runs the
shared steps of lib/sandbox/steps.py (authenticate, read and record, fault, credits) before
its work, and charges last, so a failed call never costs anything.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request

from lib.sandbox import media
from lib.sandbox.control import control_routes
from lib.sandbox.http import ApiError, api_error_handler, error_response
from lib.sandbox.routes import billing, chat, files, images, models, uploads, videos
from lib.sandbox.state import SandboxState
from lib.sandbox.steps import Api

# Room for a 10 MB image as base64 JSON, or a chat carrying a few, with a margin.
MAX_BODY_BYTES = 32 * 1024 * 1024
BODY_TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."


class RequestIdMiddleware:
    """Adds `x-request-id` to every response, as the real gateway does (plain ASGI, so
    streamed responses are not buffered)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                request_id = "req_" + secrets.token_hex(12)
                message["headers"] = list(message.get("headers", [])) + [(b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuses a body over MAX_BODY_BYTES with 413: by its Content-Length before a byte of it is
    read, and a chunked one as soon as what was read passes the cap."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if int(dict(scope["headers"]).get(b"content-length", b"0")) > MAX_BODY_BYTES:
            response = error_response(Request(scope), 413, BODY_TOO_LARGE)
            return await response(scope, receive, send)
        received = 0

        async def capped_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise ApiError(413, BODY_TOO_LARGE)
            return message

        await self.app(scope, capped_receive, send)


def create_app(state: SandboxState, video_cache: media.VideoCache, control_token: str | None) -> FastAPI:
    """The whole server; the control API only with a token (without one, /sandbox/* is 404)."""
    app = FastAPI(title="reshi123 sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    # Starlette types a handler as taking any Exception; this one is registered for ApiError only.
    app.add_exception_handler(ApiError, api_error_handler)  # type: ignore[arg-type]
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    api = Api(state)
    for router in (
        models.routes(api),
        billing.routes(api),
        chat.routes(api),
        images.routes(api),
        videos.routes(api, video_cache),
    ):
        app.include_router(router, prefix="/api/v1")
    app.include_router(uploads.routes(api), prefix="/api")
    app.include_router(files.routes(state, video_cache), prefix="/files")
    if control_token:
        app.include_router(control_routes(state, control_token), prefix="/sandbox")
    return app
