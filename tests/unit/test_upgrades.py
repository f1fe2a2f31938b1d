"""Databases made by earlier releases (tests/fixtures/releases/, made by that folder's
make_release_databases.py from each release's own code) upgrade to this release's schema on
SQLite and PostgreSQL with every row still there, and keep working."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.store import Store
from lib.store.engine import make_engine
from lib.store.schema import differences, head_revision
from lib.store.transfer import reflected
from tests.fixtures.releases import RELEASES, release_database


def every_row(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each table's column names and rows in id order (with `columns`: those tables and columns)."""
    engine = make_engine(url)
    try:
        tables = reflected(engine).tables
        found = {}
        with engine.connect() as conn:
            for name, table in tables.items():
                if name == "alembic_version" or (columns is not None and name not in columns):
                    continue
                names = columns[name] if columns is not None else list(table.c.keys())
                rows = conn.execute(sa.select(*(table.c[c] for c in names)).order_by(*table.primary_key.columns))
                found[name] = (names, [tuple(row) for row in rows])
        return found
    finally:
        engine.dispose()


@pytest.mark.parametrize("release", RELEASES)
def test_a_release_database_upgrades_with_every_row(release, store_url):
    url = release_database(release, store_url)
    before = every_row(url)
    assert sum(len(rows) for _, rows in before.values()) > 30 and len(before["conversations"][1]) == 4

    store = Store(url)
    try:
        # New rows take new ids: on PostgreSQL the copied ids' sequences were moved past them.
        conversation = store.create_conversation("local", "after the upgrade", {})
        store.add_message("local", conversation.id, "user", "still works")
        store.add_usage("local", endpoint="chat", credits=1)
        assert [c.title for c in store.list_conversations("local")][0] == "after the upgrade"
        assert store.get_video_task("local", "task-local-done").prompt == "waves at dusk (done)"
    finally:
        store.dispose()

    after = every_row(url, {name: names for name, (names, _) in before.items()})
    added = {"conversations": 1, "messages": 1, "usage": 1}
    for name, (_, rows) in before.items():
        assert after[name][1][: len(rows)] == rows, f"{release}: rows of {name} changed"
        assert len(after[name][1]) == len(rows) + added.get(name, 0), name

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert differences(conn) == []
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    finally:
        engine.dispose()


def test_the_releases_are_there():
    assert len(RELEASES) >= 3, "the first release, one from the middle, the last before migrations"
