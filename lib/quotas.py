"""The admin's quotas: how many credits a user may spend per day and per month (UTC) on the
admin's preset connection, where the key is the admin's.

A quota is set per user, or once for everyone (the default, for users without their own); 0
means no limit. It is checked before every paid call on that connection (the client's
`before_paid_call`), against what the ledger holds for the period plus the call's price: a
call that would pass the limit is refused, not sent. Users' own keys are theirs: no quota.

Calls in flight count too: a call that passed the check holds its price (`InFlight`) until the
ledger has its row (`settling`), so cells sent at once by a Workbench run, or two tabs, cannot
together pass the quota. This is per process (each replica holds its own calls in flight).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from lib.errors import QuotaExceededError
from lib.store import Store, utcnow
from lib.store.settings import QUOTA_DEFAULT

PRESET = "preset"  # the ledger's connection label of the admin's preset connection
DAY, MONTH = "day", "month"
WARN_SHARE = 0.8  # from 80% of a quota on, a banner says so (as budgets do, lib/budget.py)


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
                return QuotaExceededError(period, limit=limit, used=used)
        return None

    def nearest_limit(self) -> tuple[str, float, float, float] | None:
        """(period, share used, used, limit) of the limit most used, or None without limits."""
        found = [(period, used / limit, used, limit) for period, limit, used in
                 ((DAY, self.daily, self.today), (MONTH, self.monthly, self.this_month)) if limit]
        return max(found, key=lambda item: item[1], default=None)

    def left(self, period: str) -> float:
        limit, used = (self.daily, self.today) if period == DAY else (self.monthly, self.this_month)
        return max(limit - used, 0.0)


def quota_use(store: Store, user: str, now: datetime | None = None) -> QuotaUse | None:
    """`user`'s quota and its use, or None when neither they nor everyone has one."""
    quota = store.get_quota(user) or store.get_quota(QUOTA_DEFAULT)
    if not quota:
        return None
    now = (now or utcnow()).astimezone(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return QuotaUse(daily=float(quota.get("daily") or 0), monthly=float(quota.get("monthly") or 0),
                    today=store.connection_spend(user, PRESET, day_start),
                    this_month=store.connection_spend(user, PRESET, day_start.replace(day=1)))


class InFlight:
    """The prices of calls that passed the quota check and are not in the ledger yet, per user of
    a database. One that never reports (a stream abandoned unread) is let go after HELD_SECONDS,
    the client's longest call."""

    HELD_SECONDS = 900.0

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held from a check to its reservation: two calls cannot both fit
        self._held: dict[tuple[str, str], list[tuple[float, float]]] = {}

    def total(self, user: tuple[str, str]) -> float:
        """Credits held for `user` (call with `lock` held)."""
        oldest = time.monotonic() - self.HELD_SECONDS
        held = self._held[user] = [(at, price) for at, price in self._held.get(user, []) if at > oldest]
        return sum(price for _, price in held)

    def hold(self, user: tuple[str, str], price: float) -> None:
        self._held.setdefault(user, []).append((time.monotonic(), price))

    @contextmanager
    def settling(self, user: tuple[str, str], price: float) -> Iterator[None]:
        """Write the call's ledger row inside: the price stops being held as the row lands, with
        no check in between (which would count the call twice, or not at all)."""
        with self.lock:
            try:
                yield
            finally:
                held = self._held.get(user, [])
                match = next((i for i, (_, held_price) in enumerate(held) if held_price == price), None)
                if match is not None:
                    held.pop(match)


IN_FLIGHT = InFlight()


def check_quota(store: Store, user: str, price: float, now: datetime | None = None,
                in_flight: InFlight = IN_FLIGHT) -> None:
    """Raise QuotaExceededError when a call of `price` credits, with the calls still in flight,
    would pass `user`'s quota; otherwise hold its price until `settled`."""
    with in_flight.lock:
        use = quota_use(store, user, now)
        if use is None:
            return
        pending = in_flight.total((store.url, user))
        refusal = QuotaUse(use.daily, use.monthly, use.today + pending, use.this_month + pending).refusal(price)
        if refusal is not None:
            raise refusal
        in_flight.hold((store.url, user), price)


def settling(store: Store, user: str, price: float, in_flight: InFlight = IN_FLIGHT):
    """Around writing the ledger row of a call that passed `check_quota`: its price is held no more."""
    return in_flight.settling((store.url, user), price)


def shares_used(store: Store, users: list[str], now: datetime | None = None) -> dict[str, tuple[float | None, float | None]]:
    """Per user, the share of their daily and monthly quota used (None where there is no limit);
    users with no quota at all are left out. For the admins' per-user table."""
    found = {}
    for user in users:
        use = quota_use(store, user, now)
        if use is not None:
            found[user] = (use.today / use.daily if use.daily else None,
                           use.this_month / use.monthly if use.monthly else None)
    return found
