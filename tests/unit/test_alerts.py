"""Quota alerts to the admin's webhook: once per threshold, through the guard, retried, no key."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lib import alerts, netguard

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
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
