"""Credit budgets: a daily and a monthly limit per user, checked against the usage ledger.

No Streamlit here. Limits live in the user's settings (None: no limit). "Spent" is the net of
the ledger's credits in the user's current local day or month (refunds count back), so a day
starts at the user's own midnight, from the browser's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from lib.credits.usage import local_midnight, zone
from lib.store import Store

DAY, MONTH = "day", "month"
PERIODS = (DAY, MONTH)
SETTING = {DAY: "budget.daily", MONTH: "budget.monthly"}
WARN_AT = 0.8
OK, WARN, EXCEEDED = "ok", "warn", "exceeded"


@dataclass(frozen=True)
class PeriodStatus:
    period: str  # DAY or MONTH
    limit: float
    spent: float

    @property
    def share(self) -> float:
        return self.spent / self.limit if self.limit > 0 else 1.0

    @property
    def state(self) -> str:
        """EXCEEDED once the whole limit is used, WARN from 80% on, else OK."""
        if self.spent >= self.limit:
            return EXCEEDED
        return WARN if self.share >= WARN_AT else OK

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.spent)


def get_limits(store: Store, user: str) -> dict[str, float | None]:
    return {period: _as_limit(store.get_setting(user, SETTING[period])) for period in PERIODS}


def set_limit(store: Store, user: str, period: str, limit: float | None) -> None:
    """Store a limit; None or a non-positive number removes it."""
    store.set_setting(user, SETTING[period], _as_limit(limit))


def _as_limit(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def period_range(period: str, tz_name: str | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in aware UTC of the current local day or month."""
    tz = zone(tz_name)
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    if period == DAY:
        return local_midnight(today, tz), local_midnight(today + timedelta(days=1), tz)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first, tz), local_midnight(following, tz)


def spent(store: Store, user: str, start: datetime, end: datetime) -> float:
    """Net credits in the user's ledger between start and end (one indexed SUM)."""
    return round(store.usage_ledger(user).net_credits(start, end), 6)


def statuses(store: Store, user: str, tz_name: str | None, now: datetime | None = None) -> list[PeriodStatus]:
    """One status per period that has a limit, day first."""
    result = []
    for period, limit in get_limits(store, user).items():
        if limit is not None:
            result.append(PeriodStatus(period, limit, spent(store, user, *period_range(period, tz_name, now))))
    return result


def worst(found: list[PeriodStatus]) -> PeriodStatus | None:
    """The status to show in a banner: an exceeded one before a warning; None when all is ok."""
    flagged = [s for s in found if s.state != OK]
    return max(flagged, key=lambda s: (s.state == EXCEEDED, s.share)) if flagged else None


def would_exceed(
    store: Store, user: str, cost: float, tz_name: str | None, now: datetime | None = None
) -> PeriodStatus | None:
    """The first limit that a call costing `cost` would pass, or None when it fits every limit."""
    for status in statuses(store, user, tz_name, now):
        if status.spent + cost > status.limit:
            return status
    return None


class Confirmation(Enum):
    """Where a paid call stands against the budget (lib/ui/credits/budget.py draws it, one per kind of call)."""

    UNASKED = "unasked"  # nothing decided: the call is checked against every limit
    ASKING = "asking"  # it would pass a limit: "Send anyway" and "Cancel" are shown
    CONFIRMED = "confirmed"  # "Send anyway": the next check lets the call go past the limit, once
    GOES = "goes"  # within every limit, or confirmed: the call goes and the confirmation is used up
    CANCELLED = "cancelled"  # "Cancel": the caller drops the waiting call


class BudgetEvent(Enum):
    FITS = "fits"  # a check found the call within every limit
    OVER = "over"  # a check found it would pass one
    SEND_ANYWAY = "send_anyway"
    CANCEL = "cancel"


def confirmation_after(step: Confirmation, event: BudgetEvent) -> Confirmation:
    """The confirmation after `event`. The two buttons count only while they are shown."""
    if event in (BudgetEvent.SEND_ANYWAY, BudgetEvent.CANCEL):
        if step is not Confirmation.ASKING:
            return step
        return Confirmation.CONFIRMED if event is BudgetEvent.SEND_ANYWAY else Confirmation.CANCELLED
    if step is Confirmation.CONFIRMED or event is BudgetEvent.FITS:
        return Confirmation.GOES
    return Confirmation.ASKING
