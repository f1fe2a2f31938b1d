"""Votes on answers and the leaderboard they add up to. Streamlit-free.

A vote judges the answers of one prompt: a blind comparison in Chat (outcome A, B or C better,
a tie, or all bad), an audience ballot's single vote from a phone, or a thumbs up or down on a
single reply. Comparisons become pairwise games (the winner beat every other column; a tie or
"all bad" is half a win each way, as LMSYS's arena counts them) and a Bradley-Terry model is
fitted to them by Hunter's MM algorithm; its strengths are shown on the Elo scale (400 points a
factor of ten in odds, the mean model at 1000). The 95% interval of each rating comes from
refitting on votes drawn with replacement (a seeded bootstrap, so a page shows the same figures
on every run). Thumbs count on the board but are not games.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations

from lib.credits.usage import _inert as spreadsheet_safe  # the usage CSV's formula guard, shared

LETTERS = ("A", "B", "C")
TIE, BAD, UP, DOWN = "tie", "bad", "up", "down"
COMPARISON_OUTCOMES = (*LETTERS, TIE, BAD)
THUMBS = (UP, DOWN)
OUTCOMES = (*COMPARISON_OUTCOMES, *THUMBS)
USER, AUDIENCE = "user", "audience"  # who voted: a signed-in user, or a phone on a ballot
SOURCES = (USER, AUDIENCE)

BASE_RATING, SCALE = 1000.0, 400.0
BOOTSTRAP_ROUNDS = 200
PRIOR_GAMES = 0.5  # a virtual tie against every other model: an unbeaten model stays finite
MAX_ITERATIONS, TOLERANCE = 500, 1e-9
MAX_PROMPT_CHARS = 2000
MIN_VOTES_FOR_INTERVAL = 5


@dataclass(frozen=True)
class Vote:
    """One judgement as the leaderboard reads it (the store's rows have more)."""

    models: tuple[str, ...]  # in column order: models[0] is "A"
    outcome: str
    voter: str = ""
    source: str = USER
    prompt: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Standing:
    model: str
    votes: int  # comparisons the model was in
    wins: int
    losses: int
    ties: int  # ties and "all bad"
    thumbs_up: int
    thumbs_down: int
    rating: float | None  # None: in no comparison yet
    low: float | None
    high: float | None

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.votes if self.votes else None


def letter(index: int) -> str:
    return LETTERS[index]


def is_valid(models: tuple[str, ...] | list[str], outcome: str) -> bool:
    """A comparison of 2-3 distinct models with a letter it has, or one model and a thumb."""
    if outcome in THUMBS:
        return len(models) == 1
    if not 2 <= len(models) <= len(LETTERS) or len(set(models)) != len(models):
        return False
    return outcome in (TIE, BAD) or (outcome in LETTERS and LETTERS.index(outcome) < len(models))


def blind_slots(count: int, rng: random.Random | None = None) -> list[int]:
    """Where each column of a blind comparison is shown: a fresh shuffle for every turn."""
    return (rng or random.SystemRandom()).sample(range(count), count)


def continued_slots(latest: dict, columns: list[int]) -> list[int]:
    """A blind chain going on after tool results (`latest`: column -> its latest reply): each
    column keeps the slot, so the letter, it had when the question was asked."""
    return [(latest[column].meta or {}).get("blind_slot", column) for column in columns]


def turn_comparisons(groups: list[list], position: int) -> list[list]:
    """The comparison groups of the turn (a question and what answers it) that `groups[position]`
    is in: with tools, each step of the chains is a group of its own."""
    start, end = position, position
    while start > 0 and groups[start - 1][0].role != "user":
        start -= 1
    while end + 1 < len(groups) and groups[end + 1][0].role != "user":
        end += 1
    return [group for group in groups[start : end + 1] if "compare_group" in (group[0].meta or {})]


def compare_subject(question_id: int) -> str:
    """What a comparison vote judges: the answers to one question (its message id)."""
    return f"compare:{question_id}"


def reply_subject(message_id: int) -> str:
    return f"reply:{message_id}"


def games(vote: Vote) -> list[tuple[str, str, float]]:
    """The pairwise games a vote stands for: (model, other, model's score 1, 0.5 or 0)."""
    if vote.outcome in THUMBS or not is_valid(vote.models, vote.outcome):
        return []
    if vote.outcome in (TIE, BAD):
        return [(a, b, 0.5) for a, b in combinations(vote.models, 2)]
    winner = vote.models[LETTERS.index(vote.outcome)]
    return [(winner, other, 1.0) for other in vote.models if other != winner]


def bradley_terry(game_list: list[tuple[str, str, float]], models: list[str]) -> dict[str, float]:
    """Elo-scaled Bradley-Terry ratings of `models` from their games (MM updates: each strength
    is its score over the sum of games/(own + other's strength)), mean rating BASE_RATING."""
    if not models:
        return {}
    score: dict[str, float] = defaultdict(float)
    played: dict[tuple[str, str], float] = defaultdict(float)
    for a, b, s in game_list:
        score[a] += s
        score[b] += 1 - s
        played[a, b] += 1
        played[b, a] += 1
    for a, b in combinations(models, 2):  # the prior: half a tie between every pair
        for x, y in ((a, b), (b, a)):
            played[x, y] += PRIOR_GAMES
            score[x] += PRIOR_GAMES / 2
    strength = dict.fromkeys(models, 1.0)
    for _ in range(MAX_ITERATIONS):
        new = {}
        for m in models:
            denominator = sum(played[m, o] / (strength[m] + strength[o]) for o in models if o != m)
            new[m] = score[m] / denominator if denominator else 1.0
        mean_log = sum(math.log(v) for v in new.values()) / len(new)
        new = {m: v / math.exp(mean_log) for m, v in new.items()}
        change = max(abs(new[m] - strength[m]) for m in models)
        strength = new
        if change < TOLERANCE:
            break
    return {m: BASE_RATING + SCALE * math.log10(v) for m, v in strength.items()}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratings_with_intervals(
    votes: list[Vote], rounds: int = BOOTSTRAP_ROUNDS, seed: int = 29
) -> dict[str, tuple[float, float, float]]:
    """Each compared model's rating and its 95% bootstrap interval: (rating, low, high)."""
    compared = [v for v in votes if games(v)]
    models = sorted({m for v in compared for m in v.models})
    if len(models) < 2:
        return {}
    fitted = bradley_terry([g for v in compared for g in games(v)], models)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {m: [] for m in models}
    for _ in range(rounds):
        drawn = rng.choices(compared, k=len(compared))
        for model, rating in bradley_terry([g for v in drawn for g in games(v)], models).items():
            samples[model].append(rating)
    return {m: (fitted[m], _percentile(samples[m], 0.025), _percentile(samples[m], 0.975)) for m in models}


def standings(votes: list[Vote], rounds: int = BOOTSTRAP_ROUNDS) -> list[Standing]:
    """Every model voted on: counts, win rate and rating, best rated first (thumbs-only last)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for vote in votes:
        if vote.outcome in THUMBS and len(vote.models) == 1:
            counts[vote.models[0]][vote.outcome] += 1
            continue
        for model in vote.models if games(vote) else ():
            counts[model]["votes"] += 1
        for a, b, s in games(vote):
            if s == 0.5:
                continue
            counts[a]["wins"] += 1
            counts[b]["losses"] += 1
        if vote.outcome in (TIE, BAD) and games(vote):
            for model in vote.models:
                counts[model]["ties"] += 1
    rated = ratings_with_intervals(votes, rounds)
    rows = [
        Standing(
            m, c["votes"], c["wins"], c["losses"], c["ties"], c[UP], c[DOWN], *_shown_rating(rated.get(m), c["votes"])
        )
        for m, c in counts.items()
    ]
    return sorted(rows, key=lambda r: (r.rating is None, -(r.rating or 0), r.model))


def _shown_rating(rated: tuple[float, float, float] | None, compared: int) -> tuple:
    """A rating, and its interval once the model has MIN_VOTES_FOR_INTERVAL comparisons: from
    fewer, every resample is nearly the same few votes and the interval says nothing."""
    if rated is None:
        return None, None, None
    return rated if compared >= MIN_VOTES_FOR_INTERVAL else (rated[0], None, None)


STANDING_COLUMNS = (
    "model",
    "votes",
    "wins",
    "losses",
    "ties",
    "win_rate",
    "rating",
    "low",
    "high",
    "thumbs_up",
    "thumbs_down",
)
VOTE_COLUMNS = ("created_at", "source", "voter", "model_a", "model_b", "model_c", "outcome", "winner", "prompt")


def vote_row(vote: Vote) -> dict:
    models = list(vote.models) + [""] * (len(LETTERS) - len(vote.models))
    winner = vote.models[LETTERS.index(vote.outcome)] if vote.outcome in LETTERS[: len(vote.models)] else ""
    return {
        "created_at": vote.created_at.isoformat() if vote.created_at else "",
        "source": vote.source,
        "voter": vote.voter,
        "model_a": models[0],
        "model_b": models[1],
        "model_c": models[2],
        "outcome": vote.outcome,
        "winner": winner,
        "prompt": vote.prompt,
    }


def standing_row(standing: Standing) -> dict:
    def rounded(value: float | None) -> float | str:
        return "" if value is None else round(value, 1)

    return {
        "model": standing.model,
        "votes": standing.votes,
        "wins": standing.wins,
        "losses": standing.losses,
        "ties": standing.ties,
        "win_rate": "" if standing.win_rate is None else round(standing.win_rate, 4),
        "rating": rounded(standing.rating),
        "low": rounded(standing.low),
        "high": rounded(standing.high),
        "thumbs_up": standing.thumbs_up,
        "thumbs_down": standing.thumbs_down,
    }


def to_csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    """CSV text; text a spreadsheet would run as a formula is made inert."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return out.getvalue()


def matches_prompt(vote: Vote, text: str) -> bool:
    return not text.strip() or text.strip().casefold() in vote.prompt.casefold()


def from_record(record) -> Vote:
    """A stored vote (or a teammate's, without voter and prompt) as the leaderboard reads it."""
    return Vote(
        tuple(record.models),
        record.outcome,
        voter=getattr(record, "voter", ""),
        source=record.source,
        prompt=getattr(record, "prompt", ""),
        created_at=record.created_at,
    )


@dataclass(frozen=True)
class VoteFilter:
    """What the leaderboard counts: a date range (inclusive, UTC dates), prompt text, sources
    and voters (empty: all)."""

    start: date | None = None
    end: date | None = None
    prompt: str = ""
    sources: tuple[str, ...] = ()
    voters: tuple[str, ...] = ()

    def keeps(self, vote: Vote) -> bool:
        day = vote.created_at.date() if vote.created_at else None
        return (
            (self.start is None or (day is not None and day >= self.start))
            and (self.end is None or (day is not None and day <= self.end))
            and (not self.sources or vote.source in self.sources)
            and (not self.voters or vote.voter in self.voters)
            and matches_prompt(vote, self.prompt)
        )


def filtered(all_votes: list[Vote], rule: VoteFilter) -> list[Vote]:
    return [v for v in all_votes if rule.keeps(v)]
