"""Conversations and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lib.store.rows import Rows, inserted_id, mine
from lib.store.tables import UTCDateTime, created_column, id_column, metadata, updated_column, user_column, utcnow

conversations = sa.Table(
    "conversations",
    metadata,
    id_column(),
    user_column(),
    sa.Column("title", sa.String(500), nullable=False, default=""),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    created_column(),
    updated_column(),
    sa.Column("pinned_at", UTCDateTime),  # set: pinned to the top of the user's list, latest pin first
    sa.Index("ix_conversations_user_updated", "user", "updated_at"),
)

messages = sa.Table(
    "messages",
    metadata,
    id_column(),
    sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    user_column(),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("content", sa.Text, nullable=False, default=""),
    sa.Column("meta", sa.JSON, nullable=False, default=dict),
    created_column(),
    # "the last N messages" is an index range scan backwards from the newest id.
    sa.Index("ix_messages_conversation_id", "conversation_id", "id"),
)


@dataclass
class Conversation:
    id: int
    user: str
    title: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    pinned_at: datetime | None = None


@dataclass
class Message:
    id: int
    conversation_id: int
    user: str
    role: str
    content: str
    meta: dict[str, Any]
    created_at: datetime


class ConversationRecords(Rows):
    """The Store's conversation and message methods."""

    # -- conversations --

    def create_conversation(self, user: str, title: str, settings: dict[str, Any] | None = None) -> Conversation:
        now = utcnow()
        return self._insert(
            Conversation,
            conversations,
            dict(user=user, title=title, settings=settings or {}, created_at=now, updated_at=now),
        )

    def list_conversations(self, user: str, limit: int | None = None) -> list[Conversation]:
        """The user's conversations: the pinned ones first (the latest pin first), then the
        others most recently updated first (with `limit`, that many)."""
        c = conversations.c
        return self._many(
            Conversation,
            conversations,
            c.user == user,
            order_by=[c.pinned_at.is_(None), c.pinned_at.desc(), c.updated_at.desc(), c.id.desc()],
            limit=limit,
        )

    def search_conversations(self, user: str, text: str, limit: int = 20) -> list[tuple[Conversation, str]]:
        """The user's conversations whose title or any message holds `text` (case-insensitive,
        taken literally: no wildcards), most recent first, each with the first message that
        matched ("" when only the title did)."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        c, m = conversations.c, messages.c
        hit = (
            sa.select(m.conversation_id, sa.func.min(m.id).label("first"))
            .where(m.user == user, m.content.ilike(pattern, escape="\\"))
            .group_by(m.conversation_id)
            .subquery()
        )
        stmt = (
            sa.select(c.id, hit.c.first)
            .select_from(conversations.outerjoin(hit, hit.c.conversation_id == c.id))
            .where(c.user == user, sa.or_(c.title.ilike(pattern, escape="\\"), hit.c.first.isnot(None)))
            .order_by(c.updated_at.desc(), c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            found = list(conn.execute(stmt))
            firsts = [row.first for row in found if row.first]
            contents = (
                dict(conn.execute(sa.select(m.id, m.content).where(m.user == user, m.id.in_(firsts))).tuples().all())
                if firsts
                else {}
            )
        by_id = {
            conversation.id: conversation
            for conversation in self._many(
                Conversation, conversations, c.user == user, c.id.in_([row.id for row in found])
            )
        }
        return [(by_id[row.id], contents.get(row.first, "")) for row in found if row.id in by_id]

    def count_conversations(self, user: str) -> int:
        return self._count(conversations, conversations.c.user == user)

    def get_conversation(self, user: str, conversation_id: int) -> Conversation | None:
        return self._one(Conversation, conversations, *mine(conversations, user, conversation_id))

    def rename_conversation(self, user: str, conversation_id: int, title: str) -> bool:
        return self._update(
            conversations, dict(title=title, updated_at=utcnow()), *mine(conversations, user, conversation_id)
        )

    def pin_conversation(self, user: str, conversation_id: int, pinned: bool) -> bool:
        """Pinned to the top of the list, or back in its place by date (its date is not touched)."""
        return self._update(
            conversations, dict(pinned_at=utcnow() if pinned else None), *mine(conversations, user, conversation_id)
        )

    def update_conversation_settings(self, user: str, conversation_id: int, settings: dict[str, Any]) -> bool:
        return self._update(
            conversations, dict(settings=settings, updated_at=utcnow()), *mine(conversations, user, conversation_id)
        )

    def delete_conversation(self, user: str, conversation_id: int) -> bool:
        """Delete the conversation and its messages (explicitly: SQLite may not cascade)."""
        with self.engine.begin() as conn:
            found = conn.execute(
                sa.select(conversations.c.id).where(*mine(conversations, user, conversation_id))
            ).first()
            if found is None:
                return False
            conn.execute(messages.delete().where(messages.c.conversation_id == conversation_id))
            conn.execute(conversations.delete().where(conversations.c.id == conversation_id))
        return True

    # -- messages --

    def add_message(
        self, user: str, conversation_id: int, role: str, content: str, meta: dict[str, Any] | None = None
    ) -> Message | None:
        """Append a message and bump the conversation; None if the conversation is not the user's."""
        now = utcnow()
        with self.engine.begin() as conn:
            bumped = conn.execute(
                conversations.update().where(*mine(conversations, user, conversation_id)).values(updated_at=now)
            ).rowcount
            if not bumped:
                return None
            result = conn.execute(
                messages.insert().values(
                    conversation_id=conversation_id,
                    user=user,
                    role=role,
                    content=content,
                    meta=meta or {},
                    created_at=now,
                )
            )
            new_id = inserted_id(result)
        return self._one(Message, messages, messages.c.id == new_id)

    def update_message(
        self, user: str, message_id: int, content: str | None = None, meta: dict[str, Any] | None = None
    ) -> bool:
        """Replace the content and/or the whole meta dict (e.g. while and after streaming)."""
        values = {k: v for k, v in (("content", content), ("meta", meta)) if v is not None}
        if not values:
            return False
        return self._update(messages, values, *mine(messages, user, message_id))

    def delete_message(self, user: str, message_id: int) -> bool:
        return self._delete(messages, *mine(messages, user, message_id))

    def get_message(self, user: str, message_id: int) -> Message | None:
        return self._one(Message, messages, *mine(messages, user, message_id))

    def list_messages(
        self, user: str, conversation_id: int, limit: int | None = None, since: int | None = None
    ) -> list[Message]:
        """Messages in chronological order; with `limit`, only the last `limit` of them; with
        `since`, only those from the message of that id on."""
        c = messages.c
        where = (c.user == user, c.conversation_id == conversation_id, *(() if since is None else (c.id >= since,)))
        if limit is None:
            return self._many(Message, messages, *where, order_by=[c.id])
        # Newest first through the (conversation_id, id) index, then flip back to chronological.
        return self._many(Message, messages, *where, order_by=[c.id.desc()], limit=limit)[::-1]

    def count_messages(self, user: str, conversation_id: int) -> int:
        c = messages.c
        return self._count(messages, c.user == user, c.conversation_id == conversation_id)
