"""What every sandbox route shares: the error type, both error body shapes, JSON bodies."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    402: ("insufficient_quota", "insufficient_credits"),
    403: ("permission_error", "key_disabled"),
    404: ("invalid_request_error", "not_found"),
    413: ("invalid_request_error", "too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    504: ("timeout_error", "gateway_timeout"),
}


class ApiError(Exception):
    """An error answer. `error_type` and `code` override ERROR_TYPES' pair for its status: a
    dialect's refusals name their own (lib/sandbox/dialects.py)."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict | None = None,
        error_type: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers
        self.error_type, self.code = error_type, code


def _is_upload(request: Request) -> bool:
    return request.url.path.endswith("/upload.php")


def error_response(
    request: Request,
    status: int,
    message: str,
    headers: dict | None = None,
    words: tuple[str, str | None] | None = None,
) -> JSONResponse:
    """OpenAI-style for the API, upload.php's own `{"success": false}` shape for uploads.
    `words` is the (type, code) pair, by default the status's in ERROR_TYPES."""
    if _is_upload(request):
        return JSONResponse({"success": False, "message": message}, status, headers=headers)
    kind, code = words or ERROR_TYPES.get(status, ("server_error", "server_error"))
    body = {"error": {"message": message, "type": kind, "code": code}}
    return JSONResponse(body, status, headers=headers)


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    words = (exc.error_type, exc.code) if exc.error_type else None
    return error_response(request, exc.status, exc.message, exc.headers, words)


NOT_JSON = object()


def json_object(body) -> dict:
    if body is NOT_JSON or not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body
