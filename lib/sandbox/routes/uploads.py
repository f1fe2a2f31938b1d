"""`POST /api/upload.php`: an image as multipart or base64 JSON, kept for 3 days and served
under /files/uploads (lib/sandbox/routes/files.py); the provider's own `{"success"}` shape."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Request

from lib.credits import pricing
from lib.media import imagetypes
from lib.sandbox.http import NOT_JSON, ApiError, json_object
from lib.sandbox.state import Upload
from lib.sandbox.steps import Api, origin

UPLOAD_LIFETIME = timedelta(days=3)
SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving time


def _decode_base64(text) -> bytes:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "image_base64 is required: a data URL or a base64 string.")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "image_base64 is not valid base64.") from None


async def _upload_bytes(request: Request, body) -> bytes:
    if "multipart/form-data" in request.headers.get("content-type", ""):
        form = await request.form(max_part_size=imagetypes.MAX_UPLOAD_BYTES + 1)
        field = form.get("image")
        if field is None or isinstance(field, str):
            raise ApiError(400, "No file: send the image in the multipart field 'image'.")
        return await field.read()
    if body is NOT_JSON:
        raise ApiError(400, "Send multipart/form-data with field 'image', or JSON with 'image_base64'.")
    return _decode_base64(json_object(body).get("image_base64"))


def routes(api: Api) -> APIRouter:
    router, state = APIRouter(), api.state

    @router.post("/upload.php")
    async def upload(request: Request):
        _, body = await api.begin(request, pricing.UPLOAD)
        if kind := api.fault(pricing.UPLOAD):
            return await api.fault_response(request, kind)
        data = await _upload_bytes(request, body)
        if not data:
            raise ApiError(400, "The file is empty.")
        if len(data) > imagetypes.MAX_UPLOAD_BYTES:
            raise ApiError(413, "The file is larger than 10 MB.")
        kind = imagetypes.sniff(data)
        if kind is None:
            raise ApiError(400, "Unsupported file type: only JPG, PNG, GIF and WebP images are accepted.")
        name = f"{secrets.token_hex(8)}.{imagetypes.EXTENSION[kind]}"  # the client's file name is never a path
        expires = state.now() + UPLOAD_LIFETIME.total_seconds()
        state.add_upload(name, Upload(data, imagetypes.MIME[kind], expires))
        expire_at = datetime.fromtimestamp(expires, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "success": True,
            "message": "上传成功",
            "data": {
                "url": f"{origin(request)}/files/uploads/{name}",
                "filename": name,
                "size": len(data),
                "expire_at": expire_at,
            },
        }

    return router
