"""Model features in real Chromium against `streamlit run` and the sandbox: a reasoning model's
thinking streams and folds away, a schema reply is checked, probabilities shade a reply, extra
parameters reach the server and View code; all of it survives a reload."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from lib.chat.structured import STARTER_SCHEMAS
from lib.store import Store
from tests.e2e.helpers import (
    REPLY_DONE,
    exported_json,
    import_conversation,
    login,
    open_expander,
    screenshot,
    start_new_chat,
    switch_language,
    wait_for_app,
)
from tests.e2e.test_chat import send

USER = "bob"


def sign_in(page: Page, app_url: str) -> None:
    """Signed in, in English: a test in Chinese leaves the user's language so."""
    login(page, app_url, USER)
    switch_language(page, "English")


def settings_of_a_new_chat(page: Page, app_url: str, sandbox_speed):
    """A new chat with its Settings open, the sandbox answering at once."""
    sandbox_speed(token_rate=0)
    sign_in(page, app_url)
    start_new_chat(page)
    return open_settings(page)


def e2e_store(e2e_dir) -> Store:
    return Store(f"sqlite:///{e2e_dir / 'store.db'}")


def last_reply(e2e_dir):
    store = e2e_store(e2e_dir)
    conversation = store.list_conversations(USER)[0]
    return store.list_messages(USER, conversation.id)[-1]


def open_settings(page: Page):
    page.get_by_role("button", name="Settings").click()
    return page.get_by_test_id("stPopoverBody")


def close_popover(page: Page) -> None:
    page.keyboard.press("Escape")
    wait_for_app(page)


def pick_model(page: Page, name: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Model").get_by_role("combobox").click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_for_app(page)


def pick_starter(body, label: str, name: str) -> None:
    """Typed into the select and chosen with Enter: a dropdown low in the popover may have no
    room to draw its options."""
    box = body.get_by_test_id("stSelectbox").filter(has_text=label).last.get_by_role("combobox")
    box.click()
    box.fill(name)
    box.press("Enter")


def reply_message(page: Page):
    return page.get_by_test_id("stChatMessage").last


@pytest.mark.parametrize("shape", ["reasoning_content", "reasoning", "think_tag"])
def test_thinking_streams_then_folds_away_and_survives_a_reload(
    page: Page, app_url, e2e_dir, sandbox_speed, sandbox_dialect, shape
):
    sandbox_dialect("reshi", shape)
    sandbox_speed(token_rate=25)
    sign_in(page, app_url)
    start_new_chat(page)
    pick_model(page, "deepseek-reasoner")
    body = open_settings(page)
    body.get_by_text("High", exact=True).click()
    wait_for_app(page)
    close_popover(page)
    send(page, f"Why is the sky blue? {uuid.uuid4().hex[:6]}")
    thinking = reply_message(page).get_by_test_id("stExpander")
    expect(thinking.filter(has_text="Thinking…")).to_be_visible(timeout=15_000)
    expect(thinking.get_by_text("The user wrote")).to_be_visible()  # open while it thinks
    expect(reply_message(page)).to_contain_text("You said", timeout=30_000)
    expect(thinking.filter(has_text="Thought for")).to_be_visible(timeout=30_000)
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    expect(thinking.get_by_text("The user wrote")).to_be_hidden()  # folded once the answer came
    expect(reply_message(page)).to_contain_text("reasoning tokens")
    reply = last_reply(e2e_dir)
    assert reply.meta["thinking"].startswith("The user wrote") and "<think>" not in reply.content
    assert reply.meta["reasoning_tokens"] > 0
    if shape == "reasoning_content":
        screenshot(page, "chat-thinking-1400")
    page.reload()
    wait_for_app(page)
    folded = reply_message(page).get_by_test_id("stExpander").filter(has_text="Thought for")
    expect(folded).to_be_visible(timeout=15_000)
    folded.get_by_text("Thought for").click()  # reopenable
    expect(folded.get_by_text("The user wrote")).to_be_visible()


def test_the_thinking_is_never_sent_back(page: Page, app_url, sandbox, sandbox_speed):
    sandbox_speed(token_rate=0)
    sign_in(page, app_url)
    start_new_chat(page)
    pick_model(page, "o4-mini")
    send(page, "first question")
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    send(page, "second question")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=30_000)
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    body = [r for r in sandbox.control.recent_requests(5) if r["endpoint"] == "chat"][-1]["body"]
    assert "The user wrote" not in json.dumps(body["messages"])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_thinking_in_chinese_on_a_phone(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=0)
    sign_in(page, app_url)
    start_new_chat(page)
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    page.get_by_test_id("stExpandSidebarButton").click()
    switch_language(page, "简体中文")
    page.get_by_test_id("stSidebarCollapseButton").get_by_role("button").click()
    wait_for_app(page)
    page.get_by_test_id("stSelectbox").first.get_by_role("combobox").click()
    page.get_by_role("option", name="gemini-2.5-pro", exact=True).click()
    wait_for_app(page)
    send(page, "天空为什么是蓝色的？")
    expect(reply_message(page).get_by_test_id("stExpander").filter(has_text="思考了")).to_be_visible(timeout=30_000)
    expect(reply_message(page)).to_contain_text("推理词元", timeout=30_000)
    screenshot(page, "chat-thinking-zh-390")


def test_a_schema_reply_is_checked_and_a_broken_one_names_its_path(page: Page, app_url, e2e_dir, sandbox_speed):
    body = settings_of_a_new_chat(page, app_url, sandbox_speed)
    body.get_by_text("JSON schema", exact=True).click()
    wait_for_app(page)
    pick_starter(body, "Start from", "Sentiment")
    wait_for_app(page)
    expect(body.get_by_text("A valid JSON Schema.")).to_be_visible()
    schema_box = body.get_by_role("textbox", name="JSON Schema")
    expect(schema_box).to_have_value(re.compile('"sentiment"'))
    schema_box.fill('{\n  "type": "object",\n  "required": [,]\n}')
    schema_box.press("Control+Enter")
    expect(body.get_by_text("Line 3, column 16: not JSON")).to_be_visible()
    schema_box.fill(json.dumps(STARTER_SCHEMAS["sentiment"], indent=2))
    schema_box.press("Control+Enter")
    expect(body.get_by_text("A valid JSON Schema.")).to_be_visible()
    close_popover(page)
    send(page, "I love this product")
    reply = reply_message(page)
    expect(reply.get_by_text("Matches the schema")).to_be_visible(timeout=30_000)
    expect(reply.get_by_test_id("stCode")).to_contain_text('"sentiment"')
    send(page, "meh [badjson]")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=30_000)
    reply = reply_message(page)
    expect(reply.get_by_text("Does not match the schema")).to_be_visible(timeout=30_000)
    expect(reply).to_contain_text("'sentiment' is a required property")
    reply.get_by_text("Raw text").click()
    wait_for_app(page)
    expect(reply.get_by_test_id("stCode")).to_contain_text('"confidence"')
    screenshot(page, "chat-schema-1400")
    assert last_reply(e2e_dir).meta["structured"]["problems"][0]["path"] == "$"
    page.reload()
    wait_for_app(page)
    expect(reply_message(page).get_by_text("Does not match the schema")).to_be_visible(timeout=15_000)


def test_probabilities_shade_a_reply_with_alternatives_on_hover(page: Page, app_url, sandbox_speed):
    body = settings_of_a_new_chat(page, app_url, sandbox_speed)
    body.get_by_text("Show probabilities").click()
    wait_for_app(page)
    close_popover(page)
    send(page, "probabilities please")
    tokens = reply_message(page).locator(".tok")
    expect(tokens.first).to_be_visible(timeout=30_000)
    assert tokens.count() > 20
    first = tokens.first
    first.hover()
    expect(first.locator(".alts")).to_be_visible()
    expect(first.locator(".alts")).to_contain_text("%")
    screenshot(page, "chat-probabilities-1400")


def test_extra_parameters_reach_the_server_and_view_code(page: Page, app_url, sandbox, sandbox_speed):
    body = settings_of_a_new_chat(page, app_url, sandbox_speed)
    extra = body.get_by_role("textbox", name="Extra parameters (JSON)")
    extra.fill('{"stream": false}')
    extra.press("Control+Enter")
    expect(body.get_by_text("cannot be overridden: stream")).to_be_visible()
    extra.fill('{"top_k": 7, "x_vendor": {"safe": true}}')
    extra.press("Control+Enter")
    expect(body.get_by_text("Sent with every request")).to_be_visible()
    close_popover(page)
    send(page, "extras please")
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    sent = [r for r in sandbox.control.recent_requests(5) if r["endpoint"] == "chat"][-1]["body"]
    assert sent["top_k"] == 7 and sent["x_vendor"] == {"safe": True} and sent["stream"] is True
    page.get_by_role("button", name="View code").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("extra_body={'top_k': 7, 'x_vendor': {'safe': True}}")
    dialog.get_by_role("tab", name="cURL").click()
    expect(dialog.get_by_test_id("stCode").filter(has_text="curl -sN")).to_contain_text('"top_k": 7')
    page.keyboard.press("Escape")
    page.reload()
    wait_for_app(page)
    body = open_settings(page)
    expect(body.get_by_role("textbox", name="Extra parameters (JSON)")).to_have_value(re.compile('"top_k": 7'))


def test_model_features_settings_in_chinese_on_a_phone(page: Page, app_url, sandbox_speed):
    sandbox_speed(token_rate=0)
    sign_in(page, app_url)
    start_new_chat(page)
    switch_language(page, "简体中文")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    page.get_by_role("button", name="参数").click()
    body = page.get_by_test_id("stPopoverBody")
    body.get_by_text("JSON 模式", exact=True).click()
    wait_for_app(page)
    pick_starter(body, "从模板开始", "情感分析")
    wait_for_app(page)
    expect(body.get_by_text("有效的 JSON Schema。")).to_be_visible()
    body.get_by_text("JSON 模式", exact=True).scroll_into_view_if_needed()
    screenshot(page, "chat-features-settings-zh-390")
    close_popover(page)
    send(page, "我喜欢这个产品")
    expect(reply_message(page).get_by_text("符合模式")).to_be_visible(timeout=30_000)
    screenshot(page, "chat-schema-zh-390")


def test_blind_columns_hide_the_thinking_until_the_vote(page: Page, app_url, sandbox_speed):
    """A "Thinking…" block, live or folded, would tell the reasoning model in a blind comparison."""
    from tests.e2e.test_votes import turn_on_blind_compare

    sandbox_speed(token_rate=25)
    sign_in(page, app_url)
    start_new_chat(page)
    pick_model(page, "deepseek-reasoner")
    body = open_settings(page)
    body.get_by_text("High", exact=True).click()  # long thinking: the other model answers meanwhile
    wait_for_app(page)
    close_popover(page)
    turn_on_blind_compare(page)
    send(page, f"Which plan is better? {uuid.uuid4().hex[:6]}")
    replies = reply_message(page)
    expect(replies.get_by_text("You said").first).to_be_visible(timeout=30_000)  # gpt-4o-mini's answer
    expect(replies.get_by_role("button", name="Stop")).to_be_visible()  # the reasoner still thinks
    expect(replies.get_by_test_id("stExpander")).to_have_count(0)
    expect(replies.get_by_text("The user wrote")).to_have_count(0)
    vote = page.get_by_role("button", name="A is better")
    expect(vote).to_be_visible(timeout=60_000)
    expect(replies.get_by_test_id("stExpander")).to_have_count(0)
    vote.click()
    expect(replies.get_by_test_id("stExpander").filter(has_text="Thought for")).to_have_count(1, timeout=15_000)


def settled(page: Page) -> None:
    """The page keeps its height for two frames: an expander that opens grows as it animates, and
    a screenshot sized before the end cuts the page short."""
    page.wait_for_function("""() => new Promise(done => {
        const main = document.querySelector('[data-testid=stMain]'), before = main.scrollHeight;
        requestAnimationFrame(() => requestAnimationFrame(() => done(main.scrollHeight === before)));
    })""")


def test_thinking_in_a_share_link_and_on_its_slides(page: Page, browser, app_url, sandbox_speed):
    """A signed-out viewer sees the reply's thinking folded (and opens it), in English and Chinese,
    on a desktop and a phone; its slides show it opened, and the switch hides it."""
    from tests.e2e.test_shares import DESKTOP, PHONE, open_signed_out, share_open_conversation

    sandbox_speed(token_rate=0)
    sign_in(page, app_url)
    start_new_chat(page)
    pick_model(page, "deepseek-reasoner")
    send(page, f"Should we plant oaks or birches? {uuid.uuid4().hex[:6]}")
    expect(reply_message(page)).to_contain_text(REPLY_DONE, timeout=30_000)
    wait_for_app(page)
    link = share_open_conversation(page)
    words = {"en-US": ("Thought for", "Show thinking", "en"), "zh-CN": ("思考了", "显示思考过程", "zh")}
    for locale, (folded, switch, lang) in words.items():
        for viewport, size in ((DESKTOP, 1400), (PHONE, 390)):
            viewer = open_signed_out(browser, link, viewport, locale=locale)
            thinking = viewer.get_by_test_id("stExpander").filter(has_text=folded)
            expect(thinking).to_have_count(1, timeout=15_000)
            expect(thinking.get_by_text("The user wrote")).to_be_hidden()
            thinking.get_by_text(folded).click()
            expect(thinking.get_by_text("The user wrote")).to_be_visible()
            settled(viewer)
            screenshot(viewer, f"share-thinking-{lang}-{size}")
            viewer.goto(link + "&present=1")
            wait_for_app(viewer)
            slide_thinking = viewer.get_by_test_id("stExpander").filter(has_text=folded)
            expect(slide_thinking.get_by_text("The user wrote")).to_be_visible(timeout=15_000)  # opened on slides
            screenshot(viewer, f"present-thinking-{lang}-{size}")
            viewer.get_by_text(switch, exact=True).click()
            expect(slide_thinking).to_have_count(0, timeout=15_000)
            viewer.context.close()


def test_thinking_checked_json_probabilities_and_extra_parameters_survive_an_export_and_import(
    page: Page, app_url, e2e_dir, sandbox_speed
):
    body = settings_of_a_new_chat(page, app_url, sandbox_speed)
    body.get_by_text("JSON schema", exact=True).click()
    wait_for_app(page)
    pick_starter(body, "Start from", "Sentiment")
    wait_for_app(page)
    extra = body.get_by_role("textbox", name="Extra parameters (JSON)")
    extra.fill('{"top_k": 7}')
    extra.press("Control+Enter")
    expect(body.get_by_text("Sent with every request")).to_be_visible()
    close_popover(page)
    pick_model(page, "o4-mini")
    send(page, f"I love this product {uuid.uuid4().hex[:6]}")
    expect(reply_message(page).get_by_text("Matches the schema")).to_be_visible(timeout=30_000)
    body = open_settings(page)
    body.get_by_text("Text", exact=True).click()
    wait_for_app(page)
    body.get_by_text("Show probabilities").click()
    wait_for_app(page)
    close_popover(page)
    send(page, "and with probabilities?")
    expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=30_000)
    expect(reply_message(page).locator(".tok").first).to_be_visible(timeout=30_000)

    exported = exported_json(page)
    store = e2e_store(e2e_dir)
    store.delete_conversation(USER, store.list_conversations(USER)[0].id)  # a file imports once per conversation
    page.reload()
    wait_for_app(page)
    import_conversation(page, "features.json", exported)
    replies = page.get_by_test_id("stChatMessage")
    expect(replies.nth(1).get_by_test_id("stExpander").filter(has_text="Thought for")).to_be_visible(timeout=30_000)
    expect(replies.nth(1).get_by_text("Matches the schema")).to_be_visible()
    expect(replies.nth(3).locator(".tok").first).to_be_visible()
    expect(replies.nth(3).get_by_test_id("stExpander").filter(has_text="Thought for")).to_be_visible()
    body = open_settings(page)
    expect(body.get_by_role("textbox", name="Extra parameters (JSON)")).to_have_value(re.compile('"top_k": 7'))


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the (last) selectbox labelled `label`, typed and chosen with Enter (pick_starter)."""
    pick_starter(page, label, option)
    wait_for_app(page)


def typed(box, text: str) -> None:
    box.fill(text)
    box.press("Control+Enter")  # a text area sends its value on Ctrl+Enter or on blur


def test_a_workbench_run_with_a_schema_names_the_first_failing_path(page: Page, app_url, sandbox):
    """The Workbench's per-run response format and its "matches the JSON schema" check, in
    Chromium: the valid reply's cell passes, a [badjson] case's cell names the path and reason."""
    from tests.e2e.test_workbench import DESKTOP, PHONE, paste_cases, run_and_wait

    schema = json.dumps(
        {
            "type": "object",
            "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
            "required": ["city", "population"],
        }
    )
    page.set_viewport_size(DESKTOP)
    login(page, app_url, "dave")  # a user of its own: the Workbench keeps each user's draft
    page.goto(f"{app_url}/workbench")
    wait_for_app(page)
    paste_cases(page, "topic\taudience\nLisbon\tvisitors\nPorto [badjson]\tvisitors")
    body = open_settings(page)
    choose(page, "Response format", "JSON schema")
    typed(body.get_by_role("textbox", name="Schema the replies must follow"), schema)
    close_popover(page)
    open_expander(page, "Checks on every reply")
    page.get_by_role("button", name="Add a check").click()
    choose(page, "Check", "matches the JSON schema")
    typed(page.get_by_role("textbox", name="JSON schema", exact=True), schema)
    run_and_wait(page)
    expect(page.get_by_text("$: 'city' is a required property")).to_be_visible(timeout=30_000)
    sent = [r for r in sandbox.control.recent_requests(10) if r["endpoint"] == "chat"][-1]["body"]
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["city", "population"]
    screenshot(page, "workbench-schema-check-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-schema-check-en-390")
