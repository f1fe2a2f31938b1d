"""Votes on answers and the audience ballots that collect them from phones.

A vote belongs to `user`: the signed-in user who cast it, or the owner of the ballot a phone
voted on (so audience votes join the owner's leaderboard). `voter` says who judged: the user's
name, or a ballot browser's one-way tag. One vote per (user, subject, voter): `subject` names
what was judged, e.g. "compare:<question id>", "reply:<message id>", "ballot:<ballot id>", so
a second vote on the same thing is refused by the database itself, on any replica.

A ballot is looked up by the hash of its link's token, like a share; only its owner closes or
reveals it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lib.store.rows import Rows, mine
from lib.store.tables import (
    UTCDateTime,
    created_column,
    id_column,
    metadata,
    user_column,
    utcnow,
)

ballots = sa.Table(
    "ballots",
    metadata,
    id_column(),
    user_column(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("subject", sa.String(64), nullable=False),  # the slide: "slide:<question id>"
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    # The answers in ballot order (A, B, C): content, model and the figures Reveal shows.
    sa.Column("answers", sa.JSON, nullable=False, default=list),
    sa.Column("closes_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("revealed_at", UTCDateTime),
    created_column(),
    sa.Index("ix_ballots_user_subject", "user", "subject"),
)

votes = sa.Table(
    "votes",
    metadata,
    id_column(),
    user_column(),
    sa.Column("voter", sa.String(255), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # "user" or "audience"
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("models", sa.JSON, nullable=False, default=list),  # in column order: A, B, C
    sa.Column("outcome", sa.String(8), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("ballot_id", sa.Integer, sa.ForeignKey("ballots.id", ondelete="CASCADE")),
    sa.Column("address", sa.String(64)),  # a ballot voter's address, hashed: the flood limit
    created_column(),
    sa.UniqueConstraint("user", "subject", "voter", name="uq_votes_user_subject_voter"),
    sa.Index("ix_votes_ballot", "ballot_id"),
    sa.Index("ix_votes_address", "address", "created_at"),
)


@dataclass
class VoteRecord:
    id: int
    user: str
    voter: str
    source: str
    subject: str
    models: list[Any]
    outcome: str
    prompt: str
    ballot_id: int | None
    created_at: datetime


@dataclass
class TeamVote:
    """What anyone may see of a teammate's vote: no voter, no prompt."""

    source: str
    models: list[Any]
    outcome: str
    created_at: datetime


@dataclass
class Ballot:
    id: int
    user: str
    token_hash: str
    subject: str
    prompt: str
    answers: list[Any]
    closes_at: datetime
    closed_at: datetime | None
    revealed_at: datetime | None
    created_at: datetime


class VoteRecords(Rows):
    """The Store's vote and ballot methods."""

    # -- votes --

    def add_vote(
        self,
        user: str,
        *,
        voter: str,
        source: str,
        subject: str,
        models: list[str],
        outcome: str,
        prompt: str = "",
        ballot_id: int | None = None,
        address: str | None = None,
        at: datetime | None = None,
    ) -> VoteRecord | None:
        """The vote, or None when this voter already voted on this subject (nothing counted twice)."""
        try:
            return self._insert(
                VoteRecord,
                votes,
                dict(
                    user=user,
                    voter=voter[:255],
                    source=source,
                    subject=subject,
                    models=list(models),
                    outcome=outcome,
                    prompt=prompt,
                    ballot_id=ballot_id,
                    address=address,
                    created_at=at or utcnow(),
                ),
            )
        except IntegrityError:
            return None

    def vote_on(self, user: str, subject: str, voter: str | None = None) -> VoteRecord | None:
        """The user's own vote on `subject` (by default cast by the user themselves)."""
        c = votes.c
        return self._one(VoteRecord, votes, c.user == user, c.subject == subject, c.voter == (voter or user))

    def votes_on(self, user: str, subjects: list[str]) -> dict[str, VoteRecord]:
        """The user's own votes on several subjects at once (one query for a page of history)."""
        if not subjects:
            return {}
        c = votes.c
        found = self._many(VoteRecord, votes, c.user == user, c.voter == user, c.subject.in_(subjects))
        return {v.subject: v for v in found}

    def withdraw_vote(self, user: str, subject: str) -> bool:
        """A thumb taken back (comparison votes are final: they revealed the names)."""
        c = votes.c
        return self._delete(votes, c.user == user, c.voter == user, c.subject == subject)

    def list_votes(self, user: str) -> list[VoteRecord]:
        """The user's votes and their ballots' audience votes, oldest first."""
        return self._many(VoteRecord, votes, votes.c.user == user, order_by=[votes.c.id])

    def team_votes(self) -> list[TeamVote]:
        """Every vote of the team for the leaderboard's totals, without voters or prompts."""
        return self._many(TeamVote, votes, order_by=[votes.c.id])

    def admin_votes(self) -> list[VoteRecord]:
        """Every vote with its voter and prompt: for admins only."""
        return self._many(VoteRecord, votes, order_by=[votes.c.id])

    def count_votes_from(self, address: str, since: datetime) -> int:
        """Ballot votes from one (hashed) address since `since`: the flood limit."""
        return self._count(votes, votes.c.address == address, votes.c.created_at >= since)

    def ballot_tally(self, ballot_id: int) -> dict[str, int]:
        """Votes per outcome on a ballot."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(votes.c.outcome, sa.func.count())
                .where(votes.c.ballot_id == ballot_id)
                .group_by(votes.c.outcome)
            )
            return {outcome: count for outcome, count in rows}  # noqa: C416 - SQLAlchemy rows, not pairs

    # -- ballots --

    def add_ballot(
        self,
        user: str,
        *,
        token_hash: str,
        subject: str,
        prompt: str,
        answers: list[dict[str, Any]],
        closes_at: datetime,
    ) -> Ballot:
        return self._insert(
            Ballot,
            ballots,
            dict(
                user=user,
                token_hash=token_hash,
                subject=subject,
                prompt=prompt,
                answers=answers,
                closes_at=closes_at,
                created_at=utcnow(),
            ),
        )

    def ballot_by_token_hash(self, token_hash: str) -> Ballot | None:
        """Any user's ballot: whoever holds the link may vote on it."""
        return self._one(Ballot, ballots, ballots.c.token_hash == token_hash)

    def get_ballot(self, user: str, ballot_id: int) -> Ballot | None:
        return self._one(Ballot, ballots, *mine(ballots, user, ballot_id))

    def latest_ballot(self, user: str, subject: str) -> Ballot | None:
        """The newest ballot the user opened on a slide."""
        found = self._many(
            Ballot,
            ballots,
            ballots.c.user == user,
            ballots.c.subject == subject,
            order_by=[ballots.c.id.desc()],
            limit=1,
        )
        return found[0] if found else None

    def close_ballot(self, user: str, ballot_id: int, at: datetime | None = None) -> bool:
        """True when the ballot is the user's and was open; a closed ballot stays closed."""
        return self._update(
            ballots, dict(closed_at=at or utcnow()), *mine(ballots, user, ballot_id), ballots.c.closed_at.is_(None)
        )

    def reveal_ballot(self, user: str, ballot_id: int, at: datetime | None = None) -> bool:
        """Revealing closes the ballot too: nobody votes once the names are known."""
        now = at or utcnow()
        self.close_ballot(user, ballot_id, now)
        return self._update(
            ballots, dict(revealed_at=now), *mine(ballots, user, ballot_id), ballots.c.revealed_at.is_(None)
        )
