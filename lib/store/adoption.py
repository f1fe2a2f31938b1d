"""Giving one user's rows to another: when login is turned on, the work done in single-user mode
(user "local") goes to a real account (`python -m lib.accounts add NAME --adopt-local`).

Every table with a `user` column takes part, in one transaction. A row whose unique key the new
owner already uses (a setting they have set, a video task id, a vote on the same thing) stays
with the old owner rather than overwrite theirs; sign-outs are per account and do not move.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lib.store.rows import Rows
from lib.store.tables import metadata

NOT_MOVED = ("sign_outs",)


class Adoption(Rows):
    def adopt_user_data(self, old: str, new: str) -> dict[str, int]:
        """Move `old`'s rows to `new`; how many rows of each table moved."""
        moved = {}
        with self.engine.begin() as conn:
            for table in metadata.sorted_tables:
                if "user" not in table.c or table.name in NOT_MOVED:
                    continue
                clash = [
                    sa.exists().where(
                        *(other.c[c.name] == table.c[c.name] for c in key if c.name != "user"), other.c.user == new
                    )
                    for key, other in _unique_keys(table)
                ]
                stmt = table.update().where(table.c.user == old, *(sa.not_(c) for c in clash)).values(user=new)
                moved[table.name] = conn.execute(stmt).rowcount
        return {name: count for name, count in moved.items() if count}

    def count_user_rows(self, user: str) -> dict[str, int]:
        """How many rows of each table (that has any) belong to `user`."""
        found = {}
        with self.engine.connect() as conn:
            for table in metadata.sorted_tables:
                if "user" in table.c and table.name not in NOT_MOVED:
                    found[table.name] = conn.execute(
                        sa.select(sa.func.count()).select_from(table).where(table.c.user == user)
                    ).scalar_one()
        return {name: count for name, count in found.items() if count}


def _unique_keys(table: sa.Table) -> list[tuple[list[sa.Column[Any]], sa.FromClause]]:
    """Each unique key (the primary key too) that includes `user`, with an alias to look up a
    row of the new owner under it."""
    keys = [table.primary_key.columns] + [c.columns for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    return [(list(key), table.alias()) for key in keys if "user" in key.keys() and len(key) > 1]  # noqa: SIM118 - a ColumnCollection
