"""Screenshots of the login, Upload, Usage and Images pages in both languages, at desktop and
phone sizes (artifacts/screenshots/screens-*.png): not assertions of looks, pictures for a person
to check. Each language is picked on the login page, which is what carries it into the session."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from lib.store import Store
from tests.e2e.helpers import screenshot, wait_for_app, wait_for_login_cookie
from tests.fixtures.app import PASSWORDS
from tests.imagefiles import image_bytes

DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
LANGUAGES = {"en": "English", "zh": "简体中文"}
PROMPTS = {"en": "A lighthouse on a cliff at dusk", "zh": "黄昏时悬崖上的灯塔"}


def seed_usage(e2e_dir) -> None:
    """A day of varied calls for root, so the Usage charts and table have something to show."""
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    ts = datetime.now(UTC) - timedelta(hours=2)
    for model, credits in (("claude-sonnet-4-5-20250929", 2.5), ("deepseek-chat", 0.5), ("gpt-4o-mini", 1)):
        store.add_usage(
            "root",
            endpoint="chat",
            model=model,
            credits=credits,
            latency_ms=812.3456,
            status=200,
            prompt_tokens=120,
            completion_tokens=480,
            ts=ts,
        )
    store.add_usage("root", endpoint="video", model="sora-2-pro", credits=150, latency_ms=2300, status=200, ts=ts)
    store.add_usage("root", endpoint="upload", model=None, credits=0, latency_ms=95, status=200, ts=ts)


def shoot(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    wait_for_app(page)


@pytest.fixture
def root_language_kept(e2e_dir):
    """Picking a language on the login page saves it as root's: put back what root had, or the
    browser tests after this one would sign root in to Chinese pages."""
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    before = store.get_setting("root", "lang")
    yield
    store.set_setting("root", "lang", before)


def log_in_in(page: Page, app_url: str, lang: str) -> None:
    page.goto(app_url)
    expect(page.locator("input[type=password]")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    page.get_by_text(LANGUAGES[lang], exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="用户名" if lang == "zh" else "Username")).to_be_visible()
    shoot(page, f"screens-login-{lang}")
    page.locator("input[type=text]").first.fill("root")
    page.locator("input[type=password]").fill(PASSWORDS["root"])
    page.get_by_role("button", name="登录" if lang == "zh" else "Log in").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Root", timeout=30_000)
    wait_for_app(page)
    wait_for_login_cookie(page)  # the pages below are opened by URL: each a new session, signed in by it


def open_page(page: Page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)


def test_screenshots_of_login_upload_usage_and_images(browser: Browser, app_url, e2e_dir, tmp_path, root_language_kept):
    seed_usage(e2e_dir)
    for lang in LANGUAGES:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        try:
            log_in_in(page, app_url, lang)

            open_page(page, app_url, "upload")
            picture = tmp_path / f"photo-{lang}-{time.time_ns()}.png"
            picture.write_bytes(image_bytes(size=(320, 200), color=(40, 140, 90)))
            page.locator("input[type=file]").set_input_files([picture])
            page.get_by_role("button", name="上传所选文件" if lang == "zh" else "Upload the chosen files").click()
            expect(page.locator("[class*='st-key-upload_card_']").filter(has_text=picture.name)).to_be_visible()
            wait_for_app(page)
            shoot(page, f"screens-upload-{lang}")

            open_page(page, app_url, "usage")
            expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
            shoot(page, f"screens-usage-{lang}")

            open_page(page, app_url, "images")
            prompt = f"{PROMPTS[lang]} {time.time_ns() % 10_000}"
            page.locator(".st-key-images_prompt textarea").fill(prompt)
            page.locator(".st-key-images_count").get_by_text("4", exact=True).click()
            page.locator(".st-key-images_generate button").click()
            expect(page.locator("[class*='st-key-images_card_']").filter(has_text=prompt)).to_have_count(
                4, timeout=60_000
            )
            wait_for_app(page)
            shoot(page, f"screens-images-{lang}")
        finally:
            context.close()
