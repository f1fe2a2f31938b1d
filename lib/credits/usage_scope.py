"""What the Usage page asks of the ledger: a range of time (a preset or custom local days, in the
browser's zone), how it is bucketed (hours or days), whose rows and which filters. No Streamlit here.

Time zones: the range is whole local days; `zone_offsets` finds the zone's transitions inside
it, so the store can bucket each row by the offset in force at its instant (lib/credits/usage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from lib.formats import zone

TODAY, DAYS_7, DAYS_30, ALL, CUSTOM = "today", "7d", "30d", "all", "custom"
PRESETS = (TODAY, DAYS_7, DAYS_30, ALL, CUSTOM)
PRESET_DAYS = {TODAY: 1, DAYS_7: 7, DAYS_30: 30}
HOUR, DAY = "hour", "day"
BUCKET_SECONDS = {HOUR: 3600, DAY: 86400}
MAX_HOURLY_DAYS = 31  # beyond this, hourly bars are too thin to read: the page falls back to days


# --- ranges and zones -----------------------------------------------------------------------


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` in `tz`, as aware UTC."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def preset_range(
    preset: str, tz_name: str | None, now: datetime | None = None, custom: tuple[date, date] | None = None
) -> tuple[datetime | None, datetime | None]:
    """[start, end) in aware UTC for a preset, in whole local days ending with today.

    "7d" is today and the six days before it; "all" is unbounded (None, None); "custom" is the
    inclusive pair of local dates in `custom`.
    """
    tz = zone(tz_name)
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    if preset == ALL:
        return None, None
    if preset == CUSTOM:
        first, last = sorted(custom or (today, today))
    else:
        first, last = today - timedelta(days=PRESET_DAYS[preset] - 1), today
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def effective_granularity(requested: str, start: datetime | None, end: datetime | None) -> str:
    """Hours only for ranges up to MAX_HOURLY_DAYS; longer (or unbounded) ranges use days."""
    if requested == HOUR and start and end and end - start <= timedelta(days=MAX_HOURLY_DAYS):
        return HOUR
    return DAY


def local_bounds(scope: Scope) -> tuple[datetime, datetime] | None:
    """The range as naive local wall times (the charts' time axis), or None when unbounded."""
    if scope.start is None or scope.end is None:
        return None
    tz = zone(scope.tz)
    return scope.start.astimezone(tz).replace(tzinfo=None), scope.end.astimezone(tz).replace(tzinfo=None)


MIN_CHART_BUCKETS = 7


def chart_bounds(scope: Scope, first: datetime | None, last: datetime | None) -> tuple[datetime, datetime] | None:
    """The charts' time axis (naive local): the range, but not its quiet start beyond the last
    MIN_CHART_BUCKETS buckets: 30 days of which only today had calls read as one hairline at
    the right edge. An unbounded range spans its calls. None when there is nothing to span."""
    bounds = local_bounds(scope)
    if first is None or last is None or pd.isna(first):
        return bounds
    width = timedelta(seconds=BUCKET_SECONDS[scope.granularity])
    start, end = bounds or (datetime.min, last + width)
    return max(start, min(first, end - MIN_CHART_BUCKETS * width)), end


def zone_offsets(tz: ZoneInfo, start: datetime, end: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The zone's UTC offset (seconds) at `start`, and each (instant, new offset) change up to `end`.

    Steps a day at a time and bisects to the second inside a day where the offset changed.
    """

    def offset(at: datetime) -> int:
        return int((at.astimezone(tz).utcoffset() or timedelta()).total_seconds())

    first, changes = offset(start), []
    cursor, current = start, first
    while cursor < end:
        step = min(cursor + timedelta(days=1), end)
        if offset(step) != current:
            low, high = cursor, step  # offset(low) == current != offset(high)
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            current = offset(high)
            changes.append((high.replace(microsecond=0), current))
        cursor = step
    return first, changes


# --- what is asked ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose rows, which range and how to bucket them: what the SQL cube depends on."""

    user: str | None  # None: every user's rows (admins only)
    start: datetime | None
    end: datetime | None
    tz: str = "UTC"
    granularity: str = DAY


@dataclass(frozen=True)
class Filters:
    """The page's narrowing choices; an empty tuple means "any"."""

    users: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    connections: tuple[str, ...] = ()
