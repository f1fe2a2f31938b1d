"""Function calling on the Chat page under AppTest, against the sandbox: tools defined in the
Tools dialog, calls drawn as cards, results typed or mocked, Continue, the automatic chain."""

from __future__ import annotations

from lib.store import Store
from lib.ui.state.chat import SettingsInUse
from lib.ui.state.send import Replies
from tests.app.helpers import state_of
from tests.app.test_chat import last_request, send, stored_messages
from tests.fixtures.app import make_app

CHAT = "app_pages/chat.py"


def open_tools(at):
    """AppTest runs the whole page after a click in the dialog, which then is closed (in a
    browser the dialog reruns alone and stays open): open it again."""
    return at.button(key="chat_tools_open").click().run()


def with_weather_tool(at):
    open_tools(at).button(key="chat_new_tools_add").click().run()  # the first example: the weather lookup
    return at


def card_keys(at, prefix="chat_tool_result_") -> list[str]:
    return [t.key for t in at.text_area if t.key and t.key.startswith(prefix)]


def test_two_cities_two_cards_one_typed_one_mocked_then_the_answer(app_secrets, sandbox):
    at = send(with_weather_tool(make_app(app_secrets)), "What's the weather in Paris and Tokyo?")
    assert not at.exception
    assert [t["function"]["name"] for t in last_request(sandbox)["tools"]] == ["get_weather"]
    keys = card_keys(at)
    assert len(keys) == 2
    codes = [c.value for c in at.code]
    assert any('"city": "Paris"' in c for c in codes) and any('"city": "Tokyo"' in c for c in codes)
    at.text_area(key=keys[0]).set_value("18 C and cloudy").run()
    at.button(key=f"{keys[1]}_mock").click().run()
    assert '"city": "Tokyo"' in at.text_area(key=keys[1]).value
    continue_key = next(b.key for b in at.button if b.key and b.key.startswith("chat_tools_continue_"))
    at.button(key=continue_key).click().run()
    assert not at.exception
    sent = last_request(sandbox)["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
    assert sent[2]["content"] == "18 C and cloudy" and '"Tokyo"' in sent[3]["content"]
    stored = stored_messages(app_secrets)
    assert [m[0] for m in stored] == ["user", "assistant", "tool", "tool", "assistant"]
    assert "18 C and cloudy" in stored[-1][1] and any("18 C and cloudy" in m.value for m in at.markdown)
    assert not card_keys(at)  # answered: no more boxes
    viewed = next(iter(state_of(at, Replies).last_calls.values()))[0]["body"]  # what View code shows
    assert viewed["tools"][0]["function"]["name"] == "get_weather"
    assert [m["role"] for m in viewed["messages"]] == ["user", "assistant", "tool", "tool"]


def test_continue_with_a_result_left_empty_says_so_and_keeps_what_was_typed(app_secrets):
    at = send(with_weather_tool(make_app(app_secrets)), "Weather in Paris and Rome")
    keys = card_keys(at)
    at.text_area(key=keys[0]).set_value("sunny").run()
    continue_key = next(b.key for b in at.button if b.key and b.key.startswith("chat_tools_continue_"))
    at.button(key=continue_key).click().run()
    assert [m[0] for m in stored_messages(app_secrets)] == ["user", "assistant"]
    assert at.text_area(key=keys[0]).value == "sunny"
    assert any("every call needs one" in e.value for e in at.error)


def test_automatic_mocks_run_the_chain_to_the_answer(app_secrets):
    at = with_weather_tool(make_app(app_secrets))
    open_tools(at).toggle(key="chat_new_tools_auto_mock").set_value(True).run()
    send(at, "Weather in Paris please")
    roles = [m[0] for m in stored_messages(app_secrets)]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert "sunny" in stored_messages(app_secrets)[-1][1]
    calls = Store(app_secrets["store"]["url"]).usage_ledger("local").calls()
    assert len(calls[calls["endpoint"] == "chat"]) == 2  # one ledger row per call of the chain


def test_a_chain_that_does_not_end_stops_at_the_step_limit(app_secrets):
    at = with_weather_tool(make_app(app_secrets))
    open_tools(at).toggle(key="chat_new_tools_auto_mock").set_value(True).run()
    open_tools(at).number_input(key="chat_new_tools_auto_steps").set_value(2).run()
    send(at, "Weather in Paris [tool-loop]")
    roles = [m[0] for m in stored_messages(app_secrets)]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert stored_messages(app_secrets)[-1][2]["chain_limit"] == 2
    assert any("2 automatic steps" in w.value for w in at.warning)


def test_bad_tools_are_explained_and_kept_but_not_sent(app_secrets, sandbox):
    at = with_weather_tool(make_app(app_secrets))
    open_tools(at).button(key="chat_new_tools_add").click().run()  # a second get_weather: same name
    open_tools(at).text_area(key="chat_new_tool1_parameters").set_value('{"type": "object",').run()
    warnings = [w.value for w in open_tools(at).warning]
    assert any("already named" in w for w in warnings) and any("not JSON" in w for w in warnings)
    send(at, "Weather in Paris")
    assert len(last_request(sandbox)["tools"]) == 1
    assert (
        state_of(at, SettingsInUse).by_conversation[None]["tools"][1]["parameters"] == '{"type": "object",'
        or Store(app_secrets["store"]["url"]).list_conversations("local")[0].settings["tools"][1]["parameters"]
        == '{"type": "object",'
    )


def test_arguments_that_are_not_json_or_a_tool_that_does_not_exist(app_secrets):
    at = send(with_weather_tool(make_app(app_secrets)), "Weather in Paris [tool-bad-args]")
    assert any("not valid JSON" in e.value for e in at.error)
    at = send(at, "hello [tool:launch_rocket]")
    assert any("not one of your tools" in w.value for w in at.warning)


def compare_two(at):
    at.toggle(key="chat_new_compare_on").set_value(True).run()
    at.multiselect(key="chat_new_compare").set_value(["gpt-4o-mini", "gemini-pro"]).run()
    return at


def test_in_compare_each_model_runs_its_own_chain(app_secrets, sandbox):
    at = send(compare_two(with_weather_tool(make_app(app_secrets))), "Weather in Paris")
    assert not at.exception
    keys = card_keys(at)
    assert len(keys) == 2  # one call in each column
    at.button(key=f"{keys[0]}_mock").click().run()
    continue_keys = [b.key for b in at.button if b.key and b.key.startswith("chat_tools_continue_")]
    at.button(key=continue_keys[0]).click().run()
    assert not at.exception
    stored = stored_messages(app_secrets)
    assert [(m[0], m[2].get("column")) for m in stored] == [
        ("user", None),
        ("assistant", 0),
        ("assistant", 1),
        ("tool", 0),
        ("assistant", 0),
    ]
    assert last_request(sandbox)["model"] == "gpt-4o-mini"  # only the first column's chain went on
    # drawn in its column's place, beside the second column's empty place
    assert [c.value for c in at.caption].count(
        "No reply at this step: this model's chain ended or waits at another step."
    ) == 1
    keys = card_keys(at)
    assert len(keys) == 1  # the second column's call still waits
    at.text_area(key=keys[0]).set_value("windy").run()
    continue_key = next(b.key for b in at.button if b.key and b.key.startswith("chat_tools_continue_"))
    at.button(key=continue_key).click().run()
    stored = stored_messages(app_secrets)
    assert [(m[0], m[2].get("column")) for m in stored][-2:] == [("tool", 1), ("assistant", 1)]
    assert "windy" in stored[-1][1] and last_request(sandbox)["model"] == "gemini-pro"
    assert [m["role"] for m in last_request(sandbox)["messages"]] == ["user", "assistant", "tool"]


def test_in_compare_mocks_run_every_column_to_its_answer(app_secrets):
    at = compare_two(with_weather_tool(make_app(app_secrets)))
    open_tools(at).toggle(key="chat_new_tools_auto_mock").set_value(True).run()
    send(at, "Weather in Paris")
    assert not at.exception
    columns = [(m[0], m[2].get("column")) for m in stored_messages(app_secrets)]
    assert columns == [
        ("user", None),
        ("assistant", 0),
        ("assistant", 1),
        ("tool", 0),
        ("tool", 1),
        ("assistant", 0),
        ("assistant", 1),
    ]


def test_tools_import_refuses_what_is_not_a_tools_array_and_takes_one(app_secrets, sandbox):
    def paste_and_import(at, text):
        """Typed and clicked in one run: in a browser the dialog stays open between the two."""
        open_tools(at).text_area(key="chat_new_tools_import_text").set_value(text)
        at.button(key="chat_new_tools_import").click().run()
        return open_tools(at)

    at = paste_and_import(make_app(app_secrets), '[{"function": {}}]')
    assert any("$[0] is not a function tool" in e.value for e in at.error)
    exported = '[{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]'
    at = paste_and_import(at, exported)
    assert any("1 tool(s) imported" in s.value for s in at.success)
    send(at, "Where is my order? [tool:lookup_order]")
    assert [t["function"]["name"] for t in last_request(sandbox)["tools"]] == ["lookup_order"]


def test_import_text_pasted_but_not_imported_is_still_there_when_the_dialog_opens_again(app_secrets):
    text = '[{"type": "function", "function": {"name": "lookup_order"'
    at = open_tools(make_app(app_secrets))
    at.text_area(key="chat_new_tools_import_text").set_value(text).run()
    at.run()  # the dialog closed: its widgets are not drawn, Streamlit drops their state
    assert not [a for a in at.text_area if a.key == "chat_new_tools_import_text"]
    assert open_tools(at).text_area(key="chat_new_tools_import_text").value == text


def test_blind_compare_keeps_each_columns_letter_through_its_chain_and_votes_once_at_the_end(app_secrets):
    from tests.app.test_votes import headings

    at = compare_two(with_weather_tool(make_app(app_secrets)))
    at.toggle(key="chat_new_blind").set_value(True).run()
    send(at, "Weather in Paris")
    assert headings(at)[-2:] == ["**Model A**", "**Model B**"]
    assert not [b for b in at.button if b.label == "A is better"]  # the chains are not done: no vote yet
    store = Store(app_secrets["store"]["url"])
    replies = store.list_messages("local", store.list_conversations("local")[0].id)
    first = {m.meta["blind_slot"]: m for m in replies if m.role == "assistant"}
    by_slot = {
        slot: next(k for k in card_keys(at) if k.startswith(f"chat_tool_result_{m.id}_")) for slot, m in first.items()
    }

    at.button(key=f"{by_slot[1]}_mock").click().run()  # B's chain goes on alone
    at.button(key=f"chat_tools_continue_{first[1].id}").click().run()
    assert not at.exception
    assert headings(at)[-1] == "**Model B**"  # its letter, not the first of a new shuffle
    assert not [b for b in at.button if b.label == "A is better"]  # A's chain still waits
    assert not any(model in h for h in headings(at) for model in ("gpt-4o-mini", "gemini-pro"))

    at.button(key=f"{by_slot[0]}_mock").click().run()
    at.button(key=f"chat_tools_continue_{first[0].id}").click().run()
    assert headings(at)[-1] == "**Model A**"
    assert len([b for b in at.button if b.label == "A is better"]) == 1  # one vote, under the last step
    next(b for b in at.button if b.label == "A is better").click().run()
    assert not at.exception
    models = {slot: m.meta["model"] for slot, m in first.items()}
    assert [(v.models, v.outcome) for v in store.list_votes("local")] == [([models[0], models[1]], "A")]
    assert headings(at)[-4:] == [
        f"**Model A · {models[0]}**",
        f"**Model B · {models[1]}**",
        f"**Model B · {models[1]}**",
        f"**Model A · {models[0]}**",
    ]
