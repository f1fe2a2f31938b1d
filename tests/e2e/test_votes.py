"""Votes in real Chromium: a blind comparison voted and revealed; the leaderboard showing it; in
presentation mode a comparison slide opens an audience ballot, three phone-sized browsers vote
from the QR code's link (one in Chinese), the projector counts 3 live and reveals. Screenshots
at 1400x900 and 390x844 in English and Chinese."""

from __future__ import annotations

import io
import re
import uuid

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import login, screenshot, start_new_chat, switch_language, wait_for_app
from tests.e2e.test_presentation import a_question_then_a_comparison
from tests.e2e.test_shares import DESKTOP, PHONE, open_signed_out

COMPARED = ("gpt-4o-mini", "gemini-pro")


def turn_on_blind_compare(page: Page) -> None:
    page.get_by_text("Compare", exact=True).click()
    wait_for_app(page)
    picker = page.get_by_test_id("stMultiSelect").get_by_role("combobox")
    for model in COMPARED[1:]:  # the chat's model is already the first
        picker.click()
        page.get_by_role("option", name=model, exact=True).click()
        wait_for_app(page)
    page.keyboard.press("Escape")
    page.get_by_text("Blind", exact=True).click()
    wait_for_app(page)


def test_blind_comparison_is_voted_revealed_and_on_the_leaderboard(page: Page, app_url):
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "bob")
    start_new_chat(page)
    turn_on_blind_compare(page)
    question = f"Blind haiku {uuid.uuid4().hex[:6]}"
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    vote = page.get_by_role("button", name="A is better")
    expect(vote).to_be_visible(timeout=30_000)
    wait_for_app(page)
    replies = page.get_by_test_id("stChatMessage").nth(1)
    expect(replies).to_contain_text("Model A")
    expect(replies).to_contain_text("Model B")
    columns = replies.get_by_test_id("stColumn")
    for number, letter in enumerate("AB"):  # headings name no model (the sandbox's own text does)
        expect(columns.nth(number).get_by_test_id("stMarkdownContainer").first).to_have_text(f"Model {letter}")
    expect(replies.get_by_text(re.compile(r"credits: \d"))).to_have_count(0)
    screenshot(page, "blind-compare-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "blind-compare-en-390")
    page.set_viewport_size(DESKTOP)

    vote.click()
    expect(page.get_by_text("You voted: A is better")).to_be_visible(timeout=15_000)
    wait_for_app(page)
    expect(replies.get_by_text(re.compile(r"credits: \d"))).to_have_count(2)
    headings = replies.locator("strong").filter(has_text=re.compile(r"^Model [AB] · "))
    expect(headings).to_have_count(2)
    screenshot(page, "blind-compare-revealed-en-1400")

    page.goto(f"{app_url}/leaderboard")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible()
    page.get_by_test_id("stButtonGroup").get_by_text("My votes", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # the standings, and bob's own votes
    screenshot(page, "leaderboard-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "leaderboard-en-390")
    page.set_viewport_size(DESKTOP)
    switch_language(page, "简体中文")
    expect(page.get_by_role("heading", name="排行榜")).to_be_visible()
    screenshot(page, "leaderboard-zh-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "leaderboard-zh-390")
    page.set_viewport_size(DESKTOP)
    page.goto(app_url)
    wait_for_app(page)
    screenshot(page, "blind-compare-revealed-zh-1400")
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)


def qr_link(page: Page, app_url: str) -> str:
    """The link the projector shows under its QR code (an image the app made itself)."""
    panel = page.locator(".st-key-ballot_panel")
    expect(panel.get_by_test_id("stImage")).to_be_visible(timeout=15_000)
    link = panel.get_by_test_id("stCode").inner_text().strip()
    source = panel.get_by_test_id("stImage").locator("img").get_attribute("src")
    png = page.request.get(app_url + source if source.startswith("/") else source).body()
    image = Image.open(io.BytesIO(png))
    assert image.width >= 200 and image.width == image.height  # a square code, made by the app
    return link


def test_room_votes_on_phones_and_the_projector_reveals(page: Page, browser: Browser, app_url, e2e_dir):
    first, second = f"Tides {uuid.uuid4().hex[:6]}?", f"Moons {uuid.uuid4().hex[:6]}?"
    a_question_then_a_comparison(e2e_dir, "alice", first, second)
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "alice")
    page.goto(f"{app_url}/?present=1&slide=2")
    wait_for_app(page)
    page.get_by_role("button", name="Open audience vote").click()
    link = qr_link(page, app_url)
    assert "ballot=" in link
    expect(page.locator(".st-key-ballot_answer_A")).to_contain_text("Answer A")
    expect(page.locator("[class*=st-key-present_figures]")).to_have_count(0)  # no figures before the reveal
    screenshot(page, "ballot-projector-en-1400")

    phones = [
        open_signed_out(browser, link if link.startswith("http") else app_url + link, PHONE, locale)
        for locale in ("en-US", "zh-CN", "en-US")
    ]
    for phone, (choice, thanks) in zip(
        phones, (("A is better", "your vote is counted"), ("A 更好", "投票已计入"), ("Tie", "your vote is counted"))
    ):
        expect(phone.get_by_text("Answer A" if "en" in thanks or "your" in thanks else "回答 A").first).to_be_visible()
        expect(phone.get_by_test_id("stSidebar")).to_have_count(0)
        assert second in phone.content() and first not in phone.content()  # this slide only
        if phone is phones[1]:
            screenshot(phone, "ballot-phone-zh-390")
        elif phone is phones[0]:
            screenshot(phone, "ballot-phone-en-390")
        phone.get_by_role("button", name=choice, exact=True).click()
        expect(phone.get_by_text(thanks)).to_be_visible(timeout=15_000)
    phones[0].reload()
    wait_for_app(phones[0])
    expect(phones[0].get_by_text("already voted")).to_be_visible(timeout=15_000)  # the cookie: one vote per browser
    expect(phones[0].get_by_role("button", name="B is better")).to_have_count(0)

    expect(page.locator(".st-key-ballot_count")).to_contain_text("3", timeout=15_000)  # live, no click
    screenshot(page, "ballot-projector-3-votes-en-1400")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("[class*=st-key-present_figures]")).to_have_count(3, timeout=15_000)
    expect(page.get_by_text("votes · 66.7%")).to_be_visible()
    screenshot(page, "ballot-revealed-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "ballot-revealed-en-390")
    expect(phones[2].get_by_text("Revealed:")).to_be_visible(timeout=15_000)
    screenshot(phones[2], "ballot-phone-revealed-en-390")
    for phone in phones:
        phone.context.close()
