"""Schema migrations (lib/store/schema.py, lib/store/migrations/), on SQLite and PostgreSQL:
a new database and one made before migrations both end at the models' schema, a newer
release's database is refused untouched, replicas starting together do not race, and a model
change without a revision fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lib.store import Store
from lib.store.engine import PROJECT_ROOT, make_engine
from lib.store.schema import (
    MIGRATIONS_DIR,
    SchemaTooNewError,
    differences,
    head_revision,
    upgrade,
)
from lib.store.tables import metadata

A = "alice"
VIDEO_TASK_COLUMNS_ADDED_LATER = ("connection", "video_media_id", "poster_media_id")


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return differences(conn)
    finally:
        engine.dispose()


def admin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.store", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


def test_every_model_change_has_a_revision(store_url):
    """Fails when a table, column, type or index in lib/store changes with no revision: add one
    with `python -m lib.store revision "what changed"` (docs/ARCHITECTURE.md)."""
    Store(store_url).dispose()
    assert revision_of(store_url) == head_revision()
    assert schema_differences(store_url) == []


def test_revisions_are_one_numbered_chain():
    files = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    numbers = [name[:4] for name in files]
    assert numbers == [f"{n:04d}" for n in range(1, len(files) + 1)], files
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", name) for name in files), files
    for previous, name in zip([None, *numbers], files):
        text = (MIGRATIONS_DIR / "versions" / name).read_text()
        assert f"revision = {name[:4]!r}" in text.replace('"', "'"), name
        assert f"down_revision = {previous!r}" in text.replace('"', "'"), name
    assert head_revision() == numbers[-1]


# Columns that revisions after the baseline add: a database from before migrations lacks them.
COLUMNS_ADDED_BY_LATER_REVISIONS = (
    ("usage", "reasoning_tokens"),
    ("usage", "source"),
    ("usage", "connection"),
    ("conversations", "pinned_at"),
)
# Tables that revisions after the baseline add (0004, the prompt library; 0005, Workbench ratings).
TABLES_OF_LATER_REVISIONS = ("prompts", "prompt_versions", "workbench_ratings", "workbench_judgements", "quota_holds")


def make_pre_migration_database(url: str) -> None:
    """A database as `create_all` of an older release left it: no alembic_version, no shares
    table yet, video_tasks without the columns added by hand later; one row in it."""
    engine = make_engine(url)
    try:
        metadata.create_all(
            engine, tables=[t for t in metadata.sorted_tables if t.name not in ("shares", *TABLES_OF_LATER_REVISIONS)]
        )
        with engine.begin() as conn:
            for column in VIDEO_TASK_COLUMNS_ADDED_LATER:
                conn.execute(sa.text(f"ALTER TABLE video_tasks DROP COLUMN {column}"))
            for table, column in COLUMNS_ADDED_BY_LATER_REVISIONS:  # today's models have them; that release did not
                conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            conn.execute(
                sa.text(
                    'INSERT INTO video_tasks ("user", task_id, prompt, model, duration, aspect_ratio, status, '
                    "credits, refunded, poll_errors, hidden, created_at, updated_at) VALUES ('alice', 'old', "
                    "'made before', 'sora-2', 5, '16:9', 'queued', 15, false, 0, false, :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
    finally:
        engine.dispose()


def test_a_database_from_before_migrations_is_completed_and_stamped(store_url):
    make_pre_migration_database(store_url)
    assert admin("migrate", "--check", "--store", store_url).returncode == 1, "behind: check fails"

    store = Store(store_url)
    try:
        old = store.get_video_task(A, "old")
        assert (old.prompt, old.connection, old.video_media_id) == ("made before", None, None)
        assert store.keep_task_video(A, "old", b"video", "video/mp4")
        assert store.add_video_task(A, "new", "p", "sora-2", 5, "16:9", connection="c0ffee").connection == "c0ffee"
        assert store.list_shares(A) == []  # the table that release lacked
    finally:
        store.dispose()
    assert revision_of(store_url) == head_revision()
    assert schema_differences(store_url) == []
    result = admin("migrate", "--store", store_url)
    assert (result.returncode, result.stdout.strip()) == (0, f"{store_url} is up to date (revision {head_revision()})")


def test_a_database_from_a_newer_release_is_refused_untouched(store_url):
    Store(store_url).dispose()
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(SchemaTooNewError, match="newer release"):
        Store(store_url)
    result = admin("migrate", "--store", store_url)
    assert result.returncode == 1
    assert result.stderr.startswith("error: this database has schema revision 9999, made by a newer release")
    assert "Traceback" not in result.stderr
    assert revision_of(store_url) == "9999"


def test_replicas_starting_together_migrate_once(store_url):
    """Four processes upgrade one new database at once: all succeed (without the lock, the
    losers fail creating tables that the winner has just made)."""
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "lib.store", "migrate", "--store", store_url],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in starts]
    assert [code for code, _, _ in outcomes] == [0, 0, 0, 0], outcomes
    upgraded = [out for _, out, _ in outcomes if "upgraded from revision none" in out]
    assert len(upgraded) == 1, outcomes
    assert schema_differences(store_url) == []


def test_upgrade_is_a_single_read_when_up_to_date(store_url):
    engine = make_engine(store_url)
    statements: list[str] = []
    try:
        upgrade(engine)
        sa.event.listen(
            engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement)
        )
        assert upgrade(engine) == (head_revision(), head_revision())
    finally:
        engine.dispose()
    assert not any(s.lstrip().upper().startswith(("CREATE", "ALTER", "INSERT", "UPDATE")) for s in statements)


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--help"], 0, "migrate"),
        (["migrate", "--help"], 0, "--check"),
        (["migrate", "--store", "nope://x"], 2, "error: not a database URL"),
        (["frobnicate"], 2, "invalid choice"),
        (
            ["migrate", "--store", "sqlite:////no/such/dir/x.db"],
            1,
            "error: No such file or directory: /no/such/dir/x.db",
        ),
    ],
)
def test_admin_command_line(args, code, words):
    result = admin(*args)
    assert result.returncode == code
    assert words in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_admin_never_prints_a_password():
    result = admin("migrate", "--check", "--store", "postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    assert result.returncode == 1 and "s3cret" not in result.stdout + result.stderr
