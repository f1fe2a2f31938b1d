"""Login state kept in the database, not the session, so a reload or another replica sees it
too: "signed out everywhere" moments and failed-login counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lib.store.rows import Rows, columns_for, to
from lib.store.tables import UTCDateTime, metadata, utcnow

sign_outs = sa.Table(
    "sign_outs",
    metadata,
    sa.Column("user", sa.String(255), primary_key=True),
    # Every login cookie issued before this moment is refused.
    sa.Column("signed_out_at", UTCDateTime, nullable=False),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("scope", sa.String(16), primary_key=True),  # "user" or "client"
    sa.Column("subject", sa.String(255), primary_key=True),  # a username or a client address
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UTCDateTime, nullable=False),
)


@dataclass
class LoginFailures:
    failures: int
    last_failure_at: datetime


def _failures_of(scope: str, subject: str) -> tuple[sa.ColumnElement[bool], ...]:
    return login_failures.c.scope == scope, login_failures.c.subject == subject


def _select_failures(*where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(*columns_for(LoginFailures, login_failures)).where(*where)


class LoginRecords(Rows):
    """The Store's login methods: "signed out everywhere" records and failed-login counters."""

    def sign_out_everywhere(self, user: str, at: datetime | None = None) -> None:
        self._upsert(sign_outs, dict(user=user), dict(signed_out_at=at or utcnow()))

    def signed_out_at(self, user: str) -> datetime | None:
        with self.engine.connect() as conn:
            at: datetime | None = conn.execute(
                sa.select(sign_outs.c.signed_out_at).where(sign_outs.c.user == user)
            ).scalar()
            return at

    def record_login_failure(self, scope: str, subject: str, at: datetime | None = None) -> LoginFailures:
        """Count one more failure, atomically, so concurrent failures on any replica all count."""
        try:
            return self._bump_login_failures(scope, subject, at or utcnow())
        except IntegrityError:  # another writer inserted the first failure: the UPDATE now finds it
            return self._bump_login_failures(scope, subject, at or utcnow())

    def _bump_login_failures(self, scope: str, subject: str, at: datetime) -> LoginFailures:
        where = _failures_of(scope, subject)
        with self.engine.begin() as conn:
            bumped = (
                login_failures.update().where(*where).values(failures=login_failures.c.failures + 1, last_failure_at=at)
            )
            if not conn.execute(bumped).rowcount:
                conn.execute(
                    login_failures.insert().values(scope=scope, subject=subject, failures=1, last_failure_at=at)
                )
            return LoginFailures(**conn.execute(_select_failures(*where)).one()._mapping)

    def get_login_failures(self, scope: str, subject: str) -> LoginFailures | None:
        with self.engine.connect() as conn:
            return to(LoginFailures, conn.execute(_select_failures(*_failures_of(scope, subject))).first())

    def clear_login_failures(self, scope: str, subject: str) -> None:
        self._delete(login_failures, *_failures_of(scope, subject))
