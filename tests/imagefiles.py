"""Real image files made with Pillow, for the tests of the Images and Upload pages."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (32, 24), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def oversized_png(total: int = 11 * 1024 * 1024) -> bytes:
    """A real PNG header padded to `total` bytes: over the limit, so the size is what refuses it."""
    return image_bytes() + b"\0" * (total - len(image_bytes()))


def pixel_bomb(side: int = 12_000) -> bytes:
    """A PNG of a few kilobytes that decodes to side² pixels (144 million by default): one bit
    each, all black, so it compresses to almost nothing."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    return out.getvalue()
