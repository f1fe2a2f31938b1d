"""Video in real Chromium against `streamlit run` and the sandbox: progress moves by itself, the
video plays, a failed task shows its refund, and a reload mid-task resumes polling."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
from playwright.sync_api import Browser, Page, expect

from lib.media import videos
from lib.store import Store
from tests.e2e.helpers import login, screenshot, switch_language, switch_language_on_phone, wait_for_app
from tests.e2e.test_shares import PHONE, open_signed_out

USER = "alice"
PLAYABLE = "v => v.duration > 0 && v.readyState >= 2"
HOUR = timedelta(hours=1)


def open_video_page(page: Page, app_url: str) -> None:
    """Log in, then open /video (a first visit's deep link may land on the default page)."""
    login(page, app_url, USER, path="video")
    page.goto(f"{app_url}/video")
    wait_for_app(page)


def create(page: Page, prompt: str) -> None:
    box = page.get_by_label("Prompt")
    box.fill(prompt)
    box.press("Control+Enter")  # commit the text before the click, as a user's blur would
    wait_for_app(page)
    page.get_by_role("button", name="Generate video").click()
    expect(page.get_by_text("Video task created")).to_be_visible(timeout=15_000)


def card(page: Page, prompt: str):
    return page.get_by_test_id("stVerticalBlock").filter(has_text=prompt).last


def progress_of(page: Page, prompt: str) -> int:
    bar = card(page, prompt).get_by_role("progressbar")
    return int(bar.get_attribute("aria-valuenow") or 0)


def expect_playing_video(page: Page, prompt: str) -> None:
    video = card(page, prompt).locator("video")
    expect(video).to_have_count(1, timeout=30_000)
    # This card's own video: an earlier card's finished video must not answer for it.
    page.wait_for_function(PLAYABLE, arg=video.element_handle(), timeout=20_000)


def status_requests(sandbox) -> int:
    return sandbox.control.stats()["endpoints"].get("video_status", 0)


def test_progress_moves_and_the_video_plays(page: Page, app_url, sandbox, sandbox_speed):
    sandbox_speed(video_seconds=9)
    open_video_page(page, app_url)
    prompt = "e2e progress: a paper boat on a river"
    create(page, prompt)
    expect(card(page, prompt).get_by_role("progressbar")).to_be_visible(timeout=10_000)
    expect(card(page, prompt)).to_contain_text("elapsed", timeout=10_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[role=progressbar]')].some(b => +b.getAttribute('aria-valuenow') > 0)",
        timeout=15_000,
    )
    first = progress_of(page, prompt)
    expect(card(page, prompt)).to_contain_text("left", timeout=10_000)
    screenshot(page, "video-progress")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('[role=progressbar]')]"
        f".some(b => +b.getAttribute('aria-valuenow') > {first})",
        timeout=15_000,
    )
    expect_playing_video(page, prompt)
    done = card(page, prompt)
    expect(done).to_contain_text("completed")
    expect(done.get_by_role("button", name="Download")).to_be_visible()
    expect(done).to_contain_text("/files/videos/")
    wait_for_app(page)
    screenshot(page, "video-completed")
    before = status_requests(sandbox)
    # An absence over time, which nothing on the page can show: longer than one tick of the
    # polling fragment's timer, which must be gone with the last unfinished task.
    page.wait_for_timeout(videos.TICK_SECONDS * 1000 + 500)
    assert status_requests(sandbox) == before, "no polling once every task has finished"


def test_failed_task_shows_the_failure_and_refund(page: Page, app_url, sandbox_speed):
    sandbox_speed(video_seconds=4)
    open_video_page(page, app_url)
    prompt = "e2e failure: a storm that never ends [fail]"
    create(page, prompt)
    failed = card(page, prompt)
    expect(failed).to_contain_text("Generation failed", timeout=20_000)
    expect(failed).to_contain_text("15 credits for this video were refunded")
    wait_for_app(page)
    screenshot(page, "video-failed")


def test_reload_mid_task_resumes_and_completes(page: Page, app_url, sandbox, sandbox_speed):
    # A task longer than any reload, finished by moving the sandbox's clock once the reloaded page
    # shows it running (a 6 s task could end before a loaded machine had reloaded the page).
    sandbox_speed(video_seconds=600)
    open_video_page(page, app_url)
    prompt = "e2e reload: a lighthouse at night"
    create(page, prompt)
    expect(card(page, prompt).get_by_role("progressbar")).to_be_visible(timeout=10_000)
    page.reload()
    wait_for_app(page)
    expect(card(page, prompt)).to_contain_text(re.compile("queued|running"), timeout=10_000)
    sandbox.control.advance_clock(600)
    expect_playing_video(page, prompt)
    expect(card(page, prompt)).to_contain_text("completed")


def kept_task(e2e_dir, prompt: str):
    [task] = [t for t in Store(f"sqlite:///{e2e_dir / 'store.db'}").list_video_tasks(USER) if t.prompt == prompt]
    return task


def test_a_finished_video_plays_from_our_copy_after_the_providers_file_is_gone(
    page: Page, browser: Browser, app_url, fresh_app_url, sandbox, sandbox_speed, e2e_dir
):
    sandbox_speed(video_seconds=3)
    open_video_page(page, app_url)
    prompt = f"e2e kept: a kite over the sea {uuid.uuid4().hex[:6]}"
    create(page, prompt)
    expect_playing_video(page, prompt)
    # Took is until the first poll that saw it finished (3 s plus at most a tick), not until now.
    expect(card(page, prompt)).to_contain_text(re.compile(r"took 0:0[3-8]"))
    task = kept_task(e2e_dir, prompt)
    assert task.video_media_id is not None and task.poster_media_id is not None
    # Took does not grow: the task moved an hour into the past still took 0:0x (counted until
    # now, it would read an hour more).
    Store(f"sqlite:///{e2e_dir / 'store.db'}").update_video_task(
        USER, task.task_id, created_at=task.created_at - HOUR, finished_at=task.finished_at - HOUR
    )
    sandbox.control.delete_video(task.task_id)
    assert httpx.get(task.video_url).status_code == 404
    # Another replica, or this one restarted: nothing of the first process's caches, only the
    # database (the login cookie is the host's, so the same browser is still signed in).
    page.goto(f"{fresh_app_url}/video")
    wait_for_app(page)
    expect_playing_video(page, prompt)
    source = card(page, prompt).locator("video").get_attribute("src")
    assert source.startswith(("/media/", f"{fresh_app_url}/media/")), source  # served by the app, not the provider
    expect(card(page, prompt)).to_contain_text("plays after the provider's link expires")
    expect(card(page, prompt)).to_contain_text(re.compile(r"took 0:0[3-8]"))
    # Its share link, opened signed out on a phone, plays the same kept copy.
    card(page, prompt).get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share a read-only link")
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.get_by_test_id("stCode")).to_contain_text("share=", timeout=15_000)
    viewer = open_signed_out(browser, dialog.get_by_test_id("stCode").inner_text().strip(), PHONE)
    expect(viewer.locator("video")).to_have_count(1, timeout=20_000)
    viewer.wait_for_function(PLAYABLE, arg=viewer.locator("video").element_handle(), timeout=20_000)
    expect(viewer.get_by_test_id("stHeading")).to_contain_text(prompt)
    expect(viewer.get_by_text("Page not found")).to_have_count(0)  # the link carries /video
    screenshot(viewer, "video-share-after-expiry-390")
    viewer.context.close()


def shown_cards(page: Page, prompt: str):
    """The cards' bold prompts reading `prompt` (the form's text box holds it too)."""
    return page.locator("strong").filter(has_text=prompt).filter(visible=True)


def test_a_failed_task_is_retried_in_one_click_and_a_removal_undone(page: Page, app_url, sandbox_speed, e2e_dir):
    sandbox_speed(video_seconds=2)
    open_video_page(page, app_url)
    prompt = f"e2e retry: a storm {uuid.uuid4().hex[:6]} [fail]"
    create(page, prompt)
    failed = card(page, prompt)
    expect(failed).to_contain_text("Generation failed", timeout=20_000)
    wait_for_app(page)
    failed.get_by_role("button", name="Retry · 15 credits").click()
    expect(page.get_by_text("Video task created")).to_be_visible(timeout=15_000)
    expect(shown_cards(page, prompt)).to_have_count(2, timeout=15_000)
    # The retry may finish as the click below lands: Remove counts all the same.
    first = min(
        (t for t in Store(f"sqlite:///{e2e_dir / 'store.db'}").list_video_tasks(USER) if t.prompt == prompt),
        key=lambda t: t.id,
    )
    # The button with a tooltip is drawn twice inside its keyed container; the first is the one shown.
    page.locator(f".st-key-video_remove_{first.task_id} button").first.click()
    expect(page.get_by_text("from the list.")).to_be_visible(timeout=10_000)
    expect(shown_cards(page, prompt)).to_have_count(1)
    page.get_by_role("button", name="Undo").click()
    expect(shown_cards(page, prompt)).to_have_count(2, timeout=10_000)
    expect(page.get_by_text("from the list.")).to_have_count(0)


def test_a_running_task_is_removed_from_inside_the_polling_fragment_and_undone(
    page: Page, app_url, sandbox, sandbox_speed, e2e_dir
):
    """Remove on a live card is a click inside the polling fragment: the card goes and the
    notice with Undo (outside the fragment) shows at once."""
    sandbox_speed(video_seconds=600)  # running until the clock is moved below
    open_video_page(page, app_url)
    prompt = f"e2e remove while running {uuid.uuid4().hex[:6]}"
    create(page, prompt)
    expect(card(page, prompt).get_by_role("progressbar")).to_be_visible(timeout=10_000)
    wait_for_app(page)
    page.locator(f".st-key-video_remove_{kept_task(e2e_dir, prompt).task_id} button").first.click()
    expect(page.get_by_text("from the list.")).to_be_visible(timeout=10_000)
    expect(shown_cards(page, prompt)).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(card(page, prompt).get_by_role("progressbar")).to_be_visible(timeout=10_000)
    sandbox.control.advance_clock(600)  # no task left running for the tests after this one
    expect_playing_video(page, prompt)


def test_screenshots_of_the_video_page_in_both_languages_and_sizes(page: Page, app_url, sandbox_speed):
    """Pictures for a person to check (artifacts/screenshots/), with the words that must show."""
    sandbox_speed(video_seconds=2)
    page.set_viewport_size({"width": 1400, "height": 900})
    open_video_page(page, app_url)
    prompt = f"e2e pictures: a red fox in fresh snow {uuid.uuid4().hex[:6]}"
    create(page, prompt)
    expect_playing_video(page, prompt)
    wait_for_app(page)
    screenshot(page, "video-en-1400")
    switch_language(page, "简体中文")
    expect(card(page, prompt)).to_contain_text("已保存在本站")
    expect(card(page, prompt)).to_contain_text("耗时")
    screenshot(page, "video-zh-1400")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    screenshot(page, "video-zh-390")
    switch_language_on_phone(page, "English")
    expect(card(page, prompt)).to_contain_text("plays after the provider's link expires")
    screenshot(page, "video-en-390")
