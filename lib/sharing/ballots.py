"""Audience ballots: a comparison slide's answers put to the room as A/B/C, voted on from phones
without signing in. Streamlit-free.

The presenter opens a ballot on a slide: its answers are shuffled into ballot order and copied
into the ballot (what the room judges does not change if the conversation does), and a random
token makes its link (`?ballot=TOKEN`, shown as a QR code); the store keeps only the token's
hash, as for shares. A phone votes once per ballot: its browser carries a random id in a cookie,
kept as a one-way `voter` tag, and the database refuses a second vote by that tag. Votes from one
address are limited per minute (a room behind one NAT shares an address, so the limit is
generous); unknown tokens count against the address like a share link's, with the login's
lock-out. A ballot closes when the presenter leaves its slide or reveals it, or at `closes_at`.
Its votes are the owner's audience votes on the leaderboard.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import urlencode, urlsplit, urlunsplit

from lib.sharing import shares, votes
from lib.sharing.presentation import Slide
from lib.store import Ballot, Store, utcnow

QUERY_PARAM = "ballot"
LIMIT_SCOPE = "ballot"
BROWSER_COOKIE = "reshi_ballot_browser"
BROWSER_ID_PATTERN = shares.TOKEN_PATTERN
TOKEN_BYTES = 16  # 128 bits, as short as a link typed from a projector can safely be: 22 characters
DURATIONS = {"2m": timedelta(minutes=2), "5m": timedelta(minutes=5), "15m": timedelta(minutes=15)}
DEFAULT_DURATION = "5m"
ANSWER_META = ("model", "credits", "elapsed", "tps", "tokens", "failed")  # what Reveal shows


@dataclass(frozen=True)
class FloodLimit:
    """Ballot votes one address may cast in `window` (a whole room may share one address)."""

    max_votes: int = 60
    window: timedelta = timedelta(minutes=1)


class BallotState(str, Enum):
    OPEN = "open"
    CLOSED = "closed"
    EXPIRED = "expired"
    REVEALED = "revealed"


class Refusal(str, Enum):
    """Why a phone's vote (or its link) was turned down; each has words in the catalog."""

    MISSING = "missing"  # an unknown or malformed token
    LOCKED = "locked"  # too many unknown tokens from this address
    CLOSED = "closed"
    EXPIRED = "expired"
    REVEALED = "revealed"
    ALREADY = "already"  # this browser voted on this ballot
    FLOOD = "flood"  # too many votes from this address
    INVALID = "invalid"  # an outcome the ballot does not have


REFUSALS = tuple(r.value for r in Refusal)


@dataclass(frozen=True)
class Opened:
    ballot: Ballot | None
    refusal: Refusal | None = None
    wait: timedelta | None = None


def subject_of(question_id: int) -> str:
    """A slide's ballots are keyed by its question's message id."""
    return f"slide:{question_id}"


def voter_tag(browser_id: str) -> str:
    return "browser:" + hashlib.sha256(browser_id.encode()).hexdigest()[:24]


def address_tag(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


def ballot_link(app_url: str | None, token: str) -> str:
    """The app's own address with `?ballot=TOKEN` (a relative link when the address is unknown)."""
    parts = urlsplit(app_url or "")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode({QUERY_PARAM: token}), ""))


def state_of(ballot: Ballot, now: datetime) -> BallotState:
    if ballot.revealed_at is not None:
        return BallotState.REVEALED
    if ballot.closed_at is not None:
        return BallotState.CLOSED
    return BallotState.EXPIRED if ballot.closes_at <= now else BallotState.OPEN


def ballot_answers(slide: Slide, rng: random.Random) -> list[dict]:
    """The slide's replies in a shuffled order, each with what Reveal shows about it."""
    answers = [
        {"content": r.content, "meta": {k: r.meta[k] for k in ANSWER_META if k in r.meta}} for r in slide.replies
    ]
    rng.shuffle(answers)
    return answers


def open_ballot(
    store: Store,
    user: str,
    slide: Slide,
    subject: str,
    duration: str,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> tuple[str, Ballot]:
    """A new ballot on a comparison slide; returns its token (only the hash is kept) and it."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    ballot = store.add_ballot(
        user,
        token_hash=shares.token_hash(token),
        subject=subject,
        prompt=(slide.question or "")[: votes.MAX_PROMPT_CHARS],
        answers=ballot_answers(slide, rng or random.SystemRandom()),
        closes_at=now + DURATIONS[duration],
    )
    return token, ballot


def open_link(
    store: Store,
    token: str,
    address: str | None,
    limit: shares.GuessLimit,
    *,
    first_visit: bool = True,
    now: datetime | None = None,
) -> Opened:
    """The ballot a link leads to; unknown tokens count against the address like a share
    link's (`first_visit` False: a rerun of a page already shown, which counts nothing again)."""
    now = now or utcnow()
    wait = shares.guess_lock(store, address, limit, now, LIMIT_SCOPE)
    if wait:
        return Opened(None, Refusal.LOCKED, wait)
    ballot = shares.find_by_token(token, store.ballot_by_token_hash)
    if ballot is None:
        if first_visit and address:
            shares.record_wrong_guess(store, address, now, LIMIT_SCOPE)
        return Opened(None, Refusal.MISSING)
    return Opened(ballot)


def cast(
    store: Store,
    ballot: Ballot,
    browser_id: str,
    address: str | None,
    outcome: str,
    flood: FloodLimit = FloodLimit(),
    now: datetime | None = None,
) -> Refusal | None:
    """Count a phone's vote; None when counted, else why not (nothing is counted then)."""
    now = now or utcnow()
    state = state_of(store.ballot_by_token_hash(ballot.token_hash) or ballot, now)
    if state is not BallotState.OPEN:
        return Refusal(state.value)
    models = [str(a["meta"].get("model") or f"?{i}") for i, a in enumerate(ballot.answers)]
    if not votes.is_valid(models, outcome) or outcome in votes.THUMBS:
        return Refusal.INVALID
    if store.vote_on(ballot.user, f"ballot:{ballot.id}", voter_tag(browser_id)) is not None:
        return Refusal.ALREADY
    address_key = address_tag(address) if address else None
    if address_key and store.count_votes_from(address_key, now - flood.window) >= flood.max_votes:
        return Refusal.FLOOD
    counted = store.add_vote(
        ballot.user,
        voter=voter_tag(browser_id),
        source=votes.AUDIENCE,
        subject=f"ballot:{ballot.id}",
        models=models,
        outcome=outcome,
        prompt=ballot.prompt,
        ballot_id=ballot.id,
        address=address_key,
        at=now,
    )
    return None if counted is not None else Refusal.ALREADY


def has_voted(store: Store, ballot: Ballot, browser_id: str) -> bool:
    return store.vote_on(ballot.user, f"ballot:{ballot.id}", voter_tag(browser_id)) is not None


def tally(store: Store, ballot: Ballot) -> dict[str, int]:
    """Votes per outcome, every outcome the ballot offers present (0 when none)."""
    counted = store.ballot_tally(ballot.id)
    return {o: counted.get(o, 0) for o in offered(ballot)}


def offered(ballot: Ballot) -> tuple[str, ...]:
    return (*votes.LETTERS[: len(ballot.answers)], votes.TIE, votes.BAD)
