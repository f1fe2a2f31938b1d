"""Where the credits went: the usage ledger, aggregated for the Usage page. No Streamlit here.

The heavy lifting is one SQL GROUP BY over the chosen range (`cube`): rows per local time
bucket, user, endpoint, model, outcome, source (what in the app made the call: chat, compare,
workbench, judge, images, video, upload, balance) and connection (preset, sandbox or a custom
host), with their calls, credits and tokens. It is small (days x users x models x a few) however
long the ledger is, so the page's filters and every chart are then cheap pandas work on it. Latency percentiles and
the calls table need the rows themselves and get their own filtered queries.

Time zones: buckets are local days or hours in the browser's zone. lib/credits/usage_scope.py finds
the zone's transitions inside the range; the store's ledger (lib.store.ledger, where the SQL lives)
buckets each row by the offset in force at its instant, so DST and half-hour zones bucket exactly.

What counts where: refunds are ledger rows with negative credits (a failed video); they lower
the credits spent but are not requests. The free bookkeeping calls the app makes by itself
(`models` for the model list, `billing` for the balance) are left out of the cards and charts,
where they would only be noise, but the calls table and its CSV list them like any other call.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import pandas as pd

from lib.credits.pricing import BILLING, CHAT, IMAGES, JUDGE, MODELS, SOURCES, UPLOAD, VIDEO, VIDEO_STATUS

# What is asked (the range, its zone and buckets, the filters): re-exported for the page.
from lib.credits.usage_scope import ALL as ALL
from lib.credits.usage_scope import BUCKET_SECONDS as BUCKET_SECONDS
from lib.credits.usage_scope import CUSTOM as CUSTOM
from lib.credits.usage_scope import DAY as DAY
from lib.credits.usage_scope import DAYS_7 as DAYS_7
from lib.credits.usage_scope import DAYS_30 as DAYS_30
from lib.credits.usage_scope import HOUR as HOUR
from lib.credits.usage_scope import MAX_HOURLY_DAYS as MAX_HOURLY_DAYS
from lib.credits.usage_scope import MIN_CHART_BUCKETS as MIN_CHART_BUCKETS
from lib.credits.usage_scope import PRESET_DAYS as PRESET_DAYS
from lib.credits.usage_scope import PRESETS as PRESETS
from lib.credits.usage_scope import TODAY as TODAY
from lib.credits.usage_scope import Filters as Filters
from lib.credits.usage_scope import Scope as Scope
from lib.credits.usage_scope import chart_bounds as chart_bounds
from lib.credits.usage_scope import effective_granularity as effective_granularity
from lib.credits.usage_scope import local_bounds as local_bounds
from lib.credits.usage_scope import local_midnight as local_midnight
from lib.credits.usage_scope import preset_range as preset_range
from lib.credits.usage_scope import zone_offsets as zone_offsets
from lib.formats import zone
from lib.store import CUBE_COLUMNS, CUBE_KEY_COUNT, ERROR, NO_CONNECTION, REFUND, Store, UsageLedger
from lib.store import OUTCOMES as OUTCOMES  # the usage page lists them; explicit re-export

WORK_ENDPOINTS = (CHAT, JUDGE, IMAGES, VIDEO, UPLOAD)
ENDPOINTS = WORK_ENDPOINTS + (VIDEO_STATUS, MODELS, BILLING)
NO_MODEL = "—"  # calls without a model (uploads, image calls that name none): charts name their endpoint
# What the credit charts may be broken down by (the page's choice); each is a cube column.
MODEL, ENDPOINT, SOURCE, CONNECTION = "model", "endpoint", "source", "connection"
BREAKDOWNS = (MODEL, ENDPOINT, SOURCE, CONNECTION)
LATENCY_BUCKET_MS = 10
TABLE_LIMIT = 1000
CSV_COLUMNS = (
    "time",
    "user",
    "endpoint",
    "model",
    "outcome",
    "status",
    "error_kind",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "credits",
    "request_id",
    "source",
    "connection",
)


def _ledger(store: Store, scope: Scope) -> UsageLedger:
    """The rows the scope may see: the user's own, or every user's for an admin's scope."""
    return store.admin_usage_ledger() if scope.user is None else store.usage_ledger(scope.user)


def ledger_version(store: Store) -> int:
    """The newest ledger row id: the ledger is append-only, so a cache keyed on it stays right."""
    return store.ledger_version()


def ledger_span(store: Store, scope: Scope) -> tuple[datetime | None, datetime | None]:
    """The first and last timestamps in scope (aware UTC)."""
    return _ledger(store, scope).span(scope.start, scope.end)


def add_up(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Aggregates of disjoint row sets merged into one: every non-key column is a sum."""
    filled = [f for f in frames if not f.empty]
    if len(filled) < 2:
        return filled[0] if filled else frames[0]  # an empty one still has its columns
    return pd.concat(filled).groupby(keys, as_index=False, sort=False).sum()


# --- the cube --------------------------------------------------------------------------------

CUBE_KEYS = CUBE_COLUMNS[:CUBE_KEY_COUNT]


def cube(store: Store, scope: Scope, after_id: int | None = None, upto_id: int | None = None) -> pd.DataFrame:
    """Calls, credits and tokens per (local bucket start, user, endpoint, model, outcome, source,
    connection).

    `bucket` is the naive local wall time where the bucket starts. With after_id/upto_id, only
    those rows (to add to an earlier cube with `add_up(frames, CUBE_KEYS)`).
    """
    first, last = ledger_span(store, scope)
    if first is None or last is None:
        return _typed_cube(pd.DataFrame(columns=CUBE_COLUMNS))
    width = BUCKET_SECONDS[scope.granularity]
    offsets = zone_offsets(zone(scope.tz), scope.start or first, scope.end or last + timedelta(seconds=1))
    frame = _ledger(store, scope).cube(
        scope.start, scope.end, bucket_seconds=width, offsets=offsets, after_id=after_id, upto_id=upto_id
    )
    frame["bucket"] = pd.to_datetime(frame["bucket"].astype("int64") * width, unit="s")
    return _typed_cube(frame)


def _typed_cube(frame: pd.DataFrame) -> pd.DataFrame:
    frame["bucket"] = pd.to_datetime(frame["bucket"])
    frame["model"] = frame["model"].fillna(NO_MODEL).astype(str)
    frame["connection"] = frame["connection"].fillna(NO_CONNECTION).astype(str)
    frame["source"] = frame["source"].astype(str)
    for name in ("rows", "prompt_tokens", "completion_tokens"):
        frame[name] = frame[name].astype("int64")
    frame["credits"] = frame["credits"].astype("float64")
    return frame


def apply_filters(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The cube narrowed by the page's filters (the same meaning as the ledger's SQL filters)."""
    keep = pd.Series(True, index=frame.index)
    for column, values in (
        ("user", filters.users),
        ("model", filters.models),
        ("endpoint", filters.endpoints),
        ("outcome", filters.outcomes),
        ("source", filters.sources),
        ("connection", filters.connections),
    ):
        if values:
            keep &= frame[column].isin(values)
    return frame[keep]


def work(frame: pd.DataFrame) -> pd.DataFrame:
    """Cube rows of the paid-API endpoints: what the cards and charts show."""
    return frame[frame["endpoint"].isin(WORK_ENDPOINTS)]


# --- cards and charts from the cube ----------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    credits: float
    requests: int
    errors: int
    tokens: int
    refunded: float = 0.0  # credits given back (positive), already netted out of `credits`

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


def summarize(frame: pd.DataFrame) -> Summary:
    rows = work(frame)
    calls = rows[rows["outcome"] != REFUND]
    return Summary(
        credits=round(float(rows["credits"].sum()), 6),
        requests=int(calls["rows"].sum()),
        errors=int(rows.loc[rows["outcome"] == ERROR, "rows"].sum()),
        tokens=int(rows["prompt_tokens"].sum() + rows["completion_tokens"].sum()),
        refunded=round(-float(rows.loc[rows["outcome"] == REFUND, "credits"].sum()), 6),
    )


def series_columns(by: str) -> list[str]:
    """The cube columns that tell one series of a breakdown from another: by model, a call
    without one is its endpoint's (an upload is not lumped with an image call that named none)."""
    return ["endpoint", MODEL] if by == MODEL else [by]


def credits_over_time(frame: pd.DataFrame, by: str = MODEL) -> pd.DataFrame:
    """Net credits per bucket and series of `by`: refunds net out against the same series' spend."""
    return work(frame).groupby(["bucket", *series_columns(by)], as_index=False)["credits"].sum()


def credits_by(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Net credits and calls (refunds are not calls) per series of `by`, biggest first."""
    rows, keys = work(frame), series_columns(by)
    rows = rows.assign(calls=rows["rows"].where(rows["outcome"] != REFUND, 0))
    result = rows.groupby(keys, as_index=False)[["credits", "calls"]].sum()
    result["calls"] = result["calls"].astype("int64")
    return result.sort_values(["credits", *keys], ascending=[False] + [True] * len(keys)).reset_index(drop=True)


def tokens_over_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Long format: bucket, kind ('prompt' | 'completion'), tokens."""
    sums = work(frame).groupby("bucket", as_index=False)[["prompt_tokens", "completion_tokens"]].sum()
    long = sums.melt(id_vars="bucket", var_name="kind", value_name="tokens")
    long["kind"] = long["kind"].str.removesuffix("_tokens")
    return long[long["tokens"] > 0].reset_index(drop=True)


def calls_by_model(frame: pd.DataFrame) -> pd.DataFrame:
    """Calls per (endpoint, model), most used first; refunds are not calls."""
    rows = work(frame)
    rows = rows[rows["outcome"] != REFUND]
    result = rows.groupby(["endpoint", "model"], as_index=False)["rows"].sum().rename(columns={"rows": "calls"})
    return result.sort_values(["calls", "model"], ascending=[False, True]).reset_index(drop=True)


def by_user(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-user breakdown for admins: credits, requests, errors, tokens; biggest spender first."""
    rows = work(frame).assign(
        requests=lambda f: f["rows"].where(f["outcome"] != REFUND, 0),
        errors=lambda f: f["rows"].where(f["outcome"] == ERROR, 0),
        tokens=lambda f: f["prompt_tokens"] + f["completion_tokens"],
    )
    result = rows.groupby("user", as_index=False)[["credits", "requests", "errors", "tokens"]].sum()
    return result.sort_values(["credits", "user"], ascending=[False, True]).reset_index(drop=True)


def options(frame: pd.DataFrame, column: str) -> list[str]:
    """The values present in the cube, for a filter's choices (sources in their fixed order)."""
    present = set(frame[column].unique()) - {NO_MODEL}
    if column == SOURCE:
        return [s for s in SOURCES if s in present] + sorted(present - set(SOURCES))
    return sorted(present)


# --- queries on the rows themselves ----------------------------------------------------------

HISTOGRAM_KEYS = ["endpoint", "bucket"]


def latency_histogram(
    store: Store, scope: Scope, filters: Filters, after_id: int | None = None, upto_id: int | None = None
) -> pd.DataFrame:
    """Calls per (endpoint, 10 ms latency bucket), built in SQL; adds up like the cube.

    Refunds (bookkeeping rows, no call) and calls without a latency are left out.
    """
    return _ledger(store, scope).latency_histogram(
        scope.start,
        scope.end,
        bucket_ms=LATENCY_BUCKET_MS,
        among_endpoints=WORK_ENDPOINTS,
        after_id=after_id,
        upto_id=upto_id,
        **asdict(filters),
    )


def percentiles(histogram: pd.DataFrame, quantiles: tuple[float, ...] = (0.5, 0.95)) -> pd.DataFrame:
    """p50/p95 latency (ms) per endpoint from a histogram, nearest-rank."""
    rows = [
        {"endpoint": endpoint, **{f"p{round(q * 100)}": _nearest_rank(group, q) for q in quantiles}}
        for endpoint, group in histogram.groupby("endpoint")
    ]
    return pd.DataFrame(rows, columns=["endpoint", *[f"p{round(q * 100)}" for q in quantiles]])


def _nearest_rank(histogram: pd.DataFrame, q: float) -> float:
    ordered = histogram.sort_values("bucket")
    rank = max(1, math.ceil(q * ordered["n"].sum()))
    position = (ordered["n"].cumsum() >= rank).to_numpy().argmax()
    return float(ordered["bucket"].iloc[position] * LATENCY_BUCKET_MS)


def calls(store: Store, scope: Scope, filters: Filters, limit: int | None = TABLE_LIMIT) -> pd.DataFrame:
    """The filtered calls, newest first, with `time` in the scope's zone (aware)."""
    frame = _ledger(store, scope).calls(scope.start, scope.end, limit=limit, **asdict(filters))
    frame.insert(0, "time", frame.pop("ts").dt.tz_convert(zone(scope.tz)))
    return frame


CSV_CREDIT_DECIMALS = 6


def calls_csv(store: Store, scope: Scope, filters: Filters) -> bytes:
    """Every filtered call (not only the table's first rows) as UTF-8 CSV, local ISO times."""
    frame = calls(store, scope, filters, limit=None)
    for name in frame.select_dtypes(include="object").columns:
        frame[name] = frame[name].map(_inert)
    frame["time"] = frame["time"].map(lambda ts: ts.isoformat())
    # Whole milliseconds, and credits to a millionth (prices per 1K tokens make fractions):
    # the raw floats read 1234.5678901234567 in a spreadsheet.
    frame["latency_ms"] = frame["latency_ms"].round().astype("Int64")
    frame["credits"] = frame["credits"].round(CSV_CREDIT_DECIMALS)
    return frame.to_csv(index=False).encode("utf-8")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell):
    """A text cell a spreadsheet would run as a formula (a model named `=HYPERLINK(...)` by a
    server) starts with a quote instead, so it shows as written. Numbers (a refund's -15) are
    not text and stay numbers."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
