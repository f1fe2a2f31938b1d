"""Function calling in real Chromium against `streamlit run` and the sandbox: a weather tool
defined in the Tools dialog, two cities asked at once, two calls streamed in, one answered by
hand and one with its mock, Continue, the final answer; reload, export and import; the same
against a server whose arguments come as objects (the new-api dialect); screenshots."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

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
    switch_language_on_phone,
    wait_for_app,
)
from tests.e2e.test_chat import send

USER = "dave"


def store_of(e2e_dir) -> Store:
    return Store(f"sqlite:///{e2e_dir / 'store.db'}")


def add_weather_tool(page: Page, tools_button: str = "Tools", add: str = "Add example", close: bool = True) -> None:
    page.get_by_role("button", name=tools_button, exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=add).click()
    expect(dialog.locator("input[value='get_weather']")).to_have_count(1)
    wait_for_app(page)
    if close:
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)


def cards(page: Page):
    return page.get_by_text("Call to get_weather")


def wait_for_cards(page: Page, count: int, continue_label: str = "Continue") -> None:
    """The calls have streamed in and the page has run again for the new conversation: its
    Continue shows under the cards (the streamed copy has none)."""
    expect(page.get_by_role("button", name=continue_label)).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(cards(page)).to_have_count(count)


def test_two_cities_one_by_hand_one_by_mock_then_reload_export_import(page: Page, app_url, e2e_dir, sandbox_speed):
    sandbox_speed(token_rate=40)
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, USER)
    start_new_chat(page)
    add_weather_tool(page)
    expect(page.get_by_role("button", name="Tools (1)")).to_be_visible()
    tag = uuid.uuid4().hex[:6]
    send(page, f"What's the weather in Paris and Tokyo? ({tag})")
    wait_for_cards(page, 2)
    expect(page.get_by_text('"city": "Paris"')).to_be_visible()
    expect(page.get_by_text('"city": "Tokyo"')).to_be_visible()
    results = page.get_by_label("Result", exact=True)
    results.nth(0).fill("18 C and cloudy in Paris")
    results.nth(0).press("Control+Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Use mock").nth(1).click()
    wait_for_app(page)
    expect(results.nth(1)).to_have_value(
        '{"city": "Tokyo", "temperature": 21, "unit": "celsius", "conditions": "sunny"}'
    )
    screenshot(page, "chat-tool-calls-cards")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Here is what the tools returned:")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(REPLY_DONE)).to_have_count(2, timeout=30_000)  # the calls' reply, and the answer
    wait_for_app(page)
    expect(page.get_by_text("Result sent")).to_have_count(2)
    expect(page.get_by_text("18 C and cloudy in Paris").first).to_be_visible()
    screenshot(page, "chat-tool-calls-answered")
    store = store_of(e2e_dir)
    conversation = store.list_conversations(USER)[0]
    roles = [m.role for m in store.list_messages(USER, conversation.id)]
    assert roles == ["user", "assistant", "tool", "tool", "assistant"]

    page.reload()
    wait_for_app(page)
    expect(page.get_by_text("Result sent")).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("Here is what the tools returned:")).to_be_visible()

    exported = exported_json(page)
    assert json.loads(exported)["settings"]["tools"][0]["name"] == "get_weather"
    store.delete_conversation(USER, conversation.id)  # the same file imports once per conversation
    page.reload()
    wait_for_app(page)
    import_conversation(page, "weather.json", exported)
    expect(page.get_by_text("Result sent")).to_have_count(2, timeout=30_000)
    expect(page.get_by_role("button", name="Tools (1)")).to_be_visible()
    imported = store.list_conversations(USER)[0]
    assert [m.role for m in store.list_messages(USER, imported.id)] == roles


def test_arguments_as_objects_in_the_new_api_dialect_and_mocks_in_chinese(
    page: Page, app_url, e2e_dir, sandbox_dialect
):
    sandbox_dialect("new-api")
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, USER)
    switch_language(page, "简体中文")
    try:
        page.get_by_role("button", name="新对话").click()
        wait_for_app(page)
        add_weather_tool(page, "工具", "添加示例", close=False)
        page.get_by_role("dialog").get_by_text("自动用模拟结果回答").click()
        wait_for_app(page)
        screenshot(page, "chat-tool-calls-dialog-zh")
        page.keyboard.press("Escape")
        send(page, f"北京和上海的天气怎么样？{uuid.uuid4().hex[:4]}")
        expect(page.get_by_text("工具返回的结果如下：")).to_be_visible(timeout=30_000)
        wait_for_app(page)
        expect(page.get_by_text("已发送的结果")).to_have_count(2)
        screenshot(page, "chat-tool-calls-zh")
        store = store_of(e2e_dir)
        conversation = store.list_conversations(USER)[0]
        messages = store.list_messages(USER, conversation.id)
        calls = messages[1].meta["tool_calls"]
        assert [json.loads(c["function"]["arguments"])["city"] for c in calls] == ["北京", "上海"]
        assert all(c["id"].startswith("call_") for c in calls)  # new-api sends none: made by the client
        assert [m.meta.get("tool_call_id") for m in messages[2:4]] == [c["id"] for c in calls]
    finally:
        switch_language(page, "English")


def test_phone_width_cards(page: Page, app_url):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, app_url, USER)
    page.get_by_test_id("stExpandSidebarButton").click()
    start_new_chat(page)  # the sidebar folds itself after New chat on a phone
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()
    add_weather_tool(page)
    send(page, "Weather in Paris and Rome?")
    wait_for_cards(page, 2)
    screenshot(page, "chat-tool-calls-phone")
    switch_language_on_phone(page, "简体中文")
    expect(page.get_by_text("调用 get_weather")).to_have_count(2)
    screenshot(page, "chat-tool-calls-phone-zh")
    switch_language_on_phone(page, "English")


def test_stop_ends_a_chain_of_automatic_steps_keeping_what_arrived(page: Page, app_url, e2e_dir, sandbox_speed):
    sandbox_speed(token_rate=0.5)  # a step streams for seconds: Stop is clicked while the second one does
    login(page, app_url, USER)
    start_new_chat(page)
    add_weather_tool(page, close=False)
    page.get_by_role("dialog").get_by_text("Answer with mocks automatically").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    send(page, f"Weather in Paris [tool-loop] {uuid.uuid4().hex[:4]}")
    second_step = page.locator(".st-key-chat_stop_1").get_by_role("button", name="Stop")
    expect(second_step).to_be_visible(timeout=30_000)
    second_step.click()
    # The chain stops there, and Continue offers to go on by hand: with the step's partial calls
    # to answer, or, when nothing of it had arrived, with the results already sent.
    expect(page.get_by_role("button", name="Continue")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    store = store_of(e2e_dir)
    messages = store.list_messages(USER, store.list_conversations(USER)[0].id)
    assert [m.role for m in messages][:3] == ["user", "assistant", "tool"]
    assert len(messages) <= 4 and not any("chain_limit" in m.meta for m in messages)  # no step after the stop
    assert len(messages) == 3 or messages[-1].meta.get("stopped")


def test_a_shared_and_presented_chain_shows_its_calls_and_results(page: Page, browser, app_url, e2e_dir):
    from lib.ui.chat.view import OPEN_SETTING
    from tests.e2e.test_shares import DESKTOP, PHONE, open_signed_out, share_open_conversation

    store = store_of(e2e_dir)
    calls = [
        {"id": f"call_{c}", "type": "function", "function": {"name": "get_weather", "arguments": f'{{"city": "{c}"}}'}}
        for c in ("Paris", "Tokyo")
    ]
    conversation = store.create_conversation(USER, f"Two cities {uuid.uuid4().hex[:4]}", {})
    store.add_message(USER, conversation.id, "user", "Weather in Paris and Tokyo?")
    store.add_message(USER, conversation.id, "assistant", "", {"model": "gpt-4o-mini", "tool_calls": calls})
    for call, result in zip(calls, ("18 C", "25 C")):
        store.add_message(USER, conversation.id, "tool", result, {"tool_call_id": call["id"], "name": "get_weather"})
    store.add_message(USER, conversation.id, "assistant", "Paris has 18 C and Tokyo 25 C.", {"model": "gpt-4o-mini"})
    store.set_setting(USER, OPEN_SETTING, conversation.id)
    page.set_viewport_size(DESKTOP)
    login(page, app_url, USER)
    expect(page.get_by_text("Result sent")).to_have_count(2, timeout=30_000)
    link = share_open_conversation(page)
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        viewer = open_signed_out(browser, link, viewport)
        expect(viewer.get_by_text("Call to get_weather")).to_have_count(2, timeout=30_000)
        expect(viewer.get_by_text("Result sent")).to_have_count(2)
        expect(viewer.get_by_text("Paris has 18 C and Tokyo 25 C.")).to_be_visible()
        screenshot(viewer, f"chat-tool-calls-shared-{name}")
        viewer.goto(link + "&present=1")
        wait_for_app(viewer)
        expect(viewer.get_by_text("Call to get_weather")).to_have_count(2, timeout=30_000)
        expect(viewer.get_by_text("Paris has 18 C and Tokyo 25 C.")).to_be_visible()
        screenshot(viewer, f"chat-tool-calls-presented-{name}")
        viewer.context.close()


def test_in_compare_each_model_runs_its_own_chain(page: Page, app_url, e2e_dir):
    """Two models, two cities: each column shows its own two calls; the first column is answered
    with mocks and goes on alone, the second by hand afterwards; each keeps its column."""
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, USER)
    start_new_chat(page)
    add_weather_tool(page)
    page.get_by_text("Compare", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stMultiSelect").get_by_role("combobox").click()
    page.get_by_role("option", name="gemini-pro", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    send(page, f"What's the weather in Paris and Tokyo? ({uuid.uuid4().hex[:6]})")
    expect(page.get_by_role("button", name="Continue")).to_have_count(2, timeout=30_000)  # one per column
    wait_for_app(page)
    expect(cards(page)).to_have_count(4)
    store = store_of(e2e_dir)
    conversation = store.list_conversations(USER)[0]
    first, second = [m for m in store.list_messages(USER, conversation.id) if m.role == "assistant"]
    assert [first.meta["model"], second.meta["model"]] == ["gpt-4o-mini", "gemini-pro"]
    screenshot(page, "chat-tool-calls-compare")

    for call in first.meta["tool_calls"]:
        key = f"chat_tool_result_{first.id}_{call['id']}"
        page.locator(f".st-key-{key}_mock").get_by_role("button").click()
        expect(page.locator(f".st-key-{key} textarea")).to_have_value(re.compile('"temperature": 21'))
        wait_for_app(page)
    page.locator(f".st-key-chat_tools_continue_{first.id}").get_by_role("button").click()
    expect(page.get_by_text("Here is what the tools returned:")).to_have_count(1, timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("button", name="Continue")).to_have_count(1)  # the second column still waits
    results = page.get_by_label("Result", exact=True)
    expect(results).to_have_count(2)
    for index, text in enumerate(("rain in Paris", "snow in Tokyo")):
        results.nth(index).fill(text)
        results.nth(index).press("Control+Enter")
        wait_for_app(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Here is what the tools returned:")).to_have_count(2, timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("snow in Tokyo").first).to_be_visible()
    # A mocked result is longer than a column is wide: it wraps, nothing of it hidden to the right.
    result = page.get_by_test_id("stCode").filter(has_text='"conditions": "sunny"').first
    expect(result).to_be_visible()
    assert result.evaluate("e => e.querySelector('pre').scrollWidth <= e.querySelector('pre').clientWidth")
    screenshot(page, "chat-tool-calls-compare-answered")
    stored = store.list_messages(USER, conversation.id)
    assert [(m.role, m.meta.get("column")) for m in stored] == [
        ("user", None),
        ("assistant", 0),
        ("assistant", 1),
        ("tool", 0),
        ("tool", 0),
        ("assistant", 0),
        ("tool", 1),
        ("tool", 1),
        ("assistant", 1),
    ]
    assert stored[-1].meta["model"] == "gemini-pro" and "snow in Tokyo" in stored[-1].content


def test_blind_compare_with_mocks_keeps_letters_and_votes_once(page: Page, app_url, e2e_dir):
    """Blind, two models, answered with mocks automatically: two steps of Model A and Model B,
    one vote under the last, which reveals both steps; English and Chinese, desktop and phone."""
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, USER)
    start_new_chat(page)
    add_weather_tool(page, close=False)
    page.get_by_role("dialog").get_by_text("Answer with mocks automatically").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    page.get_by_text("Compare", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stMultiSelect").get_by_role("combobox").click()
    page.get_by_role("option", name="gemini-pro", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.get_by_text("Blind", exact=True).click()
    wait_for_app(page)
    send(page, f"Weather in Paris? ({uuid.uuid4().hex[:6]})")
    vote = page.get_by_role("button", name="A is better")
    expect(vote).to_have_count(1, timeout=30_000)  # one vote for the turn, under its last step
    wait_for_app(page)
    expect(page.get_by_text("Model A", exact=True)).to_have_count(2)
    expect(page.get_by_text("Model B", exact=True)).to_have_count(2)
    expect(page.get_by_test_id("stChatMessage").filter(has_text="gemini-pro")).to_have_count(0)  # no name shows
    screenshot(page, "chat-tool-calls-blind")
    store = store_of(e2e_dir)
    replies = [m for m in store.list_messages(USER, store.list_conversations(USER)[0].id) if m.role == "assistant"]
    slots = [(m.meta["column"], m.meta["blind_slot"]) for m in replies]
    assert len(slots) == 4 and dict(slots[:2]) == dict(slots[2:])  # each column keeps its slot (its letter)
    vote.click()
    expect(page.get_by_text("You voted: A is better")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("Model A ·", exact=False)).to_have_count(2)
    screenshot(page, "chat-tool-calls-blind-voted")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for_app(page)
    screenshot(page, "chat-tool-calls-blind-phone")
    page.set_viewport_size({"width": 1400, "height": 900})
    switch_language(page, "简体中文")
    try:
        expect(page.get_by_text("模型 A ·", exact=False)).to_have_count(2)
        screenshot(page, "chat-tool-calls-blind-zh")
        page.set_viewport_size({"width": 390, "height": 844})
        wait_for_app(page)
        screenshot(page, "chat-tool-calls-blind-phone-zh")
    finally:
        page.set_viewport_size({"width": 1400, "height": 900})
        switch_language(page, "English")


def test_import_text_pasted_but_not_imported_survives_closing_the_dialog(page: Page, app_url):
    """Pasted, then the dialog closed at once (Escape, the box never left): the text is there
    when the dialog opens again."""
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, app_url, USER)
    start_new_chat(page)
    text = '[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]'
    for close in ("Escape", "the X"):
        page.get_by_role("button", name="Tools", exact=True).click()
        open_expander(page, "Import or export")
        box = page.get_by_role("dialog").get_by_label("Paste an OpenAI tools array")
        box.fill(text if close == "Escape" else text.replace("lookup", "search"))
        if close == "Escape":
            page.keyboard.press("Escape")
        else:
            page.get_by_role("dialog").get_by_label("Close").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        wait_for_app(page)
        page.get_by_role("button", name="Tools", exact=True).click()
        open_expander(page, "Import or export")
        expect(page.get_by_role("dialog").get_by_label("Paste an OpenAI tools array")).to_have_value(
            text if close == "Escape" else text.replace("lookup", "search")
        )
        if close == "Escape":
            screenshot(page, "chat-tools-dialog-import-kept")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
        wait_for_app(page)
