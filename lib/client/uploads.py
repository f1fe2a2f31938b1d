"""`client.uploads`: an image to the provider's upload endpoint (not under /v1), for a public URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lib import errors
from lib.client._base import APIResource
from lib.client._call import Call
from lib.client.types import UploadResult
from lib.credits import pricing
from lib.media import imagetypes

# The provider stamps `expire_at` without a zone; it is a Chinese service, so Beijing time.
PROVIDER_TZ = ZoneInfo("Asia/Shanghai")


def _parse_expiry(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=PROVIDER_TZ)
    except ValueError:
        return None


class Uploads(APIResource):
    def upload_file(self, data: bytes, filename: str) -> UploadResult:
        mime = imagetypes.mime_of(data) or "application/octet-stream"
        return self._upload(files={"image": (filename, data, mime)})

    def upload_base64(self, image_base64: str, filename: str) -> UploadResult:
        """`image_base64` is a data URL (`data:image/png;base64,...`) or raw base64."""
        return self._upload(json={"image_base64": image_base64, "filename": filename})

    def _upload(self, **kw: Any) -> UploadResult:
        c = self._client
        return c.call("POST", c.upload_url, endpoint=pricing.UPLOAD, read=_uploaded, **kw)


def _uploaded(body: Any, call: Call) -> UploadResult:
    """The upload's answer; `success: false` is a refusal in the server's words (scrubbed of the
    key by the client, since the server may echo it)."""
    if not isinstance(body, dict) or "success" not in body:
        raise errors.MalformedResponseError("upload: no 'success' in the answer")
    if not body["success"]:
        message = str(body.get("message", ""))[: errors.MAX_MESSAGE_CHARS]
        raise errors.BadRequestError(message or "upload refused", status=call.record.status)
    if not isinstance(body.get("data"), dict):
        raise errors.MalformedResponseError("upload: no 'data' in the answer")
    data = body["data"]
    return UploadResult(
        url=str(data.get("url", "")),
        filename=str(data.get("filename", "")),
        size=int(data.get("size") or 0),
        expire_at=_parse_expiry(data.get("expire_at")),
        message=str(body.get("message", "")),
    )
