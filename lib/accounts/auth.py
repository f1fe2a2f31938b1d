"""Login rules that need no Streamlit: the users file, which login cookies still count, limits
on password guessing, and the auth log. The [auth] settings are `lib.settings.AuthSettings`.

Logging out records "signed out everywhere" for the user in the store; a cookie issued before
that moment is refused on every replica, whether or not the browser deleted it. Per-session
revocation would need an id inside the cookie, which streamlit-authenticator does not put there.

Failed logins are counted in the store per (username, client address) and per client address,
never per username alone: a lock on a name would let anyone who knows it lock its owner out.
A (username, client) pair that keeps failing is slowed down: past `FREE_TRIES` failures its next
try is answered only 1, 2, 4 ... `LONGEST_SLOW_DOWN` seconds after its last failure, and then
checked as usual, so a right password still signs in. A client address with `max_failed_logins`
failures (for any usernames) is locked for `lockout_minutes`, doubling with each further
failure. A successful login clears its pair and its address. The lock is worked out from the
stored count when checked, so a changed setting applies at once. Where the app cannot see
client addresses (every connection from this host, e.g. a proxy here, without
`trust_x_forwarded_for`) there is no lock, only the slow-down, and `address_blind_warning` says
so in the log.

Every auth event is one line on the `reshi.auth` logger, with username and client address,
never a password or a cookie.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import jwt
import yaml

from lib.accounts.users import load_users
from lib.settings import COOKIE_NAME, AuthSettings  # noqa: F401 - COOKIE_NAME: the login cookie's, for its readers
from lib.store import LoginFailures, Store, utcnow

log = logging.getLogger("reshi.auth")

PAIR, CLIENT = "pair", "client"
FREE_TRIES = 3
LONGEST_SLOW_DOWN = timedelta(seconds=16)
LONGEST_LOCKOUT = timedelta(days=1)
# A bcrypt hash of no one's password, with the cost lib.accounts.users uses: checking an unknown
# username against it takes as long as checking a real one.
_DUMMY_HASH = b"$2b$12$NnBJ20xrfqcMY3l5i/lSl.pIUqzgekL8P65Pl2WfoDxeRAXu4bVLm"


class AuthConfigError(Exception):
    """A users file the app must not start with; `key` names the i18n text."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


def load_credentials(path: Path) -> dict:
    """The users file's credentials; refuses a file that is missing, unreadable or has no users."""
    if not path.is_file():
        raise AuthConfigError("auth.users_file_missing", path=str(path))
    try:
        users = load_users(path)
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        raise AuthConfigError("auth.users_file_broken", path=str(path), error=type(exc).__name__) from exc
    if not users["credentials"]["usernames"]:
        raise AuthConfigError("auth.users_file_empty", path=str(path))
    return users


def client_address(ip_address: str | None, forwarded_for: str | None, trust_forwarded_for: bool) -> str | None:
    """Who is knocking: the socket's address, or behind a trusted proxy the address that proxy
    appended last to X-Forwarded-For (earlier entries are whatever the client claimed)."""
    if trust_forwarded_for and forwarded_for:
        return forwarded_for.split(",")[-1].strip() or None
    return ip_address


# --- cookies ----------------------------------------------------------------------------------


def make_cookie_token(username: str, cookie_key: str, expiry_days: float, issued_at: datetime) -> str:
    """The login cookie's value, in streamlit-authenticator's format (cookies it issued still
    count): a HS256 JWT of the username and `exp_date`, the issue time plus the expiry days."""
    exp_date = (issued_at + timedelta(days=expiry_days)).timestamp()
    return jwt.encode({"username": username, "exp_date": exp_date}, cookie_key, algorithm="HS256")


def read_cookie_token(value: str | None, cookie_key: str, now: datetime | None = None) -> dict | None:
    """A login cookie's contents if it is signed with the key, well formed and not expired."""
    if not value:
        return None
    try:
        token = jwt.decode(value, cookie_key, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    if not (
        isinstance(token, dict)
        and isinstance(token.get("username"), str)
        and isinstance(token.get("exp_date"), (int, float))
    ):
        return None
    return token if token["exp_date"] > (now or utcnow()).timestamp() else None


def cookie_issued_at(token: Mapping, expiry_days: float) -> datetime:
    """The library's cookie holds only `exp_date`, set to issue time + expiry days."""
    return datetime.fromtimestamp(float(token["exp_date"]), UTC) - timedelta(days=expiry_days)


def session_refusal(store: Store, credentials: Mapping, username: str, signed_in_at: datetime | None) -> str | None:
    """Why a session (from a cookie or a login form) no longer counts, or None if it does."""
    if signed_in_at is None:
        return "no sign-in time"
    if username not in credentials["usernames"]:
        return "user removed"
    signed_out_at = store.signed_out_at(username)
    if signed_out_at is not None and signed_in_at <= signed_out_at:
        return "signed out"
    return None


# --- password guessing ------------------------------------------------------------------------


def lock_remaining(
    store: Store, settings: AuthSettings, client: str | None, now: datetime | None = None
) -> timedelta | None:
    """How long logins from this client address stay refused, if they are (never for an unknown one)."""
    if not client:
        return None
    return lock_left(
        store.get_login_failures(CLIENT, client[:255]), settings.max_failed_logins, settings.lockout, now or utcnow()
    )


def slow_down_left(store: Store, username: str, client: str | None, now: datetime | None = None) -> timedelta:
    """How long this (username, client) pair's next try must wait before it is checked."""
    record = store.get_login_failures(PAIR, _pair(username, client))
    if record is None or record.failures < FREE_TRIES:
        return timedelta(0)
    delay = min(timedelta(seconds=2 ** min(record.failures - FREE_TRIES, 16)), LONGEST_SLOW_DOWN)
    return max(record.last_failure_at + delay - (now or utcnow()), timedelta(0))


def record_failure(store: Store, username: str, client: str | None) -> None:
    for scope, subject in _subjects(username, client):
        store.record_login_failure(scope, subject)


def record_success(store: Store, username: str, client: str | None) -> None:
    for scope, subject in _subjects(username, client):
        store.clear_login_failures(scope, subject)


def address_blind_warning(trust_forwarded_for: bool) -> str:
    """The log's words when a login comes in with no client address to tell clients apart by."""
    why = (
        "X-Forwarded-For is trusted but the proxy did not send it"
        if trust_forwarded_for
        else "connections come from this host (a proxy here?) and [auth] trust_x_forwarded_for is off"
    )
    return (
        f"client addresses cannot be seen: {why}; failed logins are slowed per username and no "
        "address is locked. Behind a proxy that sets X-Forwarded-For, set trust_x_forwarded_for = true."
    )


def burn_password_check(password: str) -> None:
    """Spend what checking a real user's password costs, for a username that does not exist."""
    bcrypt.checkpw(password.encode(), _DUMMY_HASH)


def wait_seconds(remaining: timedelta) -> int:
    """How long to tell someone to wait: whole minutes, rounded up, at least one."""
    return 60 * max(1, math.ceil(remaining.total_seconds() / 60))


def _pair(username: str, client: str | None) -> str:
    return f"{client or '-'} {username}"[:255]  # column width; an address has no space, so no clash


def _subjects(username: str, client: str | None) -> list[tuple[str, str]]:
    # An address unknown to Streamlit (a loopback client) is not limited by address.
    subjects = [(PAIR, _pair(username, client))]
    return subjects + [(CLIENT, client[:255])] if client else subjects


def lock_left(record: LoginFailures | None, max_failures: int, lockout: timedelta, now: datetime) -> timedelta | None:
    """How long a subject with these failures stays locked (also used for share-link guessing)."""
    if record is None or record.failures < max_failures:
        return None
    doublings = min(record.failures - max_failures, 16)  # 16 already passes a day
    lockout = min(lockout * 2**doublings, LONGEST_LOCKOUT)
    remaining = record.last_failure_at + lockout - now
    return remaining if remaining > timedelta(0) else None
