"""Sending a checked image to the upload endpoint and keeping the result in the user's list.

Used by the Upload page (files and base64) and by the Images gallery's "upload to get a link".
Streamlit-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib import errors
from lib.client import ReshiClient
from lib.media.upload_checks import Checked, data_url, send_name, thumbnail
from lib.store import Store, UploadRecord


@dataclass
class Outcome:
    """What became of one file: uploaded, refused before sending (why), or failed at the API."""

    checked: Checked
    upload: UploadRecord | None = None
    error: errors.ReshiError | None = None


def send(client: ReshiClient, store: Store, user: str, checked: Checked, *, as_base64: bool = False) -> UploadRecord:
    """Upload one file that passed the checks; raises the client's typed errors."""
    if checked.kind is None:
        raise ValueError("only an image that passed the checks is sent")
    name = send_name(checked.name, checked.kind)
    if as_base64:
        result = client.uploads.upload_base64(data_url(checked), name)
    else:
        result = client.uploads.upload_file(checked.data, name)
    return store.add_upload(
        user,
        url=result.url,
        stored_filename=result.filename,
        original_filename=checked.name,
        size=result.size or len(checked.data),
        mime=checked.mime,
        expire_at=result.expire_at,
        thumbnail=thumbnail(checked.data),
    )
