"""`client.images`: one Gemini image, as checked bytes."""
from __future__ import annotations

from typing import Any

from lib import dialects, errors, imagetypes, pricing
from lib.client._base import MB, APIResource
from lib.client.types import ImageResult


class Images(APIResource):
    def generate(self, prompt: str) -> ImageResult:
        """One Gemini image. The body may carry `b64_json` or a `url`; both give bytes."""
        c = self._client
        charge = c.credits_for(pricing.IMAGES)
        body, record = c.call("POST", f"{c.base_url}/gemini/images", endpoint=pricing.IMAGES,
                              charge=charge, json={"prompt": prompt})
        try:
            data, url = self._image_bytes(body)
        except errors.ReshiError as exc:
            record.error_kind = exc.kind
            c.report(record)
            raise
        c.report(record)
        return ImageResult(data=data, mime=imagetypes.mime_of(data), credits=charge,
                           request_id=record.request_id, source_url=url)

    def _image_bytes(self, body: Any) -> tuple[bytes, str | None]:
        data, url = dialects.image_from_body(body, self._client.max_image_bytes)
        if data is None:
            data = self._client.fetch_bytes(url, "image", max_bytes=50 * MB)
        if imagetypes.sniff(data) is None:
            raise errors.MalformedResponseError("images: the answer is not a JPEG, PNG, GIF or WebP image")
        return data, url
