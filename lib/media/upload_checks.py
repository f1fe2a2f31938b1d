"""Everything the Upload page decides before and after a file goes up. Streamlit-free.

Before: the real type from the bytes (never the name), the 10 MB limit, not empty, at most
`imagetypes.MAX_PIXELS` (a decompression bomb is small on disk), and Pillow must be able to read it; base64 input as a data URL or raw. A refusal is an i18n key plus its
fields, so each file can say why. After: file names shown as given but harmless, the name sent
to the API stripped of path parts, a thumbnail, and the expiry as a countdown.
"""

from __future__ import annotations

import base64
import binascii
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image

from lib import formats
from lib.i18n import t
from lib.media import imagetypes
from lib.safe_text import file_slug

MAX_BYTES = imagetypes.MAX_UPLOAD_BYTES
THUMBNAIL_PIXELS = 256
MAX_NAME_CHARS = 255
_SEND_NAME_STEM_CHARS = 100


@dataclass
class Checked:
    """One candidate file: its name as the user gave it, its bytes, and why it is refused (if so)."""

    name: str
    data: bytes
    kind: str | None = None
    problem: str | None = None
    fields: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def mime(self) -> str:
        return imagetypes.MIME[self.kind or ""]  # an unknown kind is refused before anyone asks

    def reason(self, lang: str) -> str:
        return t(self.problem or "", lang, **self.fields)


def check_image(data: bytes, name: str) -> Checked:
    """Checks cheapest first: a 50 MB file is refused on its size before anyone decodes it."""
    checked = Checked(name=name, data=data, kind=imagetypes.sniff(data))
    if not data:
        checked.problem = "upload.refused_empty"
    elif len(data) > MAX_BYTES:
        checked.problem, checked.fields = "upload.refused_too_big", {"size": megabytes(len(data))}
    elif checked.kind is None:
        checked.problem = "upload.refused_type"
    else:
        checked.problem = _pillow_problem(data)
        checked.fields = {"megapixels": imagetypes.MAX_PIXELS // 1_000_000}
    return checked


def _pillow_problem(data: bytes) -> str | None:
    """Why Pillow will not take the file, if it will not. The pixel count comes from the header,
    so a decompression bomb is refused before anything is decoded."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > imagetypes.MAX_PIXELS:
                return "upload.refused_pixels"
            image.verify()
    except Image.DecompressionBombError:
        return "upload.refused_pixels"
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken files; all mean "unreadable"
        return "upload.refused_unreadable"
    return None


def megabytes(size: int, lang: str = "en") -> str:
    """Decimal megabytes with one decimal, as the file picker shows them (imagetypes.MB)."""
    return formats.number(size / imagetypes.MB, lang, digits=1, fixed=True)


def human_size(size: int, lang: str = "en") -> str:
    """'812 B', '12.6 KB', '1.2 MB' in the picker's decimal units (the units read the same in Chinese)."""
    if size < 1000:
        return f"{size} B"
    if size < imagetypes.MB:
        return f"{formats.number(size / 1000, lang, digits=1, fixed=True)} KB"
    return f"{megabytes(size, lang)} MB"


class Base64Problem(ValueError):
    """Pasted text that is not a base64 image; `key` is the i18n explanation."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def decode_base64(text: str) -> bytes:
    """The bytes of a data URL (`data:image/png;base64,...`) or raw base64, whitespace ignored."""
    payload = text.strip()
    if payload.startswith("data:"):
        header, comma, payload = payload.partition(",")
        if not comma or not header.endswith(";base64"):
            raise Base64Problem("upload.b64_bad_data_url")
    payload = "".join(payload.split())
    if not payload:
        raise Base64Problem("upload.b64_empty")
    payload = payload.replace("-", "+").replace("_", "/")  # URL-safe alphabet too
    try:
        return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise Base64Problem("upload.b64_invalid") from None


def data_url(checked: Checked) -> str:
    """What the API's base64 mode expects, with the type told by the bytes."""
    return f"data:{checked.mime};base64,{base64.b64encode(checked.data).decode()}"


def send_name(name: str, kind: str) -> str:
    """The name sent to the API: no folders, no odd characters, the extension the bytes deserve.

    `../../etc/passwd.png` -> `passwd.png`; `my photo 😀.PNG` -> `my_photo.png`; `照片.jpg` stays.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    stem = file_slug(stem, _SEND_NAME_STEM_CHARS, "_") or "image"
    return f"{stem}.{imagetypes.EXTENSION[kind]}"


def display_name(name: str) -> str:
    """The name as given, minus what could garble a page (control characters), length-capped."""
    shown = "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in name)
    return shown if len(shown) <= MAX_NAME_CHARS else shown[:MAX_NAME_CHARS] + "…"


def thumbnail(data: bytes) -> bytes | None:
    """A small PNG preview kept with the upload record, so the list never refetches the file."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def is_expired(expire_at: datetime | None, now: datetime) -> bool:
    return expire_at is not None and expire_at <= now


def expiry_text(expire_at: datetime | None, now: datetime, lang: str) -> str:
    """'expires in 2 days 23 hr', 'expires in 5 hr 12 min', 'expires in 1 min', 'expired'."""
    if expire_at is None:
        return t("upload.expiry_unknown", lang)
    seconds = (expire_at - now).total_seconds()
    if seconds <= 0:
        return t("upload.expired", lang)
    return t("upload.expires_in", lang, time=formats.duration(seconds, lang))
