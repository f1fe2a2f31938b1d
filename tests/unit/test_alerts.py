"""Quota alerts to the admin's webhook: once per threshold, through the guard, retried, no key."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lib import netguard
from lib.credits import alerts, budget

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LOOPBACK_OK = netguard.NetPolicy(allowed_networks=netguard.LOOPBACK)


def spend(store, user: str, credits: float) -> None:
    store.add_usage(user, endpoint="chat", credits=credits, connection="preset", ts=T0)


def test_each_threshold_is_due_once_per_period(store):
    store.admin_set_quota("alice", daily=10, monthly=0)
    spend(store, "alice", 7)
    assert alerts.due_alert(store, "alice", T0) is None
    spend(store, "alice", 1)
    body = alerts.due_alert(store, "alice", T0)
    assert (body["threshold_percent"], body["used"], body["limit"], body["period"]) == (80, 8, 10, "day")
    assert alerts.due_alert(store, "alice", T0) is None  # sent already
    spend(store, "alice", 2)
    assert alerts.due_alert(store, "alice", T0)["threshold_percent"] == 100
    assert alerts.due_alert(store, "alice", T0) is None


class Hook:
    """A webhook that fails `failures` times with 503, then takes the alert."""

    def __init__(self, failures: int):
        self.bodies, self.headers = [], []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hook.headers.append(dict(self.headers))
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(503 if len(hook.bodies) <= failures else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_webhook_is_retried_and_never_carries_a_key():
    hook = Hook(failures=2)
    body = {"event": "quota", "user": "alice", "threshold_percent": 80}
    assert alerts.send_webhook(hook.url, body, LOOPBACK_OK, sleep=lambda s: None)
    assert hook.bodies == [body] * 3
    assert not any("Authorization" in headers for headers in hook.headers)
    hook.server.shutdown()


def test_the_webhook_goes_through_the_network_guard(canary):
    assert not alerts.send_webhook(canary.url + "/hook", {"user": "alice"}, netguard.NetPolicy(), sleep=lambda s: None)
    assert canary.requests == []


def test_a_users_own_budget_alerts_once_per_threshold_in_their_time_zone(store):
    """A budget is the user's own, on any connection, counted in their local day."""
    budget.set_limit(store, "alice", budget.DAY, 10)
    late = datetime(2026, 5, 1, 17, 30, tzinfo=UTC)  # already 2 May in Shanghai
    store.add_usage("alice", endpoint="chat", credits=8, connection="api.example.com", ts=late)
    body = alerts.due_budget_alert(store, "alice", "Asia/Shanghai", late)
    assert (body["event"], body["period"], body["period_start"], body["threshold_percent"]) == (
        "budget",
        "day",
        "2026-05-02",
        80,
    )
    assert (body["used"], body["limit"]) == (8, 10) and "key" not in json.dumps(body).lower()
    assert alerts.due_budget_alert(store, "alice", "Asia/Shanghai", late) is None  # sent already
    store.add_usage("alice", endpoint="images", credits=2, connection="sandbox", ts=late)
    assert alerts.due_budget_alert(store, "alice", "Asia/Shanghai", late)["threshold_percent"] == 100
    assert alerts.due_alert(store, "alice", late) is None, "no quota: no quota alert"
    assert alerts.due_budget_alert(store, "bob", "Asia/Shanghai", late) is None  # bob has no budget


def test_a_budget_alert_reaches_the_webhook_after_the_call_that_crossed_it(store):
    hook = Hook(failures=0)
    budget.set_limit(store, "alice", budget.MONTH, 5)
    store.add_usage("alice", endpoint="chat", credits=5, connection="sandbox")
    alerts.alert_after_paid_call(store, "alice", hook.url, LOOPBACK_OK, quota=False, tz_name="UTC")
    for _ in range(100):
        if hook.bodies:
            break
        threading.Event().wait(0.05)
    assert [(b["event"], b["period"], b["threshold_percent"]) for b in hook.bodies] == [("budget", "month", 100)]
    hook.server.shutdown()
