"""Generated media (the bytes kept in the database) and the records of uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lib.store.rows import Rows, mine
from lib.store.tables import UTCDateTime, created_column, id_column, metadata, user_column, utcnow

media = sa.Table(
    "media",
    metadata,
    id_column(),
    user_column(),
    sa.Column("kind", sa.String(32), nullable=False, default="image"),
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("mime", sa.String(255), nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("meta", sa.JSON, nullable=False, default=dict),
    created_column(),
    sa.Index("ix_media_user_kind", "user", "kind", "id"),
)

uploads = sa.Table(
    "uploads",
    metadata,
    id_column(),
    user_column(),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("stored_filename", sa.String(1000)),
    sa.Column("original_filename", sa.String(1000)),
    sa.Column("size", sa.BigInteger),
    sa.Column("mime", sa.String(255)),
    sa.Column("expire_at", UTCDateTime),
    sa.Column("thumbnail", sa.LargeBinary),
    created_column(),
    sa.Index("ix_uploads_user", "user", "id"),
)


@dataclass
class Media:
    id: int
    user: str
    kind: str
    prompt: str
    mime: str
    width: int | None
    height: int | None
    credits: float
    meta: dict[str, Any]
    created_at: datetime


@dataclass
class UploadRecord:
    """A file the user uploaded to the API's file host, as the store remembers it."""

    id: int
    user: str
    url: str
    stored_filename: str | None
    original_filename: str | None
    size: int | None
    mime: str | None
    expire_at: datetime | None
    thumbnail: bytes | None
    created_at: datetime


class MediaRecords(Rows):
    """The Store's media and upload methods."""

    # -- generated media --

    def add_media(
        self,
        user: str,
        *,
        data: bytes,
        mime: str,
        prompt: str = "",
        kind: str = "image",
        width: int | None = None,
        height: int | None = None,
        credits: float = 0.0,
        meta: dict[str, Any] | None = None,
    ) -> Media:
        return self._insert(
            Media,
            media,
            dict(
                user=user,
                kind=kind,
                prompt=prompt,
                data=data,
                mime=mime,
                width=width,
                height=height,
                credits=credits,
                meta=meta or {},
                created_at=utcnow(),
            ),
        )

    def list_media(self, user: str, kind: str = "image", limit: int | None = None) -> list[Media]:
        """Newest first, without the bytes (a gallery must not load every image)."""
        c = media.c
        return self._many(Media, media, c.user == user, c.kind == kind, order_by=[c.id.desc()], limit=limit)

    def get_media_bytes(self, user: str, media_id: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(media.c.data).where(*mine(media, user, media_id))).scalar_one_or_none()

    def delete_media(self, user: str, media_id: int) -> bool:
        return self._delete(media, *mine(media, user, media_id))

    def update_media_meta(self, user: str, media_id: int, meta: dict[str, Any]) -> bool:
        """Replace the whole meta dict (e.g. to remember the link an image was uploaded to)."""
        return self._update(media, dict(meta=meta), *mine(media, user, media_id))

    def count_media(self, user: str, kind: str = "image") -> int:
        c = media.c
        return self._count(media, c.user == user, c.kind == kind)

    # -- uploads --

    def add_upload(
        self,
        user: str,
        *,
        url: str,
        stored_filename: str | None = None,
        original_filename: str | None = None,
        size: int | None = None,
        mime: str | None = None,
        expire_at: datetime | None = None,
        thumbnail: bytes | None = None,
    ) -> UploadRecord:
        return self._insert(
            UploadRecord,
            uploads,
            dict(
                user=user,
                url=url,
                stored_filename=stored_filename,
                original_filename=original_filename,
                size=size,
                mime=mime,
                expire_at=expire_at,
                thumbnail=thumbnail,
                created_at=utcnow(),
            ),
        )

    def list_uploads(self, user: str) -> list[UploadRecord]:
        return self._many(UploadRecord, uploads, uploads.c.user == user, order_by=[uploads.c.id.desc()])

    def get_upload(self, user: str, upload_id: int) -> UploadRecord | None:
        return self._one(UploadRecord, uploads, *mine(uploads, user, upload_id))

    def delete_upload(self, user: str, upload_id: int) -> bool:
        return self._delete(uploads, *mine(uploads, user, upload_id))
