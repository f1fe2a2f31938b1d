"""Workbench runs. A run is the workbench's whole record as JSON (prompt, settings, cases,
results), so a run made by an older version still opens; only what lists and filters runs has
its own column."""
from __future__ import annotations

import sqlalchemy as sa

from lib.store.rows import Rows, mine
from lib.store.tables import created_column, id_column, metadata, updated_column, user_column, utcnow

workbench_runs = sa.Table(
    "workbench_runs", metadata, id_column(), user_column(),
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
_RUN_SUMMARY = ("id", "version", "parent_id", "status", "prompt", "settings", "created_at", "updated_at")


class WorkbenchRuns(Rows):
    """The Store's workbench methods."""

    def add_workbench_run(self, user: str, run: dict, *, version: int = 1, parent_id: int | None = None,
                          status: str = "running") -> int:
        now = utcnow()
        with self.engine.begin() as conn:
            return conn.execute(workbench_runs.insert().values(
                user=user, version=version, parent_id=parent_id, status=status, prompt=run["prompt"],
                settings=run["settings"], cases=run["cases"], results=run.get("results", []),
                created_at=now, updated_at=now)).inserted_primary_key[0]

    def save_workbench_results(self, user: str, run_id: int, results: list[dict], status: str) -> bool:
        return self._update(workbench_runs, dict(results=results, status=status, updated_at=utcnow()),
                            *mine(workbench_runs, user, run_id))

    def touch_workbench_run(self, user: str, run_id: int) -> bool:
        """The run is still going on here: its lease (`updated_at`) renewed."""
        return self._update(workbench_runs, dict(updated_at=utcnow()), *mine(workbench_runs, user, run_id),
                            workbench_runs.c.status == "running")

    def admin_stale_workbench_runs(self, stale_before) -> list[dict]:
        """Every user's runs still "running" whose lease ran out before `stale_before`: their
        process died. Only the app's restart (lib/ui) reads across users, to resume them."""
        stmt = (sa.select(*(workbench_runs.c[name] for name in ("id", "user", "updated_at", "settings")))
                .where(workbench_runs.c.status == "running", workbench_runs.c.updated_at < stale_before)
                .order_by(workbench_runs.c.id))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    def claim_workbench_run(self, user: str, run_id: int, seen_updated_at) -> bool:
        """Take a dead process's run: true for one claimant only (the lease it saw is renewed)."""
        return self._update(workbench_runs, dict(updated_at=utcnow()), *mine(workbench_runs, user, run_id),
                            workbench_runs.c.status == "running", workbench_runs.c.updated_at == seen_updated_at)

    def mark_workbench_run(self, user: str, run_id: int, status: str) -> bool:
        return self._update(workbench_runs, dict(status=status, updated_at=utcnow()),
                            *mine(workbench_runs, user, run_id))

    def get_workbench_run(self, user: str, run_id: int) -> dict | None:
        """The whole run as a dict (prompt, settings, cases, results and the columns), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(workbench_runs).where(*mine(workbench_runs, user, run_id))).first()
        return dict(row._mapping) if row else None

    def list_workbench_runs(self, user: str, limit: int = 100) -> list[dict]:
        """The user's runs, newest first, without their cases and results (they can be large):
        `cells_done` counts the results, `case_count` the cases."""
        stmt = (sa.select(*(workbench_runs.c[name] for name in _RUN_SUMMARY),
                          sa.func.json_array_length(workbench_runs.c.results).label("cells_done"),
                          sa.func.json_array_length(workbench_runs.c.cases).label("case_count"))
                .where(workbench_runs.c.user == user).order_by(workbench_runs.c.id.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    def delete_workbench_run(self, user: str, run_id: int) -> bool:
        return self._delete(workbench_runs, *mine(workbench_runs, user, run_id))
