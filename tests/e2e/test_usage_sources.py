"""The Usage page by source and connection, in Chromium against `streamlit run` with a ledger of
its own: admins break credits down and filter by source and connection, users see only theirs,
the calls table says it has more columns, and one view asks the balance once. Screenshots at
1400x900 and 390x844, in English and Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.store import Store
from tests.e2e.helpers import login, screenshot, switch_language_on_phone, wait_for_app
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app

DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
# (days ago, source, endpoint, model, connection, credits) for alice; bob has one chat today.
ALICE = [
    (0, "chat", "chat", "gpt-4o-mini", "preset", 1),
    (0, "compare", "chat", "gpt-4o", "preset", 2),
    (0, "compare", "chat", "claude-sonnet-4-5-20250929", "preset", 2),
    (1, "workbench", "chat", "gpt-4o-mini", "api.example.com", 4),
    (1, "judge", "judge", "gpt-4o", "sandbox", 1),
    (3, "images", "images", None, "preset", 10),
    (6, "video", "video", "sora-2", "preset", 15),
    (12, "upload", "upload", None, "sandbox", 0),
    (20, "chat", "chat", "deepseek-chat", "sandbox", 3),
]
ALICE_TOTAL = sum(row[-1] for row in ALICE)
COMPARE_TOTAL = sum(row[-1] for row in ALICE if row[1] == "compare")


@pytest.fixture(scope="module")
def usage_app(tmp_path_factory, sandbox) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("usage-sources")
    write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}")
    url, process = start_app_server(folder, "server.log")
    store = Store(f"sqlite:///{folder / 'store.db'}")
    now = datetime.now(UTC) - timedelta(minutes=5)
    for days, source, endpoint, model, connection, credits in ALICE:
        store.add_usage(
            "alice",
            endpoint=endpoint,
            model=model,
            source=source,
            connection=connection,
            credits=credits,
            status=200,
            latency_ms=300 + 40 * days,
            ts=now - timedelta(days=days),
            prompt_tokens=20 if endpoint == "chat" else None,
            completion_tokens=60 if endpoint == "chat" else None,
        )
    store.add_usage(
        "bob",
        endpoint="chat",
        model="gpt-4o-mini",
        source="chat",
        connection="preset",
        credits=1,
        status=200,
        latency_ms=200,
        ts=now,
        prompt_tokens=5,
        completion_tokens=9,
    )
    store.admin_set_quota("alice", 10, 100)  # her preset spend today is 5: half of it
    store.dispose()
    yield url, folder
    stop_app_server(process)


def open_usage(page: Page, url: str) -> None:
    page.goto(f"{url}/usage")
    wait_for_app(page)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)


def credits_card(page: Page) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=re.compile("Credits spent|消耗积分"))
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def test_an_admin_breaks_credits_down_and_filters_by_source(page: Page, usage_app):
    url, _ = usage_app
    page.set_viewport_size(DESKTOP)
    login(page, url, "root", path="usage")
    open_usage(page, url)
    assert credits_card(page) == f"{ALICE_TOTAL + 1:,}"
    # By model (the default), an upload is not listed as a model.
    expect(page.get_by_text("Credits by model")).to_be_visible()
    page.locator(".st-key-usage_breakdown").get_by_text("Source", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Credits by source")).to_be_visible()
    expect(page.locator("th", has_text="Quota used today")).to_have_count(1)  # the grid draws on a canvas
    screenshot(page, "usage-sources-en-1400")

    page.get_by_role("button", name="Filters").click()
    sources = page.get_by_test_id("stMultiSelect").filter(has_text="Sources")
    sources.click()
    page.get_by_role("option", name="Compare", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="Credits spent")).to_contain_text(f"{COMPARE_TOTAL}")
    expect(page.get_by_role("button", name=re.compile(r"Filters \(1\)"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stPopoverBody")).to_be_hidden()

    page.set_viewport_size(PHONE)
    wait_for_app(page)
    first, second = (m.bounding_box() for m in page.get_by_test_id("stMetric").all()[:2])
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"], "the cards go two to a row on a phone"
    screenshot(page, "usage-sources-en-390")
    switch_language_on_phone(page, "简体中文")
    expect(page.get_by_text("各来源积分消耗")).to_be_visible()
    screenshot(page, "usage-sources-zh-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stExpandSidebarButton").click()  # folded on the phone, it stays folded
    wait_for_app(page)
    screenshot(page, "usage-sources-zh-1400")


def test_a_user_sees_only_their_own_usage_and_the_tables_other_columns(page: Page, usage_app):
    url, folder = usage_app
    page.set_viewport_size(DESKTOP)
    login(page, url, "bob")
    open_usage(page, url)
    assert credits_card(page) == "1", "bob sees alice's credits"
    expect(page.get_by_text("7 of 14 columns shown")).to_be_visible()  # no User column: they are all bob's
    page.get_by_role("button", name="Columns", exact=True).click()
    page.get_by_test_id("stPopoverBody").get_by_role("button", name="Request ID").click()
    wait_for_app(page)
    expect(page.get_by_text("8 of 14 columns shown")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stPopoverBody")).to_be_hidden()
    screenshot(page, "usage-one-day-en-1400")

    rows = Store(f"sqlite:///{folder / 'store.db'}").usage_ledger("bob").calls()
    assert (rows["endpoint"] == "billing").sum() == 1, "one view made more than one balance call"
