"""Usage in real Chromium: calls made through the Chat, Images and Video pages show up on the
Usage page as rendered charts, a credits card that matches what the sandbox charged, and a CSV."""

from __future__ import annotations

import io
import time

import pandas as pd
from playwright.sync_api import Page, expect

from lib.credits import usage
from tests.e2e.helpers import REPLY_DONE, login, screenshot, start_new_chat, wait_for_app

USER = "bob"
CHARTS = 5  # a non-admin sees no per-user chart


def goto(page: Page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)


def card(page: Page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=label)
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def credits_card(page: Page) -> float:
    return float(card(page, "Credits spent").replace(",", ""))


def sandbox_credits(sandbox, e2e_dir) -> float:
    return sandbox.control.key_info((e2e_dir / "key").read_text())["credits"]


def chat_once(page: Page, app_url: str, text: str) -> None:
    goto(page, app_url, "")  # the default page lives at the root
    start_new_chat(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_test_id("stChatMessage").nth(1)).to_contain_text(REPLY_DONE, timeout=30_000)
    wait_for_app(page)


def two_images(page: Page, app_url: str, prompt: str) -> None:
    goto(page, app_url, "images")
    page.locator(".st-key-images_prompt textarea").fill(prompt)
    page.locator(".st-key-images_count").get_by_text("2", exact=True).click()
    page.locator(".st-key-images_generate button").click()
    expect(page.locator("[class*='st-key-images_card_']").filter(has_text=prompt)).to_have_count(2, timeout=30_000)
    wait_for_app(page)


def one_video(page: Page, app_url: str, prompt: str) -> None:
    goto(page, app_url, "video")
    page.locator(".st-key-video_prompt textarea").fill(prompt)
    page.locator(".st-key-video_generate button").click()
    expect(page.get_by_text("Video task created")).to_be_visible(timeout=15_000)


def test_calls_show_up_in_charts_cards_and_csv(page: Page, app_url, sandbox, e2e_dir, tmp_path):
    unique = f"usage e2e {time.time_ns()}"
    login(page, app_url, USER)
    goto(page, app_url, "usage")
    credits_before, balance_before = credits_card(page), sandbox_credits(sandbox, e2e_dir)

    chat_once(page, app_url, f"{unique}: say hello")
    two_images(page, app_url, f"{unique}: a teapot")
    one_video(page, app_url, f"{unique}: waves")

    page.set_viewport_size({"width": 1400, "height": 2600})  # the whole page in one screenshot
    goto(page, app_url, "usage")
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(CHARTS, timeout=20_000)
    for chart in charts.all():
        expect(chart.locator("canvas, svg").first).to_be_visible()
    spent = balance_before - sandbox_credits(sandbox, e2e_dir)
    assert spent == 1 + 2 * 10 + 15  # one chat, two images, one sora-2 video
    assert credits_card(page) - credits_before == spent
    expect(page.get_by_test_id("stMetric").filter(has_text="Balance")).to_contain_text(
        f"{sandbox_credits(sandbox, e2e_dir):,.0f}"
    )
    expect(page.get_by_text("Reported by the server")).to_be_visible()
    screenshot(page, "usage-page")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    rows = pd.read_csv(io.BytesIO(download_info.value.path().read_bytes()))
    assert set(rows["user"]) == {USER}
    assert rows["credits"].sum() == credits_card(page)
    paid = rows[rows["credits"] > 0]
    assert {"chat", "images", "video"} <= set(paid["endpoint"])
    assert (paid["endpoint"] == "images").sum() >= 2 and set(rows["outcome"]) <= set(usage.OUTCOMES)
