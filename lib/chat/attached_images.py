"""Images attached to a chat message: what is kept in the message's meta and what is sent.

An attachment is either an upload (`url`, `expire_at`, `upload_id` of the user's upload record,
which holds the thumbnail) or, when the upload failed and the user agreed, the image inline as a
base64 data URL. Uploaded files are deleted by the provider at `expire_at`; after that they are
neither shown nor sent again. Streamlit-free.
"""

from __future__ import annotations

from datetime import datetime

from lib.media.upload_checks import Checked, data_url, is_expired
from lib.store import UploadRecord

FILE_TYPES = ["png", "jpg", "jpeg", "gif", "webp"]


def uploaded(upload: UploadRecord, name: str) -> dict:
    return {
        "name": name,
        "url": upload.url,
        "upload_id": upload.id,
        "expire_at": upload.expire_at.isoformat() if upload.expire_at else None,
    }


def inline(checked: Checked) -> dict:
    return {"name": checked.name, "data_url": data_url(checked)}


def expire_at(attachment: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(attachment["expire_at"]) if attachment.get("expire_at") else None
    except (TypeError, ValueError):
        return None


def is_available(attachment: dict, now: datetime) -> bool:
    """Inline, or uploaded and not yet deleted by the provider."""
    if attachment.get("data_url"):
        return True
    return bool(attachment.get("url")) and not is_expired(expire_at(attachment), now)


def sendable_urls(attachments: list[dict], now: datetime) -> list[str]:
    """What goes into `image_url` parts: inline data URLs, and uploads still alive."""
    return [a.get("data_url") or a["url"] for a in attachments if isinstance(a, dict) and is_available(a, now)]
