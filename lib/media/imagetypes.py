"""Image types told from the bytes, never from a file name.

The API accepts JPG, PNG, GIF and WebP; the same check guards the sandbox, the Upload page
and chat attachments.
"""

from __future__ import annotations

from PIL import Image

# Decimal megabytes, as Streamlit's file picker counts, shows and enforces sizes (except on
# Windows): a picked file of 12.0MB is refused here as 12.0 MB, never as "11.4 MB". The API's
# "at most 10 MB" read this way is also within 10 MiB; the Streamlit server's own cap
# (server.maxUploadSize, in MiB) is a little above it, so our refusal is the one users see.
MB = 1000 * 1000
MAX_UPLOAD_MB = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * MB
# What the image pickers (and server.maxUploadSize) take: above the API's limit, so that a file
# of 12 MB reaches the checks and is reported with its reason in the user's language; the
# browser's own refusal, in Streamlit's English and only as a hover text, is left for the
# absurd (issue 31). A picked file is held in memory until the tab closes, so not unbounded.
PICKER_CEILING_MB = 50
# A few kilobytes of PNG can decode to gigabytes. Pillow refuses (DecompressionBombError) past
# twice this bound on every Image.open in the app; the upload checks refuse past it outright.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_MAGIC = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
MIME = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
EXTENSION = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}


def sniff(data: bytes) -> str | None:
    """'jpeg', 'png', 'gif' or 'webp' when the bytes start like one, else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def mime_of(data: bytes) -> str | None:
    kind = sniff(data)
    return MIME[kind] if kind else None
