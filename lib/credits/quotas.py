"""The admin's quotas: how many credits a user may spend per day and per month (UTC) on the
admin's preset connection, where the key is the admin's.

A quota is set per user, or once for everyone (the default, for users without their own); 0
means no limit. It is checked before every paid call on that connection (the client's
`before_paid_call`), against what the ledger holds for the period plus the call's price: a
call that would pass the limit is refused, not sent. Users' own keys are theirs: no quota.

Calls under way count too: a call that passes the check holds the most it may cost (the
client's `most_credits_for`: a chat reply priced per 1K tokens is held for its `max_tokens`,
or `pricing.REPLY_TOKENS_CEILING` without one) in the database, in the check's own transaction
under a lock per user that every replica shares (lib/store/holds.py), until its ledger row,
at its real price, takes the hold's place. So cells sent at once by a Workbench run, or two
tabs on two replicas, cannot together pass the quota. A hold whose process died before its
call reported counts until HELD_SECONDS have passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lib.errors import QuotaExceededError
from lib.store import Store, utcnow
from lib.store.settings import QUOTA_DEFAULT

PRESET = "preset"  # the ledger's connection label of the admin's preset connection
DAY, MONTH = "day", "month"
WARN_SHARE = 0.8  # from 80% of a quota on, a banner says so (as budgets do, lib/credits/budget.py)


@dataclass(frozen=True)
class QuotaUse:
    """A user's limits (0: none) and what they spent on the preset connection this day and month."""

    daily: float
    monthly: float
    today: float
    this_month: float

    def refusal(self, price: float) -> QuotaExceededError | None:
        """Why a call of `price` credits may not be sent now, or None."""
        for period, limit, used in ((DAY, self.daily, self.today), (MONTH, self.monthly, self.this_month)):
            if limit and used + price > limit:
                return QuotaExceededError(period, limit=limit, used=used, price=price)
        return None

    def nearest_limit(self) -> tuple[str, float, float, float] | None:
        """(period, share used, used, limit) of the limit most used, or None without limits."""
        found = [
            (period, used / limit, used, limit)
            for period, limit, used in ((DAY, self.daily, self.today), (MONTH, self.monthly, self.this_month))
            if limit
        ]
        return max(found, key=lambda item: item[1], default=None)

    def left(self, period: str) -> float:
        limit, used = (self.daily, self.today) if period == DAY else (self.monthly, self.this_month)
        return max(limit - used, 0.0)


def _limits(store: Store, user: str) -> tuple[float, float] | None:
    """`user`'s (daily, monthly) limits, their own or everyone's, or None when neither is set."""
    quota = store.get_quota(user) or store.get_quota(QUOTA_DEFAULT)
    return (float(quota.get("daily") or 0), float(quota.get("monthly") or 0)) if quota else None


def _period_starts(now: datetime) -> tuple[datetime, datetime]:
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day_start, day_start.replace(day=1)


def preset_spend(store: Store, user: str, now: datetime | None = None) -> tuple[float, float]:
    """Credits `user` spent on the preset connection this UTC day and this month."""
    day_start, month_start = _period_starts(now or utcnow())
    return store.connection_spend(user, PRESET, day_start), store.connection_spend(user, PRESET, month_start)


def quota_use(store: Store, user: str, now: datetime | None = None) -> QuotaUse | None:
    """`user`'s quota and its use, or None when neither they nor everyone has one."""
    limits = _limits(store, user)
    return None if limits is None else QuotaUse(*limits, *preset_spend(store, user, now))


HELD_SECONDS = 960.0  # the client's longest call (BaseClient.deadline_seconds) and a minute more


def check_quota(store: Store, user: str, price: float, now: datetime | None = None) -> int | None:
    """Raise QuotaExceededError when a call of up to `price` credits, with the ledger's spend and
    every call under way, would pass `user`'s quota; otherwise hold `price` until the call's
    ledger row is written, and return the hold's id (for its `CallRecord.hold`). None when
    the user has no quota (nothing is held)."""
    limits = _limits(store, user)
    if limits is None:
        return None
    now = now or utcnow()
    with store.quota_holding(user, now) as holding:
        today, this_month = holding.spent_and_held(PRESET, _period_starts(now))
        refusal = QuotaUse(*limits, today, this_month).refusal(price)
        if refusal is not None:
            raise refusal
        return holding.hold(price, now + timedelta(seconds=HELD_SECONDS))


def shares_used(
    store: Store, users: list[str], now: datetime | None = None
) -> dict[str, tuple[float | None, float | None]]:
    """Per user, the share of their daily and monthly quota used (None where there is no limit);
    users with no quota at all are left out. For the admins' per-user table."""
    found = {}
    for user in users:
        use = quota_use(store, user, now)
        if use is not None:
            found[user] = (
                use.today / use.daily if use.daily else None,
                use.this_month / use.monthly if use.monthly else None,
            )
    return found
