"""Workbench runs. A run is the workbench's whole record as JSON (prompt, settings, cases,
results), so a run made by an older version still opens; only what lists and filters runs has
its own column."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, TypedDict

import sqlalchemy as sa

from lib.store.rows import Rows, inserted_id, mine
from lib.store.tables import (
    created_column,
    id_column,
    metadata,
    updated_column,
    user_column,
    utcnow,
)

workbench_runs = sa.Table(
    "workbench_runs",
    metadata,
    id_column(),
    user_column(),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("parent_id", sa.Integer),
    sa.Column("status", sa.String(32), nullable=False, default="running"),
    sa.Column("prompt", sa.JSON, nullable=False, default=dict),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    sa.Column("cases", sa.JSON, nullable=False, default=list),
    sa.Column("results", sa.JSON, nullable=False, default=list),
    created_column(),
    updated_column(),
    sa.Index("ix_workbench_runs_user_id", "user", "id"),
)
# A person's rating of one cell of a run: thumbs up (1) or down (-1) and a note. One per cell,
# changed in place; kept apart from the run's JSON, which a background run rewrites as it goes.
workbench_ratings = sa.Table(
    "workbench_ratings",
    metadata,
    id_column(),
    user_column(),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("case_index", sa.Integer, nullable=False),
    sa.Column("model", sa.String(255), nullable=False),
    sa.Column("repeat", sa.Integer, nullable=False, default=0),
    sa.Column("thumb", sa.Integer, nullable=False, default=0),
    sa.Column("note", sa.Text, nullable=False, default=""),
    updated_column(),
    sa.UniqueConstraint("user", "run_id", "case_index", "model", "repeat", name="uq_workbench_ratings_cell"),
)
# A judged check's verdict, kept per user by its cache key (the SHA-256 of the rubric filled with
# the case, the output and the judge model: lib/workbench/judge.py), so a re-run, another check
# or another process (a restart, a replica) pays for a judgement once.
workbench_judgements = sa.Table(
    "workbench_judgements",
    metadata,
    id_column(),
    user_column(),
    sa.Column("cache_key", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    created_column(),
    sa.UniqueConstraint("user", "cache_key", name="uq_workbench_judgements_user_cache_key"),
)
MAX_NOTE_CHARS = 2000


class CachedVerdict(TypedDict):
    """A judged check's verdict as kept (lib/workbench/judge.py's cache)."""

    score: float
    reason: str


class CellRating(TypedDict):
    """A person's rating of one cell: thumbs up (1), down (-1) or none (0), and a note."""

    thumb: int
    note: str


class StaleRun(TypedDict):
    """A run whose process died (`admin_stale_workbench_runs`): enough to claim and resume it."""

    id: int
    user: str
    updated_at: datetime
    settings: dict[str, Any]


KEYS_PER_QUERY = 500  # within every database's limit of bound parameters
RELEASED_AT = datetime(2000, 1, 1, tzinfo=UTC)  # a given-up lease: older than any lease can last
_RUN_SUMMARY = ("id", "version", "parent_id", "status", "prompt", "settings", "created_at", "updated_at")


class WorkbenchRuns(Rows):
    """The Store's workbench methods."""

    def add_workbench_run(
        self, user: str, run: dict[str, Any], *, version: int = 1, parent_id: int | None = None, status: str = "running"
    ) -> int:
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                workbench_runs.insert().values(
                    user=user,
                    version=version,
                    parent_id=parent_id,
                    status=status,
                    prompt=run["prompt"],
                    settings=run["settings"],
                    cases=run["cases"],
                    results=run.get("results", []),
                    created_at=now,
                    updated_at=now,
                )
            )
            return inserted_id(result)

    def save_workbench_results(self, user: str, run_id: int, results: list[dict[str, Any]], status: str) -> bool:
        return self._update(
            workbench_runs,
            dict(results=results, status=status, updated_at=utcnow()),
            *mine(workbench_runs, user, run_id),
        )

    def touch_workbench_run(self, user: str, run_id: int) -> bool:
        """The run is still going on here: its lease (`updated_at`) renewed."""
        return self._update(
            workbench_runs,
            dict(updated_at=utcnow()),
            *mine(workbench_runs, user, run_id),
            workbench_runs.c.status == "running",
        )

    def release_workbench_run(self, user: str, run_id: int) -> bool:
        """Its process stops cleanly: the lease given up (`updated_at` set long past), so the
        next process to look resumes the run at once."""
        return self._update(
            workbench_runs,
            dict(updated_at=RELEASED_AT),
            *mine(workbench_runs, user, run_id),
            workbench_runs.c.status == "running",
        )

    def admin_stale_workbench_runs(self, stale_before: datetime) -> list[StaleRun]:
        """Every user's runs still "running" whose lease ran out before `stale_before`: their
        process died. Only the app's restart (lib/ui) reads across users, to resume them."""
        stmt = (
            sa.select(*(workbench_runs.c[name] for name in ("id", "user", "updated_at", "settings")))
            .where(workbench_runs.c.status == "running", workbench_runs.c.updated_at < stale_before)
            .order_by(workbench_runs.c.id)
        )
        with self.engine.connect() as conn:
            return [
                StaleRun(id=row.id, user=row.user, updated_at=row.updated_at, settings=row.settings)
                for row in conn.execute(stmt)
            ]

    def claim_workbench_run(self, user: str, run_id: int, seen_updated_at: datetime) -> bool:
        """Take a dead process's run: true for one claimant only (the lease it saw is renewed)."""
        return self._update(
            workbench_runs,
            dict(updated_at=utcnow()),
            *mine(workbench_runs, user, run_id),
            workbench_runs.c.status == "running",
            workbench_runs.c.updated_at == seen_updated_at,
        )

    def mark_workbench_run(self, user: str, run_id: int, status: str) -> bool:
        return self._update(
            workbench_runs, dict(status=status, updated_at=utcnow()), *mine(workbench_runs, user, run_id)
        )

    def get_workbench_run(self, user: str, run_id: int) -> dict[str, Any] | None:
        """The whole run as a dict (prompt, settings, cases, results and the columns), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(workbench_runs).where(*mine(workbench_runs, user, run_id))).first()
        return dict(row._mapping) if row else None

    def list_workbench_runs(self, user: str, limit: int = 100) -> list[dict[str, Any]]:
        """The user's runs, newest first, without their cases and results (they can be large):
        `cells_done` counts the results, `case_count` the cases."""
        stmt = (
            sa.select(
                *(workbench_runs.c[name] for name in _RUN_SUMMARY),
                sa.func.json_array_length(workbench_runs.c.results).label("cells_done"),
                sa.func.json_array_length(workbench_runs.c.cases).label("case_count"),
            )
            .where(workbench_runs.c.user == user)
            .order_by(workbench_runs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    def delete_workbench_run(self, user: str, run_id: int) -> bool:
        with self.engine.begin() as conn:
            conn.execute(
                workbench_ratings.delete().where(workbench_ratings.c.user == user, workbench_ratings.c.run_id == run_id)
            )
        return self._delete(workbench_runs, *mine(workbench_runs, user, run_id))

    def rate_workbench_cell(
        self, user: str, run_id: int, case: int, model: str, repeat: int, thumb: int, note: str
    ) -> bool:
        """Save (or change) the user's rating of a cell of their run; False when the run is not theirs."""
        if self.get_workbench_run(user, run_id) is None:
            return False
        key = dict(user=user, run_id=run_id, case_index=case, model=model, repeat=repeat)
        values = dict(thumb=max(-1, min(1, int(thumb))), note=note[:MAX_NOTE_CHARS], updated_at=utcnow())
        where = [workbench_ratings.c[name] == value for name, value in key.items()]
        with self.engine.begin() as conn:
            if conn.execute(workbench_ratings.update().where(*where).values(**values)).rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(workbench_ratings.insert().values(**key, **values))
                except sa.exc.IntegrityError:  # rated at the same moment elsewhere: change that one
                    conn.execute(workbench_ratings.update().where(*where).values(**values))
        return True

    def workbench_ratings(self, user: str, run_id: int) -> dict[tuple[int, str, int], CellRating]:
        """The user's ratings of a run's cells, by (case, model, repeat): {"thumb", "note"}."""
        stmt = sa.select(workbench_ratings).where(
            workbench_ratings.c.user == user, workbench_ratings.c.run_id == run_id
        )
        with self.engine.connect() as conn:
            return {
                (r.case_index, r.model, r.repeat): CellRating(thumb=r.thumb, note=r.note) for r in conn.execute(stmt)
            }

    def workbench_judgement(self, user: str, cache_key: str) -> CachedVerdict | None:
        """A verdict the user's judge gave before: {"score", "reason"}, or None."""
        stmt = sa.select(workbench_judgements.c.score, workbench_judgements.c.reason).where(
            workbench_judgements.c.user == user, workbench_judgements.c.cache_key == cache_key
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return CachedVerdict(score=row.score, reason=row.reason) if row else None

    def workbench_judged(self, user: str, cache_keys: Collection[str]) -> set[str]:
        """Those of `cache_keys` the user's judge gave a verdict for (a few queries, not one a key)."""
        keys, found = list(cache_keys), set[str]()
        with self.engine.connect() as conn:
            for start in range(0, len(keys), KEYS_PER_QUERY):
                found.update(
                    conn.execute(
                        sa.select(workbench_judgements.c.cache_key).where(
                            workbench_judgements.c.user == user,
                            workbench_judgements.c.cache_key.in_(keys[start : start + KEYS_PER_QUERY]),
                        )
                    ).scalars()
                )
        return found

    def save_workbench_judgement(self, user: str, cache_key: str, score: float, reason: str) -> None:
        """Keep a verdict; one saved at the same moment elsewhere (a replica) is kept instead."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    workbench_judgements.insert().values(
                        user=user, cache_key=cache_key, score=score, reason=reason, created_at=utcnow()
                    )
                )
        except sa.exc.IntegrityError:
            pass
