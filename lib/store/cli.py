"""Operators' commands for the app's database: `python -m lib.store migrate`, `backup FILE`,
`restore FILE`, `copy --to URL` and, for developers, `python -m lib.store revision MESSAGE`.

Exit codes: 0 done, 1 the database could not be brought up to date (or --check found it
behind), 2 bad input (arguments, a URL that names no database). Errors are one plain line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sqlalchemy as sa

from lib import settings
from lib.settings import SECRETS_FILE
from lib.store.backup import TransferError, backup, copy_database, restore
from lib.store.engine import configured_url, make_engine
from lib.store.failures import described
from lib.store.schema import SchemaTooNewError, new_revision, schema_state, upgrade

OK, FAILED, BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.store", description="Look after Reshi Playground's database.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    migrate = _command(
        commands,
        "migrate",
        "bring the database to this release's schema (the app also does it at start)",
        "Bring the database to this release's schema. Safe to run while other processes start: one "
        "migrates, the others wait. A database from a newer release is refused, never changed.",
    )
    migrate.add_argument("--check", action="store_true", help="change nothing; exit 1 if the database needs upgrading")
    backup = _command(
        commands,
        "backup",
        "copy the whole database into a new SQLite file, while the app runs",
        "A consistent copy of every row in a new SQLite file: SQLite's online backup (what is still "
        "in the WAL included), or PostgreSQL read in one snapshot. Any backup restores into SQLite or PostgreSQL.",
    )
    backup.add_argument("file", type=Path, help="the new backup file (must not exist)")
    restore = _command(
        commands,
        "restore",
        "put a backup's rows into the database",
        "Copy every row of a backup file into the database, brought to this release's schema first "
        "(an older release's backup is upgraded). A database that has rows is refused unless "
        "--replace. Stop the app first, or its users see the rows change.",
    )
    restore.add_argument("file", type=Path, help="a file made by `backup`")
    restore.add_argument("--replace", action="store_true", help="delete the database's rows first")
    copy = _command(
        commands,
        "copy",
        "copy every row to another, empty database (SQLite to PostgreSQL or back)",
        "Copy every row of the database to another one, made or brought to this release's schema; "
        "sequences are set past the copied ids and the row counts of every table are compared. "
        "Then point [store] url at the new database.",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="SQLAlchemy URL of the empty target")
    revision = _command(
        commands,
        "revision",
        "(developers) write the next numbered migration from the models' changes",
        "Write lib/store/migrations/versions/NNNN_<message>.py with what the models changed since "
        "the last revision (autogenerate against a scratch database). Read and trim it before "
        "committing: see docs/ARCHITECTURE.md.",
        store=False,
    )
    revision.add_argument("message", help='what the change is, e.g. "usage source column"')
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
    store: bool = True,
) -> argparse.ArgumentParser:
    """A subcommand; `store`: it takes --store URL."""
    parser = commands.add_parser(name, help=summary, description=description)
    if store:
        parser.add_argument(
            "--store",
            metavar="URL",
            default=None,
            help="SQLAlchemy URL of the database (default: [store] url in "
            ".streamlit/secrets.toml, else data/playground.db)",
        )
    return parser


def shown(url: str) -> str:
    """A URL fit for a terminal: the password masked."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _open(url: str) -> sa.engine.Engine:
    try:
        return make_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise BadInput(f"not a database URL: {exc}") from None


class BadInput(ValueError):
    pass


def migrate(url: str, check: bool) -> int:
    engine = _open(url)
    try:
        if check:
            with engine.connect() as conn:
                state = schema_state(conn)
            print(f"{shown(url)}: revision {state.current or 'none'}, this release's is {state.head}")
            return OK if state.up_to_date else FAILED
        before, after = upgrade(engine)
        if before == after:
            print(f"{shown(url)} is up to date (revision {after})")
        else:
            print(f"{shown(url)} upgraded from revision {before or 'none'} to {after}")
        return OK
    finally:
        engine.dispose()


def _transfer(args: argparse.Namespace) -> int:
    url = args.store or configured_url()
    for given in (url, getattr(args, "to", None)):
        if given:
            _open(given).dispose()  # a URL that names no database is bad input
    if args.command == "backup" and args.file.exists():
        raise BadInput(f"{args.file} exists already: name a new file")
    if args.command == "restore" and not args.file.is_file():
        raise BadInput(f"no backup file at {args.file}")
    progress = _progress if sys.stderr.isatty() else None
    if args.command == "backup":
        counts = backup(url, args.file, progress)
        done = f"backed up {shown(url)} to {args.file}"
    elif args.command == "restore":
        counts = restore(args.file, url, args.replace, progress)
        done = f"restored {args.file} into {shown(url)}"
    else:
        counts = copy_database(url, args.to, on_table=progress)
        done = f"copied {shown(url)} to {shown(args.to)}"
    if progress:
        print(file=sys.stderr)
    print(f"{done}: {sum(counts.values())} rows in {len(counts)} tables, every count checked")
    for name, count in sorted(counts.items()):
        print(f"  {name:<16} {count:>9}")
    return OK


def _progress(table: str, rows: int) -> None:
    """One line on the terminal, rewritten as each table is done."""
    print(f"\r\033[K  copied {table}: {rows} rows", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("backup", "restore", "copy"):
            return _transfer(args)
        if args.command == "revision":
            print(f"wrote {new_revision(args.message)}")
            return OK
        return migrate(args.store or configured_url(), args.check)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except settings.SettingsError as exc:  # [store] url read from a bad secrets.toml
        return settings.print_problems(exc, SECRETS_FILE)
    except (SchemaTooNewError, TransferError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: the database failed: {described(exc)}", file=sys.stderr)
        return FAILED
    except OSError as exc:  # a file that cannot be opened or written
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return FAILED
