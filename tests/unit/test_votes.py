"""Votes, Bradley-Terry ratings with bootstrap intervals, and audience ballots (store on SQLite
and PostgreSQL through the `store` fixture)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from lib.sharing import ballots, votes
from lib.sharing.ballots import FloodLimit, Refusal
from lib.sharing.presentation import Reply, Slide
from lib.sharing.shares import GuessLimit
from lib.sharing.votes import Vote
from lib.store import utcnow


def comparisons(winner: str, loser: str, count: int) -> list[Vote]:
    return [Vote((winner, loser), "A") for _ in range(count)]


# --- games and ratings ------------------------------------------------------------------------


def test_outcomes_become_pairwise_games():
    assert votes.games(Vote(("x", "y", "z"), "B")) == [("y", "x", 1.0), ("y", "z", 1.0)]
    assert votes.games(Vote(("x", "y"), "tie")) == [("x", "y", 0.5)]
    assert votes.games(Vote(("x", "y", "z"), "bad")) == [("x", "y", 0.5), ("x", "z", 0.5), ("y", "z", 0.5)]
    assert votes.games(Vote(("x",), "up")) == []
    assert votes.games(Vote(("x", "y"), "C")) == []  # no column C: not a game
    assert votes.games(Vote(("x", "x"), "A")) == []  # a model against itself: not a game


def test_stronger_model_rates_higher_and_mean_is_base():
    game_votes = comparisons("x", "y", 8) + comparisons("y", "x", 2)
    rated = votes.bradley_terry([g for v in game_votes for g in votes.games(v)], ["x", "y"])
    assert rated["x"] > rated["y"]
    assert (rated["x"] + rated["y"]) / 2 == pytest.approx(votes.BASE_RATING)
    # 8-2 with half a prior tie: odds (8.25/2.25) -> 400*log10 of it between the two
    assert rated["x"] - rated["y"] == pytest.approx(400 * __import__("math").log10(8.25 / 2.25), abs=0.5)


def test_unbeaten_model_stays_finite():
    rated = votes.bradley_terry([("x", "y", 1.0)] * 20, ["x", "y"])
    assert all(abs(r) < 5000 for r in rated.values()) and rated["x"] > rated["y"]


def test_transitive_strengths_order_three_models():
    game_votes = comparisons("a", "b", 6) + comparisons("b", "c", 6) + comparisons("a", "c", 6)
    ranked = [s.model for s in votes.standings(game_votes, rounds=50)]
    assert ranked == ["a", "b", "c"]


def test_bootstrap_interval_holds_rating_and_narrows_with_more_votes():
    few = votes.ratings_with_intervals(comparisons("x", "y", 3) + comparisons("y", "x", 1), rounds=100)
    many = votes.ratings_with_intervals(comparisons("x", "y", 60) + comparisons("y", "x", 20), rounds=100)
    for rated in (few, many):
        rating, low, high = rated["x"]
        assert low <= rating <= high
    assert many["x"][2] - many["x"][1] < few["x"][2] - few["x"][1]
    assert votes.ratings_with_intervals(comparisons("x", "y", 5), rounds=20, seed=1) == votes.ratings_with_intervals(
        comparisons("x", "y", 5), rounds=20, seed=1
    )  # seeded: same page, same figures


def test_standings_count_wins_ties_and_thumbs():
    board = {
        s.model: s
        for s in votes.standings(
            [
                Vote(("x", "y"), "A"),
                Vote(("x", "y"), "tie"),
                Vote(("y", "x"), "bad"),
                Vote(("x",), "up"),
                Vote(("x",), "down"),
                Vote(("z",), "up"),
            ],
            rounds=10,
        )
    }
    x = board["x"]
    assert (x.votes, x.wins, x.losses, x.ties, x.thumbs_up, x.thumbs_down) == (3, 1, 0, 2, 1, 1)
    assert x.win_rate == pytest.approx(1 / 3)
    assert x.rating is not None and x.low is None and x.high is None  # 3 comparisons: no interval yet
    many = votes.standings(comparisons("x", "y", 4) + comparisons("y", "x", 1), rounds=10)
    assert all(s.low is not None and s.low <= s.rating <= s.high for s in many)
    assert board["z"].rating is None and board["z"].win_rate is None and board["z"].thumbs_up == 1


def test_no_comparisons_no_ratings():
    assert votes.ratings_with_intervals([Vote(("x",), "up")]) == {}
    assert votes.standings([]) == []


def test_csv_is_formula_safe():
    text = votes.to_csv([votes.vote_row(Vote(("=cmd()", "y"), "A", voter="ann", prompt="@SUM(1)"))], votes.VOTE_COLUMNS)
    assert text.splitlines()[0] == ",".join(votes.VOTE_COLUMNS)
    assert "'=cmd()" in text and "'@SUM(1)" in text and ",A,'=cmd()," in text


# --- the store's votes --------------------------------------------------------------------------


def test_one_vote_per_voter_and_subject(store):
    first = store.add_vote("ann", voter="ann", source="user", subject="compare:1", models=["x", "y"], outcome="A")
    assert first is not None and first.models == ["x", "y"]
    assert (
        store.add_vote("ann", voter="ann", source="user", subject="compare:1", models=["x", "y"], outcome="B") is None
    )
    assert store.vote_on("ann", "compare:1").outcome == "A"
    assert store.vote_on("bob", "compare:1") is None  # another user's: not theirs
    assert store.add_vote("bob", voter="bob", source="user", subject="compare:1", models=["x", "y"], outcome="B")
    assert [v.user for v in store.list_votes("ann")] == ["ann"]
    assert len(store.team_votes()) == 2 and not hasattr(store.team_votes()[0], "voter")
    assert {v.voter for v in store.admin_votes()} == {"ann", "bob"}


def test_thumb_can_be_withdrawn(store):
    store.add_vote("ann", voter="ann", source="user", subject="reply:5", models=["x"], outcome="up")
    assert store.votes_on("ann", ["reply:5", "reply:6"])["reply:5"].outcome == "up"
    assert store.withdraw_vote("ann", "reply:5") and store.vote_on("ann", "reply:5") is None


# --- ballots -------------------------------------------------------------------------------------

SLIDE = Slide(
    "Which is better?",
    (),
    (
        Reply("one", {"model": "x", "credits": 1, "tps": 30.0, "secret": "no"}),
        Reply("two", {"model": "y", "credits": 2}),
    ),
)


def open_one(store, now=None, duration="5m"):
    return ballots.open_ballot(store, "owner", SLIDE, ballots.subject_of(7), duration, now=now, rng=random.Random(3))


def test_ballot_copies_shuffled_answers_and_keeps_only_the_token_hash(store):
    token, ballot = open_one(store)
    assert sorted(a["content"] for a in ballot.answers) == ["one", "two"]
    assert all("secret" not in a["meta"] for a in ballot.answers)
    assert token not in ballot.token_hash and store.latest_ballot("owner", "slide:7").id == ballot.id
    assert ballots.open_link(store, token, "10.0.0.1", GuessLimit()).ballot.id == ballot.id


def test_ballot_counts_one_vote_per_browser_into_the_owners_board(store):
    _, ballot = open_one(store)
    assert ballots.cast(store, ballot, "phone-1", "10.0.0.1", "A") is None
    assert ballots.cast(store, ballot, "phone-1", "10.0.0.1", "B") is Refusal.ALREADY
    assert ballots.cast(store, ballot, "phone-2", "10.0.0.1", "tie") is None
    assert ballots.tally(store, ballot) == {"A": 1, "B": 0, "tie": 1, "bad": 0}
    owned = store.list_votes("owner")
    assert {v.source for v in owned} == {"audience"} and all(v.voter.startswith("browser:") for v in owned)
    assert "phone-1" not in owned[0].voter  # a one-way tag, not the cookie
    assert owned[0].models == [a["meta"]["model"] for a in ballot.answers]


def test_ballot_refuses_invalid_outcomes(store):
    _, ballot = open_one(store)
    for outcome in ("C", "up", "", "A; DROP TABLE votes"):
        assert ballots.cast(store, ballot, "phone", "10.0.0.1", outcome) is Refusal.INVALID
    assert ballots.tally(store, ballot) == {"A": 0, "B": 0, "tie": 0, "bad": 0}


def test_closed_revealed_and_expired_ballots_count_nothing(store):
    now = utcnow()
    _, closed = open_one(store, now)
    assert store.close_ballot("owner", closed.id) and not store.close_ballot("intruder", closed.id)
    assert ballots.cast(store, closed, "p", "10.0.0.1", "A") is Refusal.CLOSED
    _, revealed = open_one(store, now)
    assert store.reveal_ballot("owner", revealed.id)
    assert ballots.cast(store, revealed, "p", "10.0.0.1", "A") is Refusal.REVEALED
    _, expiring = open_one(store, now, duration="2m")
    assert ballots.cast(store, expiring, "p", "10.0.0.1", "A", now=now + timedelta(minutes=3)) is Refusal.EXPIRED
    assert store.list_votes("owner") == []


def test_flood_from_one_address_is_refused(store):
    _, ballot = open_one(store)
    flood = FloodLimit(max_votes=3, window=timedelta(minutes=1))
    results = [ballots.cast(store, ballot, f"phone-{i}", "10.0.0.9", "A", flood) for i in range(5)]
    assert results == [None, None, None, Refusal.FLOOD, Refusal.FLOOD]
    assert ballots.cast(store, ballot, "phone-x", "10.0.0.10", "A", flood) is None  # another address votes
    assert ballots.tally(store, ballot)["A"] == 4


def test_guessed_links_are_refused_then_locked(store):
    token, _ = open_one(store)
    limit = GuessLimit(max_failures=3, lockout=timedelta(minutes=5))
    for guess in ("x" * 43, "short", token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert ballots.open_link(store, guess, "10.0.0.5", limit).refusal is Refusal.MISSING
    opened = ballots.open_link(store, token, "10.0.0.5", limit)
    assert opened.refusal is Refusal.LOCKED and opened.ballot is None and opened.wait
    assert ballots.open_link(store, token, "10.0.0.6", limit).ballot is not None
