"""Hostile users against a real `streamlit run` in login mode, in Chromium: the app stays up for
everyone else while one user's input is being handled."""
from __future__ import annotations

import re
import threading
import time

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.helpers import wait_for_app
from tests.e2e.test_workbench import add_check, open_workbench, paste_cases

# Exponential for a backtracking engine on any reply without "QQQ": Python's `re` held the GIL
# on it until the process was killed.
HOSTILE_PATTERN = "((?s:.)|(?s:.))*QQQ"


class HealthWatch:
    """Asks /_stcore/health again and again in a thread, keeping the slowest answer's time (or
    the error when one did not come within a second)."""

    def __init__(self, app_url: str):
        self.url = f"{app_url}/_stcore/health"
        self.slowest = 0.0
        self.failures: list[str] = []
        self.answers = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "HealthWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        with httpx.Client(timeout=1.0) as client:
            while not self._done.is_set():
                started = time.monotonic()
                try:
                    client.get(self.url).raise_for_status()
                    self.answers += 1
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.slowest = max(self.slowest, time.monotonic() - started)
                self._done.wait(0.1)


def test_hostile_regex_check_does_not_hold_the_server(page: Page, app_url):
    open_workbench(page, app_url)
    paste_cases(page, "topic\taudience\ntides\tkids\nrain\tadults")
    page.get_by_text("Checks on every reply").click()
    add_check(page, HOSTILE_PATTERN)
    page.get_by_role("combobox", name="Check").last.click()
    page.get_by_role("option", name="matches regex").click()
    wait_for_app(page)

    with HealthWatch(app_url) as health:
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text(re.compile(r"Run #\d+ · prompt v\d+"))).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"matches regex {HOSTILE_PATTERN}").first).to_be_visible()
    assert health.answers and not health.failures, health.failures
    assert health.slowest < 1.0, f"the health check took {health.slowest:.2f} s"
