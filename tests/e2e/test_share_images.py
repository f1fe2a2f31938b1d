"""A shared conversation shows its image to a signed-out phone, copied into the share, not its
file name. Screenshots at 390x844 and 1400x900, English and Chinese."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import login, screenshot, start_new_chat, wait_for_app
from tests.e2e.test_chat import send
from tests.e2e.test_shares import DESKTOP, PHONE, open_signed_out, share_open_conversation
from tests.imagefiles import image_bytes


def test_a_shared_conversation_shows_its_image(page: Page, browser: Browser, app_url):
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "alice")
    start_new_chat(page)
    page.get_by_test_id("stChatInput").locator("input[type=file]").set_input_files(
        files=[{"name": "otter.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (480, 320), (40, 120, 200))}]
    )
    expect(page.get_by_test_id("stChatInput")).to_contain_text("otter.png")
    question = f"Shared picture {uuid.uuid4().hex[:6]}"
    send(page, question)
    expect(page.get_by_text("I saw 1 image(s) in your message.")).to_have_count(1, timeout=30_000)
    wait_for_app(page)
    link = share_open_conversation(page)

    for locale, size, name in (("en-US", PHONE, "share-image-en-390"), ("zh-CN", DESKTOP, "share-image-zh-1400")):
        viewer = open_signed_out(browser, link, size, locale)
        expect(viewer.get_by_text(question).first).to_be_visible()
        picture = viewer.get_by_test_id("stImage").locator("img")
        expect(picture).to_have_count(1)
        expect(viewer.get_by_test_id("stImage")).to_contain_text("otter.png")  # its caption
        assert viewer.evaluate("img => img.naturalWidth", picture.element_handle()) == 480
        screenshot(viewer, name)
        viewer.context.close()
