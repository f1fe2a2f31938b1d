"""Chat, an image and a video to a playing video in Chromium, with the sandbox speaking each
dialect of the relay family (reshi, new-api, openai)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, screenshot, start_new_chat, wait_for_app, wait_for_new_title
from tests.e2e.test_chat import send
from tests.e2e.test_video import create, expect_playing_video


@pytest.mark.parametrize("dialect", ["reshi", "new-api", "openai"])
def test_chat_image_and_video_in_each_dialect(page: Page, app_url, sandbox_dialect, dialect):
    sandbox_dialect(dialect)
    page.set_viewport_size({"width": 1400, "height": 1600})
    login(page, app_url, "bob")
    start_new_chat(page)
    send(page, f"Hello in the {dialect} dialect")
    wait_for_new_title(page, f"Hello in the {dialect} dialect")  # the reply is shown once from then on
    expect(page.get_by_text(re.compile(r"credits: \d+"))).to_be_visible()

    page.goto(f"{app_url}/images")
    wait_for_app(page)
    page.get_by_label("Prompt").fill(f"a {dialect} fox")
    page.get_by_label("Prompt").press("Control+Enter")
    wait_for_app(page)
    page.get_by_role("button", name=re.compile("Generate")).click()
    expect(
        page.locator("[class*='st-key-images_card_']").filter(has_text=f"a {dialect} fox").locator("img").first
    ).to_be_visible(timeout=30_000)

    page.goto(f"{app_url}/video")
    wait_for_app(page)
    prompt = f"e2e {dialect}: a kite over the sea"
    create(page, prompt)
    expect_playing_video(page, prompt)
    wait_for_app(page)
    screenshot(page, f"video-{dialect}")
