"""Shares: read-only links to a snapshot.

A share is looked up by the hash of its token, by anyone holding the token (that is the point
of a link); only its owner lists or revokes it. The token itself is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lib.store.rows import Rows, mine
from lib.store.tables import UTCDateTime, created_column, id_column, metadata, user_column, utcnow

shares = sa.Table(
    "shares",
    metadata,
    id_column(),
    user_column(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("payload", sa.JSON, nullable=False, default=dict),
    # The image or video copied into the share, so deleting the original does not empty it.
    sa.Column("media", sa.LargeBinary),
    sa.Column("media_mime", sa.String(255)),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("views", sa.Integer, nullable=False, default=0),
    created_column(),
    sa.Index("ix_shares_user", "user", "id"),
)


@dataclass
class ShareInfo:
    """What the owner's list shows: everything but the snapshot itself."""

    id: int
    user: str
    token_hash: str
    kind: str
    title: str
    note: str
    media_mime: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int
    created_at: datetime


@dataclass
class Share(ShareInfo):
    payload: dict[str, Any]


class ShareRecords(Rows):
    """The Store's share methods."""

    def add_share(
        self,
        user: str,
        *,
        token_hash: str,
        kind: str,
        title: str,
        note: str,
        payload: dict[str, Any],
        media: bytes | None = None,
        media_mime: str | None = None,
        expires_at: datetime | None = None,
    ) -> Share:
        return self._insert(
            Share,
            shares,
            dict(
                user=user,
                token_hash=token_hash,
                kind=kind,
                title=title,
                note=note,
                payload=payload,
                media=media,
                media_mime=media_mime,
                expires_at=expires_at,
                views=0,
                created_at=utcnow(),
            ),
        )

    def share_by_token_hash(self, token_hash: str) -> Share | None:
        """Any user's share: whoever holds the token may read it."""
        return self._one(Share, shares, shares.c.token_hash == token_hash)

    def share_media(self, share_id: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(shares.c.media).where(shares.c.id == share_id)).scalar_one_or_none()

    def count_share_view(self, share_id: int) -> None:
        """One more view, counted in the database so concurrent viewers on any replica all count."""
        self._update(shares, dict(views=shares.c.views + 1), shares.c.id == share_id)

    def list_shares(self, user: str) -> list[ShareInfo]:
        return self._many(ShareInfo, shares, shares.c.user == user, order_by=[shares.c.id.desc()])

    def revoke_share(self, user: str, share_id: int, at: datetime | None = None) -> bool:
        """True when the share is the user's and was live; a revoked share stays revoked."""
        return self._update(
            shares, dict(revoked_at=at or utcnow()), *mine(shares, user, share_id), shares.c.revoked_at.is_(None)
        )
