"""Video tasks: what the app remembers of each task it started, to poll it, show it and refund it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lib.media.video_status import COMPLETED, FAILED, FINISHED, QUEUED, RUNNING
from lib.store.media import media
from lib.store.rows import Rows, inserted_id
from lib.store.tables import UTCDateTime, created_column, id_column, metadata, updated_column, user_column, utcnow

VIDEO_STATUSES = (QUEUED, RUNNING, COMPLETED, FAILED)

video_tasks = sa.Table(
    "video_tasks",
    metadata,
    id_column(),
    user_column(),
    sa.Column("task_id", sa.String(255), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("model", sa.String(255)),
    sa.Column("duration", sa.Integer),
    sa.Column("aspect_ratio", sa.String(32)),
    sa.Column("status", sa.String(32), nullable=False, default=QUEUED),
    sa.Column("raw_status", sa.String(255)),
    sa.Column("progress", sa.Float),
    sa.Column("video_url", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("credits", sa.Float, nullable=False, default=0.0),
    sa.Column("refunded", sa.Boolean, nullable=False, default=False),
    created_column(),
    updated_column(),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("last_polled_at", UTCDateTime),
    sa.Column("poll_errors", sa.Integer, nullable=False, default=0),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    # Which connection made the task (lib.media.videos.connection_fingerprint, never a key): it is
    # polled on that one only. NULL in rows from before the column existed.
    sa.Column("connection", sa.String(64)),
    # Our own copy of the finished video and its poster frame, as rows of `media` (NULL until
    # kept): the provider's URL expires, the copy does not.
    sa.Column("video_media_id", sa.Integer),
    sa.Column("poster_media_id", sa.Integer),
    sa.UniqueConstraint("user", "task_id", name="uq_video_tasks_user_task"),
)

_UPDATABLE = {c.name for c in video_tasks.c} - {"id", "user", "task_id", "updated_at"}


@dataclass
class VideoTaskRecord:
    """A video task as the store keeps it (lib.client.VideoTask is what the API answers)."""

    id: int
    user: str
    task_id: str
    prompt: str
    model: str | None
    duration: int | None
    aspect_ratio: str | None
    status: str
    raw_status: str | None
    progress: float | None
    video_url: str | None
    error: str | None
    credits: float
    refunded: bool
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    last_polled_at: datetime | None
    poll_errors: int
    hidden: bool
    connection: str | None
    video_media_id: int | None
    poster_media_id: int | None


def _task(user: str, task_id: str) -> tuple[sa.ColumnElement[bool], ...]:
    return video_tasks.c.user == user, video_tasks.c.task_id == task_id


class VideoTaskRecords(Rows):
    """The Store's video task methods."""

    def add_video_task(
        self,
        user: str,
        task_id: str,
        prompt: str,
        model: str | None,
        duration: int | None,
        aspect_ratio: str | None,
        credits: float = 0.0,
        connection: str | None = None,
    ) -> VideoTaskRecord:
        now = utcnow()
        return self._insert(
            VideoTaskRecord,
            video_tasks,
            dict(
                user=user,
                task_id=task_id,
                prompt=prompt,
                model=model,
                duration=duration,
                aspect_ratio=aspect_ratio,
                credits=credits,
                status=QUEUED,
                created_at=now,
                updated_at=now,
                connection=connection,
            ),
        )

    def get_video_task(self, user: str, task_id: str) -> VideoTaskRecord | None:
        return self._one(VideoTaskRecord, video_tasks, *_task(user, task_id))

    def update_video_task(self, user: str, task_id: str, **fields: Any) -> VideoTaskRecord | None:
        """Change any task columns; sets updated_at, and finished_at when it first finishes."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable video task fields: {sorted(unknown)}")
        status = fields.get("status")
        if status is not None and status not in VIDEO_STATUSES:
            raise ValueError(f"status {status!r} is not one of {VIDEO_STATUSES}")
        now = utcnow()
        with self.engine.begin() as conn:
            if not conn.execute(
                video_tasks.update().where(*_task(user, task_id)).values(**fields, updated_at=now)
            ).rowcount:
                return None
            if status in FINISHED and "finished_at" not in fields:
                conn.execute(
                    video_tasks.update()
                    .where(*_task(user, task_id), video_tasks.c.finished_at.is_(None))
                    .values(finished_at=now)
                )
        return self.get_video_task(user, task_id)

    def list_video_tasks(self, user: str, include_hidden: bool = False) -> list[VideoTaskRecord]:
        c = video_tasks.c
        where = [c.user == user] + ([] if include_hidden else [c.hidden.is_(False)])
        return self._many(VideoTaskRecord, video_tasks, *where, order_by=[c.id.desc()])

    def unfinished_video_tasks(self, user: str) -> list[VideoTaskRecord]:
        """Tasks still to poll, hidden ones included: a hidden task may yet fail and need a refund."""
        c = video_tasks.c
        return self._many(
            VideoTaskRecord, video_tasks, c.user == user, c.status.not_in(FINISHED), order_by=[c.id.desc()]
        )

    def hide_video_task(self, user: str, task_id: str, hidden: bool = True) -> bool:
        """Take the task off the list (or, with `hidden=False`, put it back: the undo)."""
        return self._update(video_tasks, dict(hidden=hidden, updated_at=utcnow()), *_task(user, task_id))

    # The one place video bytes are written and read: moving them to object storage means
    # changing these two methods (store the object's key in `media` instead of the bytes).

    def keep_task_video(self, user: str, task_id: str, video: bytes, mime: str, poster: bytes | None = None) -> bool:
        """Store the finished task's video (and its JPEG poster frame) as media rows of the
        user. Once per task: True for the one caller that stored it; another tab or replica
        that downloaded it at the same moment stores nothing (its rows are rolled back)."""
        task = self.get_video_task(user, task_id)
        if task is None or task.video_media_id is not None:
            return False
        now, prompt = utcnow(), task.prompt
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    media.insert().values(
                        user=user,
                        kind="video",
                        prompt=prompt,
                        data=video,
                        mime=mime,
                        meta={"task_id": task_id},
                        created_at=now,
                    )
                )
                video_id = inserted_id(result)
                poster_id: int | None = None
                if poster is not None:
                    result = conn.execute(
                        media.insert().values(
                            user=user,
                            kind="video_poster",
                            prompt=prompt,
                            data=poster,
                            mime="image/jpeg",
                            meta={"task_id": task_id},
                            created_at=now,
                        )
                    )
                    poster_id = inserted_id(result)
                claimed = conn.execute(
                    video_tasks.update()
                    .where(*_task(user, task_id), video_tasks.c.video_media_id.is_(None))
                    .values(video_media_id=video_id, poster_media_id=poster_id, updated_at=now)
                ).rowcount
                if not claimed:
                    raise _AlreadyKept
        except _AlreadyKept:
            return False
        return True

    def task_video_bytes(self, user: str, task_id: str) -> bytes | None:
        """The kept video of the user's task, or None when none is kept."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(media.c.data)
                .join_from(video_tasks, media, media.c.id == video_tasks.c.video_media_id)
                .where(*_task(user, task_id), media.c.user == user)
            ).scalar_one_or_none()

    def claim_video_refund(self, user: str, task_id: str) -> bool:
        """Mark the task refunded; True only for the one caller that flipped it, so two tabs
        polling the same failed task record its refund once."""
        return self._update(
            video_tasks,
            dict(refunded=True, updated_at=utcnow()),
            *_task(user, task_id),
            video_tasks.c.refunded.is_(False),
        )


class _AlreadyKept(Exception):
    """Raised inside keep_task_video's transaction to roll back a copy another caller beat."""
