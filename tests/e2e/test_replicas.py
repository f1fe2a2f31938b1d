"""Two replicas on one PostgreSQL behind nginx (deploy/nginx.conf), in Chromium: what one
replica wrote, the other serves. One browser goes through nginx and lands on whichever replica
the sticky cookie picks; a second browser opens the other replica directly, since two loopback
browsers cannot be steered to different replicas by nginx itself."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from playwright.sync_api import Browser, Page, expect

from lib.credits import quotas
from lib.store import Store
from tests.e2e.helpers import REPLY_DONE, login, start_new_chat, wait_for_app
from tests.e2e.test_video import card, create, expect_playing_video

USER = "alice"
REPLICA_COOKIE = "playground_replica"
LOG_LINE = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) replica_key=(?P<key>\S+) upstream=(?P<upstream>\S+)')


def send_and_wait_for_reply(page: Page, text: str, messages_after: int) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    reply = page.get_by_test_id("stChatMessage").nth(messages_after - 1)
    expect(reply).to_contain_text(REPLY_DONE, timeout=30_000)
    wait_for_app(page)


def nginx_log(prefix: Path, replica_key: str) -> list[dict]:
    """The access-log lines of one browser: those carrying its replica key."""
    lines = (prefix / "logs" / "access.log").read_text().splitlines()
    found = [LOG_LINE.search(line) for line in lines]
    return [m.groupdict() for m in found if m and m["key"] == replica_key]


def replica_key(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == REPLICA_COOKIE)


def upstreams_of(prefix: Path, key: str) -> set[str]:
    return {line["upstream"] for line in nginx_log(prefix, key)}


def wait_for_websocket_line(prefix: Path, key: str) -> dict:
    """nginx logs a websocket when it closes, which follows the browser closing shortly."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        lines = [
            line for line in nginx_log(prefix, key) if "/_stcore/stream" in line["request"] and line["status"] == "101"
        ]
        if lines:
            return lines[0]
        time.sleep(0.1)
    raise AssertionError("nginx never logged the websocket of the browser behind it")


def paid_calls(page: Page, url: str) -> pd.DataFrame:
    """The Usage page's CSV export, paid calls only (balance checks cost nothing)."""
    page.goto(f"{url}/usage")
    export = page.get_by_role("button", name="Export CSV")
    expect(export).to_be_enabled(timeout=30_000)  # the ledger has loaded: the page is drawn
    wait_for_app(page)
    with page.expect_download(timeout=60_000) as download_info:
        export.click()
    rows = pd.read_csv(io.BytesIO(download_info.value.path().read_bytes()))
    return rows[rows["credits"] > 0]


def test_what_one_replica_wrote_the_other_serves(browser: Browser, nginx_url, nginx_prefix, replica_urls):
    unique = f"replicas {time.time_ns()}"
    via_nginx, direct = browser.new_context(), browser.new_context()
    try:
        page_a = via_nginx.new_page()
        login(page_a, nginx_url, USER)
        start_new_chat(page_a)
        send_and_wait_for_reply(page_a, f"{unique}: hello from replica A", messages_after=2)
        page_a.goto(f"{nginx_url}/video")
        wait_for_app(page_a)
        create(page_a, f"{unique}: a kite over the sea")

        key = replica_key(via_nginx)
        (upstream_a,) = upstreams_of(nginx_prefix, key)  # sticky: every request to one replica
        url_b = next(url for url in replica_urls if not url.endswith(upstream_a))

        page_b = direct.new_page()
        login(page_b, url_b, USER)
        first_message = page_b.get_by_test_id("stChatMessage").first
        expect(first_message).to_contain_text(f"{unique}: hello from replica A", timeout=30_000)
        wait_for_app(page_b)
        send_and_wait_for_reply(page_b, f"{unique}: and hello from replica B", messages_after=4)

        page_b.goto(f"{url_b}/video")
        wait_for_app(page_b)
        expect_playing_video(page_b, f"{unique}: a kite over the sea")
        expect(card(page_b, f"{unique}: a kite over the sea")).to_contain_text("completed")

        seen_on_b, seen_on_a = paid_calls(page_b, url_b), paid_calls(page_a, nginx_url)
        assert (seen_on_b["endpoint"] == "chat").sum() == 2, "one chat call from each replica"
        assert (seen_on_b["endpoint"] == "video").sum() == 1
        assert set(seen_on_a["request_id"]) == set(seen_on_b["request_id"])
        assert upstreams_of(nginx_prefix, key) == {upstream_a}
    finally:
        via_nginx.close()
        direct.close()
    websocket = wait_for_websocket_line(nginx_prefix, key)
    assert websocket["upstream"] == upstream_a, "the websocket went to the same replica as the page"


def test_a_reply_under_way_on_one_replica_counts_against_the_quota_on_the_other(
    browser: Browser, replica_urls, replica_store_url, sandbox, sandbox_speed
):
    """bob has 1 credit left today on the admin's preset key. While his reply streams from
    replica A (held in the database, not in the ledger yet), his message on replica B is refused
    with the quota's reason and never sent; once the reply's row lands, its hold is gone."""
    store = Store(replica_store_url)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    store.admin_set_quota("bob", daily=store.connection_spend("bob", quotas.PRESET, today) + 1, monthly=0)
    pages = []
    try:
        for url in replica_urls:
            page = browser.new_context().new_page()
            login(page, url, "bob")
            expect(page.get_by_text(re.compile(r"\b1 of [\d.]+ credits? left today"))).to_be_visible()
            start_new_chat(page)
            pages.append(page)
        page_a, page_b = pages
        sandbox_speed(token_rate=12)  # a reply of many seconds
        before = sandbox.control.stats()["endpoints"].get("chat", 0)
        page_a.get_by_test_id("stChatInputTextArea").fill("Tell me a long story about a kite.")
        page_a.get_by_test_id("stChatInputTextArea").press("Enter")
        expect(page_a.get_by_test_id("stChatMessage").nth(1)).to_contain_text(re.compile(r"\w+ \w+ \w+"))
        page_b.get_by_test_id("stChatInputTextArea").fill("hello from the other replica")
        page_b.get_by_test_id("stChatInputTextArea").press("Enter")
        expect(page_b.get_by_text(re.compile("would pass your admin's quota for the preset connection"))).to_be_visible(
            timeout=30_000
        )
        assert sandbox.control.stats()["endpoints"].get("chat", 0) == before + 1, "replica B's call was sent"
        sandbox_speed(token_rate=0)  # the rest of the reply at once
        expect(page_a.get_by_test_id("stChatMessage").nth(1)).to_contain_text(REPLY_DONE, timeout=30_000)
        wait_for_app(page_a)
        assert store.connection_spend("bob", quotas.PRESET, today) == 1
        assert quotas.check_quota(store, "bob", 0.0) is not None, "the reply's row released its hold"
    finally:
        for page in pages:
            page.context.close()
        store.admin_set_quota("bob", 0, 0)
        store.dispose()
