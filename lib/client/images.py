"""`client.images`: one Gemini image, as checked bytes."""

from __future__ import annotations

from typing import Any

from lib import dialects, errors
from lib.client._base import MB, APIResource
from lib.client._call import Call
from lib.client.types import ImageResult
from lib.credits import pricing
from lib.media import imagetypes


class Images(APIResource):
    def generate(self, prompt: str) -> ImageResult:
        """One Gemini image. The body may carry `b64_json` or a `url`; both give bytes."""
        c = self._client
        return c.call(
            "POST", f"{c.base_url}/gemini/images", endpoint=pricing.IMAGES, json={"prompt": prompt}, read=self._result
        )

    def _result(self, body: Any, call: Call) -> ImageResult:
        """The image of an answer. Charged once the answer names an image (the server charged
        then), even if fetching its URL fails after; not when the answer names none."""
        c = self._client
        data, url = dialects.image_from_body(body, c.max_image_bytes)
        if data is not None and imagetypes.sniff(data) is None:
            raise errors.MalformedResponseError("images: the answer is not a JPEG, PNG, GIF or WebP image")
        call.record.credits = c.credits_for(pricing.IMAGES)
        if data is None:
            assert url is not None  # image_from_body gives one of the two
            data = c.fetch_bytes(url, "image", max_bytes=50 * MB)  # checked as an image there
        mime = imagetypes.mime_of(data)
        if mime is None:  # neither branch lets one through: both checked the bytes above
            raise errors.MalformedResponseError("images: the answer is not a JPEG, PNG, GIF or WebP image")
        return ImageResult(
            data=data, mime=mime, credits=call.record.credits, request_id=call.record.request_id, source_url=url
        )
