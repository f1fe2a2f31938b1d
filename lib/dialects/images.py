"""Image answers: the first image's bytes (base64) or its URL, or the filter's silence."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from lib import errors
from lib.dialects._values import is_http_url, is_text
from lib.dialects.envelopes import unwrap_envelope
from lib.jsonpaths import Path, dig, first

_IMAGE_LIST_PATH: Path = ("data",)
_IMAGE_B64_PATHS: tuple[Path, ...] = (("data", 0, "b64_json"), ("data", 0, "b64"))
_IMAGE_URL_PATHS: tuple[Path, ...] = (("data", 0, "url"),)


def image_from_body(body: Any, max_bytes: float = math.inf) -> tuple[bytes | None, str | None]:
    """The first image of an answer: its decoded bytes, or else its URL (one of the two is set).

    `b64_json` carries no type (OpenAI's images API and the provider's Gemini route): the bytes
    tell PNG from JPEG (lib.media.imagetypes), never a declared type. A `data:` prefix is dropped.
    An empty `data` list is a safety filter's silence (OpenAI and Gemini relays drop filtered
    images and answer 200): ContentFilteredError. An image over `max_bytes` is refused on the
    length of its text, before anything is decoded.
    """
    body = unwrap_envelope(body)
    if dig(body, _IMAGE_LIST_PATH) == []:
        raise errors.ContentFilteredError("images: the answer holds no image")
    encoded = first(body, _IMAGE_B64_PATHS, is_text)[1]
    if encoded:
        return _decode_base64(encoded, max_bytes), None
    url = first(body, _IMAGE_URL_PATHS, is_http_url)[1]
    if url:
        return None, url
    raise errors.MalformedResponseError("images: neither b64_json nor url in data[0]")


def _decode_base64(encoded: str, max_bytes: float) -> bytes:
    payload = encoded.split(",", 1)[1] if encoded.startswith("data:") else encoded
    if len(payload) > max_bytes * 4 / 3 + 4:  # base64: 4 characters for every 3 bytes
        raise errors.ResponseTooLargeError(f"images: b64_json image larger than {max_bytes:.0f} bytes")
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        raise errors.MalformedResponseError("images: b64_json is not base64") from None
