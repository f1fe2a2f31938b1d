"""Operators' commands for the app's database: `python -m lib.admin migrate` and, for developers,
`python -m lib.admin revision MESSAGE`.

Exit codes: 0 done, 1 the database could not be brought up to date (or --check found it
behind), 2 bad input (arguments, a URL that names no database). Errors are one plain line.
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from lib.store.engine import make_engine
from lib.store.failures import described
from lib.store.schema import SchemaTooNewError, new_revision, schema_state, upgrade
from lib.users import default_store_url

OK, FAILED, BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.admin", description="Look after Reshi Playground's database.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    migrate = commands.add_parser(
        "migrate", help="bring the database to this release's schema (the app also does it at start)",
        description="Bring the database to this release's schema. Safe to run while other "
                    "processes start: one migrates, the others wait. A database from a newer "
                    "release is refused, never changed.")
    migrate.add_argument("--check", action="store_true",
                         help="change nothing; exit 1 if the database needs upgrading")
    _store_option(migrate)
    revision = commands.add_parser(
        "revision", help="(developers) write the next numbered migration from the models' changes",
        description="Write lib/store/migrations/versions/NNNN_<message>.py with what the models "
                    "changed since the last revision (autogenerate against a scratch database). "
                    "Read and trim it before committing: see docs/ARCHITECTURE.md.")
    revision.add_argument("message", help='what the change is, e.g. "usage source column"')
    return parser


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="URL", default=None,
                        help="SQLAlchemy URL of the database (default: [store] url in "
                             ".streamlit/secrets.toml, else data/playground.db)")


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "revision":
            print(f"wrote {new_revision(args.message)}")
            return OK
        return migrate(args.store or default_store_url(), args.check)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except SchemaTooNewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILED
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: the database failed: {described(exc)}", file=sys.stderr)
        return FAILED
    except OSError as exc:  # a file that cannot be opened or written
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
