"""Alerts when a user reaches 80% and 100% of the admin's quota on the preset connection.

The banner is `render_quota_banner` (lib/ui/connection.py). When the admin sets `[alerts]
webhook_url`, each threshold crossed also sends one POST of JSON there, once per user, period
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

from lib import netguard, quotas
from lib.errors import RefusedAddressError
from lib.store import Store, utcnow

log = logging.getLogger("reshi.alerts")

LEVELS = (0.8, 1.0)
SENT_KEY = "quota_alerts_sent"  # the user's setting: which (period start, threshold) were sent
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
    level = max((level for level in LEVELS if share >= level), default=None)
    if level is None:
        return None
    start = now.strftime("%Y-%m-%d" if period == quotas.DAY else "%Y-%m")
    sent = store.get_setting(user, SENT_KEY) or {}
    if sent.get(period) == start and sent.get(f"{period}_level", 0) >= level:
        return None
    store.set_setting(user, SENT_KEY, {**sent, period: start, f"{period}_level": level})
    return {"event": "quota", "user": user, "period": period, "period_start": start,
            "threshold_percent": round(level * 100), "used": used, "limit": limit, "at": now.isoformat()}


def send_webhook(url: str, body: dict, policy: netguard.NetPolicy, sleep=time.sleep) -> bool:
    """POST `body` as JSON to `url` through the guard; True once it was taken (2xx)."""
    with httpx.Client(transport=netguard.GuardedTransport(policy), trust_env=False, timeout=10,
                      follow_redirects=False) as client:
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


def alert_after_paid_call(store: Store, user: str, url: str | None, policy: netguard.NetPolicy) -> None:
    """After a call on the preset connection: send the alert it made due, if a webhook is set."""
    if not url:
        return
    body = due_alert(store, user)
    if body is not None:
        threading.Thread(target=send_webhook, args=(url, body, policy), daemon=True,
                         name="quota-alert").start()
