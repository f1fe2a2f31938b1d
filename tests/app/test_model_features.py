"""The Chat page's model features under AppTest, against the sandbox: reasoning effort, response
format and its schema editor, probabilities, extra parameters: what is sent, shown and stored."""

from __future__ import annotations

import json

from tests.app.test_chat import last_request, open_conversation, send, stored_messages
from tests.fixtures.app import make_app

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}


def json_schema_chat(app_secrets, schema_text: str):
    at = make_app(app_secrets)
    at.segmented_control(key="chat_new_format").set_value("json_schema").run()
    at.text_area(key="chat_new_schema").set_value(schema_text).run()
    return at


def test_reasoning_effort_is_sent_only_when_on_and_the_thinking_is_kept_apart(app_secrets, sandbox):
    at = make_app(app_secrets)
    at.selectbox(key="chat_new_model").set_value("deepseek-reasoner").run()
    send(at, "first")
    assert "reasoning_effort" not in last_request(sandbox)
    at.segmented_control(key=f"chat_{open_conversation(at)}_effort").set_value("low").run()
    send(at, "second")
    body = last_request(sandbox)
    assert body["reasoning_effort"] == "low"
    assert "The user wrote" not in json.dumps(body["messages"])  # never sent back
    _, content, meta = stored_messages(app_secrets)[-1]
    assert meta["thinking"].startswith('The user wrote: "second"') and "The user wrote" not in content
    assert meta["reasoning_tokens"] > 0
    from lib.store import Store

    ledger = Store(app_secrets["store"]["url"]).usage_ledger("local").calls()
    assert ledger["reasoning_tokens"].iloc[0] == meta["reasoning_tokens"]  # newest first
    assert any(e.label.startswith("Thought for") for e in at.expander)
    metrics = [c.value for c in at.caption if "reasoning tokens" in c.value][-1]
    assert 0 <= meta["first_thinking"] <= meta["ttft"]
    assert (
        f"first thought {meta['first_thinking']:.2f} s" in metrics
        and f"first answer token {meta['ttft']:.2f} s" in metrics
    )  # each first token, not the answer's alone


def test_a_schema_is_checked_as_typed_with_line_and_reason(app_secrets):
    at = json_schema_chat(app_secrets, '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "strin"}\n  }\n}')
    assert any("Not a valid JSON Schema at $.properties.a.type" in e.value for e in at.error)
    at.text_area(key="chat_new_schema").set_value('{\n  "type": "object",\n  "properties": {,}\n}').run()
    assert any(e.value.startswith("Line 3, column 18: not JSON") for e in at.error)
    at.text_area(key="chat_new_schema").set_value(json.dumps(SCHEMA)).run()
    assert not at.error and any("A valid JSON Schema" in c.value for c in at.caption)


def test_a_message_waits_while_the_schema_is_broken_and_nothing_is_lost(app_secrets, sandbox):
    at = json_schema_chat(app_secrets, '{"type": "objekt"}')
    before = sandbox.control.stats()["total"]
    send(at, "the capital of France")
    assert any(w.value.startswith("Not sent: the JSON schema has a problem") for w in at.warning)
    assert sandbox.control.stats()["total"] == before and not stored_messages(app_secrets)
    at.text_area(key="chat_new_schema").set_value(json.dumps(SCHEMA)).run()
    assert [m[1] for m in stored_messages(app_secrets)][0] == "the capital of France"


def test_a_schema_reply_matches_and_a_broken_one_names_its_path(app_secrets, sandbox):
    at = json_schema_chat(app_secrets, json.dumps(SCHEMA))
    send(at, "the capital of France")
    sent = last_request(sandbox)["response_format"]
    assert sent == {"type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA, "strict": True}}
    assert any("Matches the schema" in m.value for m in at.markdown)
    send(at, "and of Italy [badjson]")
    _, _, meta = stored_messages(app_secrets)[-1]
    assert meta["structured"]["kind"] == "mismatch"
    assert meta["structured"]["problems"][0]["reason"] == "'city' is a required property"
    assert any("Does not match the schema" in m.value for m in at.markdown)
    assert any(m.value.startswith("- \\$") and "'city' is a required property" in m.value for m in at.markdown)
    send(at, "[notjson]")
    assert any(w.value.startswith("Not JSON: the raw reply is kept below") for w in at.warning)
    assert any(c.value.startswith("Sure! Here is the JSON") for c in at.code)


def test_a_schema_inferred_from_an_example_and_a_starter(app_secrets):
    at = json_schema_chat(app_secrets, "")
    at.text_area(key="chat_new_example").set_value("{'not': json}").run()
    at.button(key="chat_new_infer").click().run()
    assert any(e.value.startswith("Line 1, column 2: not JSON") for e in at.error)
    assert at.text_area(key="chat_new_example").value == "{'not': json}"
    at.text_area(key="chat_new_example").set_value('{"title": "Dune", "year": 1965}').run()
    at.button(key="chat_new_infer").click().run()
    schema = json.loads(at.text_area(key="chat_new_schema").value)
    assert schema["properties"]["year"] == {"type": "integer"} and schema["required"] == ["title", "year"]
    at.selectbox(key="chat_new_starter").set_value("sentiment").run()
    assert "positive" in at.text_area(key="chat_new_schema").value
    assert at.text_input(key="chat_new_schema_name").value == "sentiment"


def test_extra_parameters_reach_the_server_or_are_refused_with_the_reason(app_secrets, sandbox):
    at = make_app(app_secrets)
    at.text_area(key="chat_new_extra").set_value('{"model": "x", "top_k": 3}').run()
    assert any("cannot be overridden: model" in e.value for e in at.error)
    at.text_area(key="chat_new_extra").set_value("[1, 2]").run()
    assert any("must be a JSON object" in e.value and "array" in e.value for e in at.error)
    before = sandbox.control.stats()["total"]
    send(at, "with extras")
    assert any("Not sent: the extra parameters are refused" in w.value for w in at.warning)
    assert sandbox.control.stats()["total"] == before
    at.text_area(key="chat_new_extra").set_value('{"top_k": 3, "n": 1, "x_vendor": {"a": 1}}').run()
    body = last_request(sandbox)
    assert body["top_k"] == 3 and body["x_vendor"] == {"a": 1} and body["model"] == "gpt-4o-mini"
    conversation_id = open_conversation(at)
    again = make_app(app_secrets)  # saved with the conversation's settings
    assert again.text_area(key=f"chat_{conversation_id}_extra").value.startswith('{"top_k": 3')


def test_probabilities_are_asked_for_and_shade_the_reply(app_secrets, sandbox):
    at = make_app(app_secrets)
    at.toggle(key="chat_new_logprobs").set_value(True).run()
    at.number_input(key="chat_new_top_logprobs").set_value(3).run()
    send(at, "probabilities")
    body = last_request(sandbox)
    assert body["logprobs"] is True and body["top_logprobs"] == 3
    _, content, meta = stored_messages(app_secrets)[-1]
    assert "".join(entry[0] for entry in meta["logprobs"]) == content
    assert all(len(entry[2]) == 3 for entry in meta["logprobs"])
    shaded = [h for h in at.get("html") if 'class="tok"' in h.proto.body]
    assert shaded and "tabindex" in shaded[0].proto.body


# --- a share link and presentation mode -----------------------------------------------------


def test_thinking_and_checked_json_reach_a_share_link_and_the_slides(app_secrets, sandbox):
    from lib.sharing import shares
    from tests.app.helpers import store_of
    from tests.app.test_presentation import present
    from tests.app.test_shares import open_link

    at = json_schema_chat(app_secrets, json.dumps(SCHEMA))
    at.selectbox(key="chat_new_model").set_value("o4-mini").run()
    send(at, "a city, please")
    store = store_of(app_secrets)
    conversation = store.list_conversations("local")[0]
    token, _ = shares.create_share(
        store,
        "local",
        shares.conversation_snapshot(conversation, store.list_messages("local", conversation.id)),
        expiry="7d",
    )
    viewer = open_link(app_secrets, token)
    assert not viewer.exception
    assert any(e.label.startswith("Thought for") for e in viewer.expander)
    assert any("Matches the schema" in m.value for m in viewer.markdown)
    assert any("reasoning tokens" in c.value and "first thought" in c.value for c in viewer.caption)
    present(at)
    assert at.toggle(key="present_thinking").value is True
    assert any(e.label.startswith("Thought for") for e in at.expander)
    at.toggle(key="present_thinking").set_value(False).run()
    assert not any(e.label.startswith("Thought for") for e in at.expander)
    assert any("Matches the schema" in m.value for m in at.markdown)


def test_compare_keeps_each_columns_thinking_and_checks_each_columns_json(app_secrets):
    from tests.app.test_chat_features import compare_app

    at = compare_app(app_secrets, ["deepseek-reasoner", "gpt-4o-mini"])
    at.segmented_control(key="chat_new_format").set_value("json_schema").run()
    at.text_area(key="chat_new_schema").set_value(json.dumps(SCHEMA)).run()
    send(at, "two cities")
    replies = stored_messages(app_secrets)[-2:]
    assert [m[2]["model"] for m in replies] == ["deepseek-reasoner", "gpt-4o-mini"]
    assert replies[0][2]["thinking"] and "thinking" not in replies[1][2]
    assert [m[2]["structured"]["kind"] for m in replies] == ["matches", "matches"]
    assert sum(e.label.startswith("Thought for") for e in at.expander) == 1
    assert sum("Matches the schema" in m.value for m in at.markdown) == 2
