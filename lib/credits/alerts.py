"""Alerts when a user reaches 80% and 100% of the admin's quota on the preset connection, or of
their own credit budget (lib/credits/budget.py, any connection).

The banners are `render_quota_banner` (lib/ui/connection.py) and `render_budget_banner`
(lib/ui/credits/budget.py). When the admin sets `[alerts] webhook_url`, each threshold crossed also
sends one POST of JSON there (`"event": "quota"` or `"budget"`), once per user, kind, period
and threshold: through the network guard (the `[security]` rules; the URL is not trusted for
being the admin's), retried on a failed connection, 429 or 5xx, in a background thread so the
user's call never waits for it. The body names the user and the numbers, never a key, and the
request carries no Authorization header.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

import httpx

from lib import netguard
from lib.credits import budget, quotas
from lib.errors import RefusedAddressError
from lib.formats import zone
from lib.store import Store, utcnow

log = logging.getLogger("reshi.alerts")

LEVELS = (0.8, 1.0)
SENT_KEY = "quota_alerts_sent"  # the user's setting: which (period start, threshold) were sent
BUDGET_SENT_KEY = "budget_alerts_sent"  # the same for their own budget
ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0, 2.0)


def due_alert(store: Store, user: str, now: datetime | None = None) -> dict | None:
    """The webhook body for the highest threshold `user` has newly reached, or None; marks it sent."""
    now = now or utcnow()
    use = quotas.quota_use(store, user, now)
    nearest = use.nearest_limit() if use else None
    if nearest is None:
        return None
    period, share, used, limit = nearest
    start = now.strftime("%Y-%m-%d" if period == quotas.DAY else "%Y-%m")
    level = _newly_reached(store, user, SENT_KEY, period, start, share)
    if level is None:
        return None
    return {
        "event": "quota",
        "user": user,
        "period": period,
        "period_start": start,
        "threshold_percent": round(level * 100),
        "used": used,
        "limit": limit,
        "at": now.isoformat(),
    }


def due_budget_alert(store: Store, user: str, tz_name: str | None, now: datetime | None = None) -> dict | None:
    """The webhook body for the highest threshold of `user`'s own budget newly reached (their
    day and month in their time zone), or None; marks it sent."""
    now = now or utcnow()
    status = max(budget.statuses(store, user, tz_name, now), key=lambda s: s.share, default=None)
    if status is None:
        return None
    start = budget.period_range(status.period, tz_name, now)[0].astimezone(zone(tz_name))
    start_text = start.strftime("%Y-%m-%d" if status.period == budget.DAY else "%Y-%m")
    level = _newly_reached(store, user, BUDGET_SENT_KEY, status.period, start_text, status.share)
    if level is None:
        return None
    return {
        "event": "budget",
        "user": user,
        "period": status.period,
        "period_start": start_text,
        "time_zone": tz_name or "UTC",
        "threshold_percent": round(level * 100),
        "used": status.spent,
        "limit": status.limit,
        "at": now.isoformat(),
    }


def _newly_reached(store: Store, user: str, sent_key: str, period: str, start: str, share: float) -> float | None:
    """The highest of LEVELS that `share` reaches and that was not sent for this period yet
    (then remembered as sent), or None."""
    level = max((level for level in LEVELS if share >= level), default=None)
    if level is None:
        return None
    sent = store.get_setting(user, sent_key) or {}
    if sent.get(period) == start and sent.get(f"{period}_level", 0) >= level:
        return None
    store.set_setting(user, sent_key, {**sent, period: start, f"{period}_level": level})
    return level


def send_webhook(url: str, body: dict, policy: netguard.NetPolicy, sleep=time.sleep) -> bool:
    """POST `body` as JSON to `url` through the guard; True once it was taken (2xx)."""
    with httpx.Client(
        transport=netguard.GuardedTransport(policy), trust_env=False, timeout=10, follow_redirects=False
    ) as client:
        for attempt in range(ATTEMPTS):
            try:
                netguard.check_url(url)
                response = client.post(url, json=body)
                if response.is_success:
                    return True
                retry = response.status_code == 429 or response.status_code >= 500
                problem = f"status {response.status_code}"
            except RefusedAddressError as exc:
                log.warning("alert webhook refused by the network guard: %s", exc)
                return False
            except httpx.HTTPError as exc:
                retry, problem = True, type(exc).__name__
            if not retry or attempt == ATTEMPTS - 1:
                log.warning("alert webhook not delivered (%s) for user=%r", problem, body.get("user"))
                return False
            sleep(BACKOFF_SECONDS[attempt])
    return False


def alert_after_paid_call(
    store: Store,
    user: str,
    url: str | None,
    policy: netguard.NetPolicy,
    *,
    quota: bool = True,
    tz_name: str | None = None,
) -> None:
    """After a paid call: send the alerts it made due (the quota's when it was on the preset
    connection, the user's own budget's on any), if a webhook is set."""
    if not url:
        return
    bodies = [due_alert(store, user) if quota else None, due_budget_alert(store, user, tz_name)]
    for body in filter(None, bodies):
        threading.Thread(
            target=send_webhook, args=(url, body, policy), daemon=True, name=f"{body['event']}-alert"
        ).start()
