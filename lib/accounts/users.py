"""The users file: who may log in, in the YAML layout streamlit-authenticator 0.4.x reads.

    credentials:
      usernames:
        alice: {name: Alice, password: <bcrypt hash>, email: a@x, roles: [admin],
                failed_login_attempts: 0, logged_in: false}

Command line (the password never appears in argv or shell history):

    python -m lib.accounts [--file PATH] add USERNAME --name "Full Name" [--admin] [--email E] --password-stdin
    python -m lib.accounts [--file PATH] list
    python -m lib.accounts [--file PATH] remove USERNAME
    python -m lib.accounts [--file PATH] quota (USERNAME | --default) --daily N --monthly N   (0: no limit)

The default file is `[auth] users_file` from .streamlit/secrets.toml, else data/users.yaml.
Removing a user, or replacing one (a new password), also signs them out everywhere in the app's
database (`[store] url`, or --store URL): their login cookies stop working at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import bcrypt
import yaml

from lib import settings
from lib.settings import PROJECT_ROOT, SECRETS_FILE

if TYPE_CHECKING:
    from lib.store import Store

LOCAL_USER = "local"  # who everything belongs to in single-user mode (no login configured)

FALLBACK_USERS_FILE = PROJECT_ROOT / "data" / "users.yaml"
ADMIN = "admin"


def default_users_file() -> Path:
    """`[auth] users_file` from secrets.toml (relative to the project root), else data/users.yaml.
    Raises SettingsError when the file holds a bad setting."""
    auth = settings.from_file(SECRETS_FILE).auth
    return auth.users_file if auth else FALLBACK_USERS_FILE


def default_store_url() -> str:
    """The database the commands write to without --store (`lib.store.engine.configured_url`)."""
    from lib.store.engine import configured_url  # see _store: only the commands that write the database need it

    return configured_url()


def load_users(path: str | Path) -> dict:
    """The whole file as a dict; an empty layout if the file does not exist yet."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    data = data or {}
    data.setdefault("credentials", {})
    if not data["credentials"].get("usernames"):
        data["credentials"]["usernames"] = {}
    return data


def save_users(path: str | Path, data: dict) -> None:
    """Write atomically (temp file + rename) with mode 0600: the file holds password hashes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp already made it 0600
            yaml.safe_dump(data, fh, sort_keys=False, allow_unicode=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def normalize_username(username: str) -> str:
    """streamlit-authenticator lowercases usernames when it loads them, so store them lowercased."""
    username = username.strip().lower()
    if not username:
        raise ValueError("username must not be empty")
    if username == "*":
        raise ValueError("'*' is reserved (everyone's default quota)")
    return username


def hash_password(password: str) -> str:
    """A bcrypt hash, the same format as streamlit_authenticator.Hasher.hash."""
    if not password:
        raise ValueError("password must not be empty")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def add_user(
    path: str | Path,
    username: str,
    name: str,
    password: str,
    *,
    admin: bool = False,
    email: str | None = None,
    replace: bool = False,
) -> None:
    """Add a user (or, with replace=True, overwrite one) and save the file."""
    username = normalize_username(username)
    data = load_users(path)
    usernames = data["credentials"]["usernames"]
    if username in usernames and not replace:
        raise ValueError(f"user {username!r} already exists")
    entry = {
        "name": name,
        "password": hash_password(password),
        "roles": [ADMIN] if admin else [],
        "failed_login_attempts": 0,
        "logged_in": False,
    }
    if email:
        entry["email"] = email
    usernames[username] = entry
    save_users(path, data)


def remove_user(path: str | Path, username: str) -> None:
    username = normalize_username(username)
    data = load_users(path)
    if data["credentials"]["usernames"].pop(username, None) is None:
        raise ValueError(f"no user {username!r}")
    save_users(path, data)


def list_users(path: str | Path) -> list[dict]:
    """username, name, email and roles of every user; never the hashes."""
    usernames = load_users(path)["credentials"]["usernames"]
    return [
        {
            "username": username,
            "name": entry.get("name", ""),
            "email": entry.get("email"),
            "roles": list(entry.get("roles") or []),
        }
        for username, entry in sorted(usernames.items())
    ]


def is_admin(users: dict, username: str | None) -> bool:
    """Whether `username` has the admin role in a loaded users dict."""
    if not username:
        return False
    entry = users.get("credentials", {}).get("usernames", {}).get(username.lower()) or {}
    return ADMIN in (entry.get("roles") or [])


# --- command line ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.accounts", description="Manage the users file.")
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        help="users file (default: [auth] users_file in .streamlit/secrets.toml, else data/users.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--name", required=True)
    add.add_argument("--email")
    add.add_argument("--admin", action="store_true")
    add.add_argument("--replace", action="store_true", help="overwrite an existing user")
    add.add_argument(
        "--adopt-local",
        action="store_true",
        help='give the new user everything made in single-user mode (user "local"): '
        "conversations, images, uploads, videos, workbench runs, shares, votes and usage",
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from stdin (required: never pass it as an argument)",
    )
    commands.add_parser("list", help="list users (never shows hashes)")
    remove = commands.add_parser("remove", help="remove a user")
    remove.add_argument("username")
    quota = commands.add_parser(
        "quota", help="set a user's daily and monthly credit quota on the admin's preset connection"
    )
    quota.add_argument("username", nargs="?", help="the user (or --default for everyone without their own)")
    quota.add_argument("--default", action="store_true", help="the quota of every user who has none of their own")
    quota.add_argument("--daily", type=float, default=0.0, help="credits per UTC day (0: no limit)")
    quota.add_argument("--monthly", type=float, default=0.0, help="credits per UTC month (0: no limit)")
    parser.add_argument(
        "--store",
        default=None,
        help="the app's database, where sign-outs are recorded (default: [store] url "
        "in .streamlit/secrets.toml, else data/playground.db)",
    )
    return parser


@contextmanager
def _store(url: str) -> Iterator[Store]:
    """The app's database for one command. Imported here, not at the top: the store brings
    SQLAlchemy, Alembic and pandas (about a second), which reading the users file (the login,
    `list`) never needs."""
    from lib.store import Store

    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()


def _sign_out_everywhere(store_url: str, username: str) -> None:
    with _store(store_url) as store:
        store.sign_out_everywhere(normalize_username(username))


def _set_quota(args, path: Path) -> int:
    if bool(args.username) == args.default or args.daily < 0 or args.monthly < 0:
        print("error: name one user or --default, with --daily and --monthly of 0 or more", file=sys.stderr)
        return 2
    from lib.store.settings import QUOTA_DEFAULT

    who = QUOTA_DEFAULT if args.default else normalize_username(args.username)
    if not args.default and who not in {user["username"] for user in list_users(path)}:
        print(f"error: no user {who!r} in {path}", file=sys.stderr)
        return 2
    with _store(args.store or default_store_url()) as store:
        store.admin_set_quota(who, args.daily, args.monthly)
    limits = f"{args.daily:g} a day, {args.monthly:g} a month (0: no limit)"
    removed = "none" if args.default else "removed (everyone's default applies, if one is set)"
    print(
        f"quota for {'everyone without their own' if args.default else who}: "
        + (limits if args.daily or args.monthly else removed)
    )
    return 0


def adopt_local(store_url: str, username: str) -> dict[str, int]:
    """What single-user mode made (user "local") becomes `username`'s; rows moved per table."""
    with _store(store_url) as store:
        return store.adopt_user_data(LOCAL_USER, username)


def _read_password(stream) -> str:
    """The first line of stdin without its line ending (a trailing newline is not part of it)."""
    return stream.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        path = args.file or default_users_file()
    except settings.SettingsError as exc:
        return settings.print_problems(exc, SECRETS_FILE)
    try:
        if args.command == "add":
            add_user(
                path,
                args.username,
                args.name,
                _read_password(sys.stdin),
                admin=args.admin,
                email=args.email,
                replace=args.replace,
            )
            if args.replace:  # a new password: sessions opened with the old one end
                _sign_out_everywhere(args.store or default_store_url(), args.username)
            print(f"added {normalize_username(args.username)} to {path}")
            if args.adopt_local:
                moved = adopt_local(args.store or default_store_url(), normalize_username(args.username))
                print(
                    f"gave {normalize_username(args.username)} user local's rows: "
                    + (", ".join(f"{table} {count}" for table, count in sorted(moved.items())) or "none")
                )
        elif args.command == "remove":
            remove_user(path, args.username)
            _sign_out_everywhere(args.store or default_store_url(), args.username)
            print(f"removed {normalize_username(args.username)} from {path}")
        elif args.command == "quota":
            return _set_quota(args, path)
        else:
            for user in list_users(path):
                print(f"{user['username']}\t{user['name']}\t{','.join(user['roles'])}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
