"""What went wrong with the database, in a word the app can say in the user's language.

SQLAlchemy's errors carry the SQL, its parameters and a link; none of that may reach a user or
a terminal. `kind_of` names the failure from the driver's own error, `described` is the
driver's first line alone (for logs and the operators' commands).
"""

from __future__ import annotations

import sqlalchemy as sa

LOCKED, READ_ONLY, FULL, UNREACHABLE, OTHER = "locked", "read_only", "full", "unreachable", "other"
KINDS = (LOCKED, READ_ONLY, FULL, UNREACHABLE, OTHER)

# Words of SQLite's and PostgreSQL's messages (and their SQLSTATE classes) for each kind.
_WORDS = (
    (
        LOCKED,
        (
            "database is locked",
            "database table is locked",
            "could not obtain lock",
            "lock timeout",
            "deadlock detected",
        ),
    ),
    (
        READ_ONLY,
        (
            "readonly database",
            "read-only",
            "read only",
            "cannot execute",
            "permission denied",
            "unable to open database file",
        ),
    ),
    (FULL, ("database or disk is full", "no space left", "disk full", "could not extend file")),
    (
        UNREACHABLE,
        (
            "connection refused",
            "could not connect",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "the connection is lost",
            "connection timed out",
            "no such host",
            "consuming input failed",
            "ssl syscall",
        ),
    ),
)
_SQLSTATE = {
    "55P03": LOCKED,
    "40P01": LOCKED,
    "25006": READ_ONLY,
    "42501": READ_ONLY,
    "53100": FULL,
    "08000": UNREACHABLE,
    "08003": UNREACHABLE,
    "08006": UNREACHABLE,
    "57P01": UNREACHABLE,
}


def kind_of(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _SQLSTATE:
        return _SQLSTATE[state]
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return UNREACHABLE
    text = str(original).lower()
    for kind, words in _WORDS:
        if any(word in text for word in words):
            return kind
    return OTHER


def described(exc: BaseException) -> str:
    """The driver's words, first line only: no SQL, no parameters, no links."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
