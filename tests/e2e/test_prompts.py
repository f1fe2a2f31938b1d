"""The prompt library in real Chromium, two users signed in at once (issue 28's scenario): Alice
writes a prompt, saves three versions, compares v1 and v3, pins v2 and shares it; Bob finds it
by a word of its text, uses it in Chat and sees "v2" on his conversation, and cannot edit it;
Alice tests v2 and v3 in the Workbench and the v3 run compares with v2's. Screenshots of the
Prompts page at desktop and phone sizes, in English and Chinese."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import REPLY_DONE, login, screenshot, switch_language, wait_for_app

DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}


def visible(page: Page, role: str, name: str):
    """The one visible widget of that role and name (a closed popover keeps its own in the page)."""
    return page.get_by_role(role, name=name, exact=True).locator("visible=true")


def set_text(page: Page, label: str, text: str) -> None:
    box = visible(page, "textbox", label)
    box.fill(text)
    box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")
    wait_for_app(page)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).locator("visible=true").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def save_version(page: Page, number: int, system: str, note: str) -> None:
    set_text(page, "System template", system)
    set_text(page, "Note for this version", note)
    page.get_by_role("button", name=f"Save as v{number}").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=re.compile(rf"· v{number}$"))).to_be_visible()
    wait_for_app(page)


def open_prompts(page: Page, app_url: str, user: str) -> None:
    login(page, app_url, user, "prompts")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()


def test_alice_versions_pins_and_shares_a_prompt_bob_uses_it_but_cannot_edit(page: Page, browser: Browser, app_url):
    word = f"wombat{uuid.uuid4().hex[:6]}"
    name = f"Support triage {word[-6:]}"
    page.set_viewport_size(DESKTOP)
    open_prompts(page, app_url, "alice")

    page.get_by_role("button", name="New prompt").click()
    visible(page, "textbox", "Name").fill(name)  # a form: its fields go with its button
    visible(page, "textbox", "System template").fill(f"Sort the ticket by urgency ({word}).")
    page.get_by_role("button", name="Create", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=f"{name} · v1")).to_be_visible()
    wait_for_app(page)
    set_text(page, "User template", "Ticket: the printer is on fire.")
    save_version(page, 2, f"Sort the ticket by urgency ({word}); name the team.", "name the team")
    save_version(page, 3, f"Sort the ticket by urgency ({word}); name the team; one line.", "one line")
    expect(page.get_by_role("heading", name=f"{name} · v3")).to_be_visible()

    page.get_by_role("tab", name="Compare").click()
    choose(page, "Older", "v1")
    diff = page.get_by_test_id("stHtml").filter(has_text="urgency").first
    expect(diff).to_contain_text("v1")
    expect(diff).to_contain_text("; name the team; one line.")
    screenshot(page, "prompts-compare-desktop-en")

    page.get_by_role("tab", name=re.compile(r"^History")).click()
    choose(page, "Version", "v2 · name the team")
    page.get_by_role("button", name="Pin v2 as current").click()
    expect(page.get_by_role("heading", name=f"{name} · v2")).to_be_visible()
    wait_for_app(page)
    page.get_by_role("tab", name="Sharing").click()
    page.get_by_text("Shared with everyone on this deployment").click()
    expect(page.get_by_text(f"“{name}” is shared with everyone.")).to_be_visible()
    wait_for_app(page)

    bob = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    open_prompts(bob, app_url, "bob")
    set_text(bob, "Search", word.upper())
    bob.get_by_role("button", name=f"{name} · v2").click()
    wait_for_app(bob)
    expect(bob.get_by_text("only its owner and the admins can change it").first).to_be_visible()
    expect(bob.get_by_role("button", name=re.compile(r"^Save as v"))).to_have_count(0)
    screenshot(bob, "prompts-read-only-desktop-en")
    bob.get_by_role("button", name="Open in Chat").click()
    label = bob.get_by_test_id("stCaptionContainer").filter(has_text=f"{name} v2")  # under the chat's title
    expect(label).to_be_visible(timeout=30_000)
    wait_for_app(bob)
    box = bob.get_by_test_id("stChatInputTextArea")
    box.fill("The printer is on fire")
    box.press("Enter")
    expect(bob.get_by_text(REPLY_DONE)).to_be_visible(timeout=30_000)
    wait_for_app(bob)
    expect(label).to_be_visible()
    screenshot(bob, "prompts-chat-v2-desktop-en")
    bob.context.close()

    _workbench_run(page, "History", 2, "pinned, current")
    page.goto(f"{app_url}/prompts")
    wait_for_app(page)
    page.get_by_role("button", name=f"{name} · v2").click()
    wait_for_app(page)
    page.get_by_role("button", name="Test v3 in the Workbench").click()
    expect(page.get_by_text(f"From the prompt {name} v3")).to_be_visible(timeout=30_000)
    _run(page)
    page.get_by_role("tab", name="Compare runs").click()
    # the run compares with the previous version's run by default
    expect(page.get_by_role("combobox", name=re.compile("Compare with"))).to_have_value(re.compile(rf"{name} v2$"))
    screenshot(page, "prompts-workbench-compare-desktop-en")


def _workbench_run(page: Page, tab: str, number: int, marker: str) -> None:
    page.get_by_role("tab", name=re.compile(rf"^{tab}")).click()
    choose(page, "Version", f"v{number} · {marker}")
    page.get_by_role("button", name=f"Test v{number} in the Workbench").last.click()
    expect(page.get_by_text(re.compile(rf"From the prompt .* v{number}"))).to_be_visible(timeout=30_000)
    _run(page)


def _run(page: Page) -> None:
    """Run the draft just opened (no run shown yet), and wait for its results."""
    wait_for_app(page)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("tab", name="Compare runs")).to_be_visible(timeout=90_000)
    wait_for_app(page)


def test_the_prompts_page_in_both_languages_at_both_sizes(page: Page, app_url):
    page.set_viewport_size(DESKTOP)
    open_prompts(page, app_url, "bob")
    page.get_by_role("button", name="Translator · v1").click()
    wait_for_app(page)
    screenshot(page, "prompts-desktop-en")
    switch_language(page, "简体中文")
    expect(page.get_by_role("heading", name="提示词", exact=True)).to_be_visible()
    screenshot(page, "prompts-desktop-zh")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "prompts-phone-zh")
    page.get_by_test_id("stExpandSidebarButton").click()
    switch_language(page, "English")
    page.get_by_test_id("stSidebarCollapseButton").get_by_role("button").click()
    wait_for_app(page)
    screenshot(page, "prompts-phone-en")
