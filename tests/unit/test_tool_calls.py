"""Function calling end to end below the UI: the sandbox's calls in each dialect, read by the
official openai SDK and assembled by lib.client; lib/chat/tools.py's checks, mocks, import and export."""

from __future__ import annotations

import json

import openai
import pytest

from lib import chat, dialects
from lib.chat import tools
from lib.client import ReshiClient
from lib.sandbox import tool_calls as sandbox_calls

DIALECTS = ("reshi", "new-api", "openai")
TOOLS = tools.to_openai(list(tools.STARTERS.values()))
TWO_CITIES = [{"role": "user", "content": "What's the weather in Paris and Tokyo?"}]


@pytest.fixture(params=DIALECTS)
def client(request, sandbox, api_key, sandbox_dialect):
    sandbox_dialect(request.param)
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


def _answered(messages: list[dict], calls, results: list[str]) -> list[dict]:
    return [
        *messages,
        {"role": "assistant", "content": None, "tool_calls": [c.as_message() for c in calls]},
        *({"role": "tool", "tool_call_id": c.id, "content": r} for c, r in zip(calls, results)),
    ]


def test_two_cities_stream_two_calls_then_a_text_answer_quoting_the_results(client):
    stream = client.chat.stream("gpt-4o-mini", TWO_CITIES, tools=TOOLS)
    assert list(stream) == [] and stream.done
    calls = stream.tool_calls
    assert [(c.name, c.parsed) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Tokyo"}),
    ]
    assert stream.finish_reason == "tool_calls"  # "stop" in new-api, read as tool_calls
    assert all(c.id for c in calls) and len({c.id for c in calls}) == 2
    assert all(not tools.argument_problems(tools.STARTERS["weather"], c.parsed) for c in calls)
    answer = client.chat.stream(
        "gpt-4o-mini", _answered(TWO_CITIES, calls, ['{"temp": 21}', "rainy, 12 C"]), tools=TOOLS
    )
    text = "".join(answer)
    assert '**get_weather**: {"temp": 21}' in text and "rainy, 12 C" in text
    assert answer.tool_calls == [] and answer.finish_reason == "stop"


def test_the_arguments_arrive_in_pieces_or_whole_by_dialect(sandbox, sandbox_http, sandbox_dialect):
    for dialect, pieces, ids, finish in (("reshi", True, True, "tool_calls"), ("new-api", False, False, "stop")):
        sandbox_dialect(dialect)
        response = sandbox_http.post(
            "/chat/completions", json={"model": "gpt-4o-mini", "messages": TWO_CITIES, "tools": TOOLS, "stream": True}
        )
        chunks = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
        fragments = [tc for c in chunks for tc in (c["choices"][0]["delta"].get("tool_calls") or [])]
        arguments = [f["function"].get("arguments") for f in fragments]
        assert (len(fragments) > 4) is pieces
        assert all(isinstance(a, str) for a in arguments) is pieces
        assert any("id" in f for f in fragments) is ids
        assert chunks[-1]["choices"][0]["finish_reason"] == finish


def test_the_official_sdk_reads_the_calls_and_sends_the_results(sandbox, api_key):
    sdk = openai.OpenAI(base_url=sandbox.base_url, api_key=api_key, max_retries=0)
    reply = sdk.chat.completions.create(model="gpt-4o", messages=TWO_CITIES, tools=TOOLS)
    message = reply.choices[0].message
    assert reply.choices[0].finish_reason == "tool_calls" and message.content is None
    assert [json.loads(c.function.arguments)["city"] for c in message.tool_calls] == ["Paris", "Tokyo"]
    follow = sdk.chat.completions.create(
        model="gpt-4o",
        tools=TOOLS,
        messages=[
            *TWO_CITIES,
            message.model_dump(exclude_none=True),
            *({"role": "tool", "tool_call_id": c.id, "content": "sunny"} for c in message.tool_calls),
        ],
    )
    assert follow.choices[0].message.content.count("sunny") == 2


def test_tool_choice_and_parallel_calls(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as client:

        def calls(messages, **params):
            stream = client.chat.stream("gpt-4o-mini", messages, tools=TOOLS, **params)
            list(stream)
            return [c.name for c in stream.tool_calls]

        hello = [{"role": "user", "content": "Hello there"}]
        assert calls(hello) == []
        assert calls(hello, tool_choice="required") == ["get_weather"]
        assert calls(hello, tool_choice={"type": "function", "function": {"name": "calculator"}}) == ["calculator"]
        assert calls(TWO_CITIES, tool_choice="none") == []
        assert calls(TWO_CITIES, parallel_tool_calls=False) == ["get_weather"]
        both = [{"role": "user", "content": "Search the documents for 'refunds' and calculate 12*(3+4)"}]
        assert calls(both) == ["search_documents", "calculator"]


def test_bad_arguments_and_unknown_tools_are_sent_as_a_model_would(client):
    stream = client.chat.stream(
        "gpt-4o-mini", [{"role": "user", "content": "Paris weather [tool-bad-args]"}], tools=TOOLS
    )
    list(stream)
    assert not stream.tool_calls[0].arguments_ok and stream.tool_calls[0].parsed is None
    stream = client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "hi [tool:launch_rocket]"}], tools=TOOLS)
    list(stream)
    assert stream.tool_calls[0].name == "launch_rocket" and tools.find([], "launch_rocket") is None


def test_the_sandbox_refuses_what_openai_refuses(sandbox_http):
    def status(**body):
        response = sandbox_http.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": TWO_CITIES, **body})
        return response.status_code, response.json().get("error", {}).get("message", "")

    assert status(tools=[{"type": "function", "function": {"name": "bad name!"}}])[0] == 400
    assert status(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}})[0] == 400
    orphan = [*TWO_CITIES, {"role": "tool", "tool_call_id": "call_x", "content": "1"}]
    code, message = status(tools=TOOLS, messages=orphan)
    assert code == 400 and "tool_call_id" in message


def test_a_chain_that_does_not_end_keeps_calling(client):
    asked = [{"role": "user", "content": "Paris weather [tool-loop]"}]
    stream = client.chat.stream("gpt-4o-mini", asked, tools=TOOLS)
    list(stream)
    again = client.chat.stream("gpt-4o-mini", _answered(asked, stream.tool_calls, ["sunny"]), tools=TOOLS)
    list(again)
    assert [c.name for c in again.tool_calls] == ["get_weather"]


def test_chinese_prompts_call_a_tool_described_in_chinese():
    weather = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "查询城市的当前天气",
            "parameters": json.loads(tools.STARTERS["weather"]["parameters"]),
        },
    }
    planned = sandbox_calls.plan([{"role": "user", "content": "北京和上海的天气怎么样？"}], [weather])
    assert [c.arguments["city"] for c in planned] == ["北京", "上海"]


# ---------------------------------------------------------------- the client's rows, without a server


@pytest.mark.parametrize(
    "delta, expected",
    [
        (
            {"tool_calls": [{"index": 1, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}]},
            [dialects.ToolCallPiece(1, "c1", "f", '{"a"', False)],
        ),
        (
            {"tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]},
            [dialects.ToolCallPiece(0, None, "f", '{"a": 1}', True)],
        ),
        ({"function_call": {"name": "f", "arguments": "{}"}}, [dialects.ToolCallPiece(0, None, "f", "{}", False)]),
        (
            {"tool_calls": ["junk", {"index": True, "function": "x"}]},
            [dialects.ToolCallPiece(1, None, None, "", False)],
        ),
        ({"content": "hi"}, []),
    ],
)
def test_each_servers_fragment_reads_as_one_meaning(delta, expected):
    assert dialects.tool_call_pieces(delta) == expected


# ---------------------------------------------------------------- lib/chat/tools.py


def test_problems_name_the_tool_and_the_path():
    weather = tools.STARTERS["weather"]
    typed = [
        weather,
        dict(weather),
        {**weather, "name": "has space"},
        {**weather, "name": "s", "parameters": '{"type": "object",'},
        {**weather, "name": "t", "parameters": '{"type": "object", "properties": {"a": {"type": "nope"}}}'},
        {**weather, "name": "u", "parameters": '["x"]'},
    ]
    found = [(p.index, p.code) for p in tools.problems(typed)]
    assert found == [(1, "duplicate"), (2, "name"), (3, "schema_json"), (4, "schema_invalid"), (5, "schema_type")]
    invalid = next(p for p in tools.problems(typed) if p.code == "schema_invalid")
    assert invalid.detail.startswith("$.properties.a.type")
    assert [t["function"]["name"] for t in tools.to_openai(typed)] == ["get_weather"]


def test_arguments_checked_against_the_schema_with_paths():
    weather = tools.STARTERS["weather"]
    assert tools.argument_problems(weather, {"city": "Paris"}) == []
    found = tools.argument_problems(weather, {"city": 3, "unit": "kelvin", "extra": 1})
    assert [path for path, _ in found] == ["$", "$.city", "$.unit"]


def test_mock_templates_fill_arguments():
    assert (
        tools.fill_mock('{"city": "{{city}}", "n": {{n}}, "x": "{{ missing }}"}', {"city": "Paris", "n": 2})
        == '{"city": "Paris", "n": 2, "x": ""}'
    )
    assert tools.fill_mock("{{a.b}}", {"a": {"b": [1]}}) == "[1]"


def test_export_then_import_gives_the_same_tools_and_bad_files_are_refused():
    starters = list(tools.STARTERS.values())
    back = tools.import_json(tools.export_json(starters))
    assert tools.to_openai(back) == tools.to_openai(starters)
    for text, key in (
        ("{", "tools.import_not_json"),
        ("[]", "tools.import_not_list"),
        ('[{"function": {}}]', "tools.import_bad_item"),
        (json.dumps([TOOLS[0]] * 40), "tools.import_too_many"),
    ):
        with pytest.raises(tools.ImportProblem) as raised:
            tools.import_json(text)
        assert raised.value.key == key


def test_request_fields_carry_the_choice():
    settings = {**tools.default_settings(), "tools": [tools.STARTERS["weather"]]}
    assert tools.request_fields({**settings, "tools": []}) == {}
    assert tools.request_fields(settings) == {"tools": TOOLS[:1]}
    assert tools.request_fields({**settings, "tool_choice": "get_weather", "parallel_tool_calls": False}) == {
        "tools": TOOLS[:1],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": False,
    }
    assert tools.request_fields({**settings, "tool_choice": "gone"}) == {"tools": TOOLS[:1]}


def test_merged_drops_wrong_types():
    merged = tools.merged({"tools": [{"name": 3}, "x"], "auto_steps": 999, "auto_mock": "yes"})
    assert merged["tools"] == [{"name": "3", "description": "", "parameters": "", "mock": ""}]
    assert merged["auto_steps"] == tools.MAX_STEPS and merged["auto_mock"] is False


def test_the_message_list_pairs_calls_with_their_results():
    from lib import chat
    from lib.store import Message

    def message(i, role, content="", **meta):
        return Message(i, 1, "u", role, content, meta, None)

    calls = [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "b", "type": "function", "function": {"name": "f", "arguments": "{}"}},
    ]
    history = [
        message(1, "user", "q"),
        message(2, "assistant", "", tool_calls=calls),
        message(3, "tool", "1", tool_call_id="a"),
        message(4, "tool", "2", tool_call_id="b"),
        message(5, "assistant", "done"),
    ]
    sent = chat.api_messages("", history)
    assert sent[1] == {"role": "assistant", "content": None, "tool_calls": calls}
    assert [m.get("tool_call_id") for m in sent[2:4]] == ["a", "b"] and sent[4]["content"] == "done"
    # calls left unanswered (the user asked something else) are not sent: the API refuses them
    unanswered = [*history[:3], message(6, "user", "next")]
    assert [m["role"] for m in chat.api_messages("", unanswered)] == ["user", "user"]


# ---------------------------------------------------------------- everywhere a conversation goes

CALLS = [
    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
    {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'}},
]


def _chain(store, user="ann"):
    conversation = store.create_conversation(
        user, "Weather", {**tools.default_settings(), "tools": [tools.STARTERS["weather"]]}
    )
    store.add_message(user, conversation.id, "user", "Weather in Paris and Tokyo?")
    store.add_message(user, conversation.id, "assistant", "", {"model": "gpt-4o-mini", "tool_calls": CALLS})
    store.add_message(user, conversation.id, "tool", "18 C", {"tool_call_id": "call_a", "name": "get_weather"})
    store.add_message(user, conversation.id, "tool", '{"t": 25}', {"tool_call_id": "call_b", "name": "get_weather"})
    store.add_message(user, conversation.id, "assistant", "Paris 18 C, Tokyo 25 C", {"model": "gpt-4o-mini"})
    return store.get_conversation(user, conversation.id), store.list_messages(user, conversation.id)


def test_export_and_import_keep_the_calls_results_and_tools(store):
    from lib.chat import transcripts

    conversation, messages = _chain(store)
    data = transcripts.to_json(conversation, messages).encode()
    imported = transcripts.parse_import(data)
    assert [(r, m.get("tool_calls"), m.get("tool_call_id")) for r, _, m in imported.messages] == [
        ("user", None, None),
        ("assistant", CALLS, None),
        ("tool", None, "call_a"),
        ("tool", None, "call_b"),
        ("assistant", None, None),
    ]
    assert imported.settings["tools"] == [tools.STARTERS["weather"]] and not imported.adjusted
    again = transcripts.import_into(store, "bob", imported)
    sent = chat.api_messages("", store.list_messages("bob", again.id))
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "assistant"]
    markdown = transcripts.to_markdown(
        conversation, messages, {"user": "You", "assistant": "AI", "system": "S", "tool": "Tool result"}
    )
    assert '`get_weather({"city": "Paris"})`' in markdown and "## Tool result · get_weather" in markdown


def test_an_imported_call_that_is_not_what_we_store_is_left_out(store):
    from lib.chat import transcripts

    conversation, messages = _chain(store)
    doc = json.loads(transcripts.to_json(conversation, messages))
    doc["messages"][1]["meta"]["tool_calls"] = [{"id": 1, "function": "rm -rf"}]
    imported = transcripts.parse_import(json.dumps(doc).encode())
    assert "tool_calls" not in imported.messages[1][2] and imported.adjusted == ["messages[1].meta.tool_calls"]


def test_share_snapshot_and_slides_show_the_chain_as_one_reply(store):
    from lib.sharing import presentation, shares

    conversation, messages = _chain(store)
    snapshot = shares.conversation_snapshot(conversation, messages)
    assert tools.names(snapshot.payload["params"]["tools"]) == ["get_weather"]
    assert snapshot.payload["messages"][1]["meta"]["tool_calls"] == CALLS
    for source in (messages, snapshot.payload["messages"]):
        slides = presentation.slides_of(source)
        assert len(slides) == 1 and len(slides[0].replies) == 1 and not slides[0].is_comparison
        reply = slides[0].replies[0]
        assert reply.content == "Paris 18 C, Tokyo 25 C"
        assert [(c.name, c.result) for c in reply.calls] == [("get_weather", "18 C"), ("get_weather", '{"t": 25}')]


def test_a_prompt_keeps_the_tools_and_gives_them_back():
    from lib import prompts

    settings = {**chat.default_settings(), "tools": [tools.STARTERS["calculator"]], "tool_choice": "required"}
    content = prompts.new_content(settings, system="Use the calculator.")
    ref = prompts.reference(1, "calc", 1, content)
    applied = prompts.applied(chat.default_settings(), ref, content)
    assert applied["tools"] == [tools.STARTERS["calculator"]] and applied["tool_choice"] == "required"
    without = prompts.new_content(chat.default_settings(), system="No tools here.")
    assert prompts.applied(settings, ref, without)["tools"] == settings["tools"]  # a prompt without tools keeps them
