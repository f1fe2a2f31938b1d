"""Reasoning, structured output, token probabilities and extra keys: the sandbox answers them
over real HTTP in each dialect, and the client reads every shape of the relay family."""

from __future__ import annotations

import json

import pytest
from openai import OpenAI

from lib import chat, dialects
from lib.chat import structured
from lib.client import ReshiClient
from lib.sandbox.dialects import REASONING_SHAPES

HELLO = [{"role": "user", "content": "hello there"}]
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "genre": {"enum": ["novel", "poem"]},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "author": {"$ref": "#/$defs/person"},
        "rating": {"type": ["number", "null"], "exclusiveMaximum": 5},
    },
    "required": ["title", "year", "genre", "tags", "author"],
    "additionalProperties": False,
    "$defs": {
        "person": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
            "required": ["name"],
        }
    },
}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "book", "schema": SCHEMA, "strict": True}}


@pytest.fixture
def client(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


@pytest.mark.parametrize("dialect", ["reshi", "new-api", "openai"])
@pytest.mark.parametrize("shape", REASONING_SHAPES)
def test_thinking_streams_first_and_apart_in_every_shape_and_dialect(client, sandbox_dialect, dialect, shape):
    sandbox_dialect(dialect, shape)
    stream = client.chat.stream("deepseek-reasoner", HELLO, reasoning_effort="high")
    kinds = [part.kind for part in stream.parts()]
    assert kinds[0] == dialects.THINKING and kinds[-1] == dialects.ANSWER
    assert kinds.index(dialects.ANSWER) == kinds.count(dialects.THINKING)  # all thinking, then all answer
    assert stream.thinking.startswith('The user wrote: "hello there"') and "<think>" not in stream.thinking
    assert stream.text.startswith('You said: "hello there"') and "think>" not in stream.text
    assert stream.reasoning_tokens and stream.completion_tokens > stream.reasoning_tokens
    assert stream.first_thinking <= stream.ttft and stream.thinking_seconds <= stream.ttft
    whole = client.chat.create("deepseek-reasoner", HELLO, reasoning_effort="high")
    assert (whole.thinking.strip(), whole.text) == (stream.thinking.strip(), stream.text)
    assert whole.reasoning_tokens == stream.reasoning_tokens


def test_each_dialect_puts_thinking_in_its_own_field(sandbox_http, sandbox_dialect):
    for dialect, field in (("reshi", "reasoning_content"), ("new-api", "reasoning_content"), ("openai", "reasoning")):
        sandbox_dialect(dialect)
        message = sandbox_http.post("/chat/completions", json={"model": "o4-mini", "messages": HELLO}).json()
        assert message["choices"][0]["message"][field].startswith("The user wrote")


def test_more_effort_thinks_longer_and_a_model_without_reasoning_does_not_think(client):
    tokens = {}
    for effort in ("minimal", "low", "medium", "high"):
        stream = client.chat.stream("gemini-2.5-pro", HELLO, reasoning_effort=effort)
        "".join(stream)
        tokens[effort] = stream.reasoning_tokens
    assert tokens["minimal"] < tokens["low"] < tokens["medium"] < tokens["high"]
    plain = client.chat.stream("gpt-4o-mini", HELLO, reasoning_effort="high")
    assert "".join(plain) and plain.thinking == "" and plain.reasoning_tokens is None


@pytest.mark.parametrize(
    "pieces",
    [
        ["<think>", "a b", "</think>", "answer"],
        ["<thi", "nk>a", " b</th", "ink>\n\nans", "wer"],
        ["  <think>\na b\n</think>answer"],
    ],
)
def test_inline_thinking_is_split_whatever_the_chunks(pieces):
    inline, out = dialects.InlineThinking(), []
    for piece in pieces:
        out += inline.feed(piece)
    out += inline.flush()
    thinking = "".join(t for k, t in out if k == dialects.THINKING)
    answer = "".join(t for k, t in out if k == dialects.ANSWER)
    assert (thinking.strip(), answer) == ("a b", "answer")


def test_a_think_tag_later_in_an_answer_is_answer_text():
    inline = dialects.InlineThinking()
    out = inline.feed("Use <") + inline.feed("think> tags") + inline.flush()
    assert out and all(kind == dialects.ANSWER for kind, _ in out) and "".join(t for _, t in out) == "Use <think> tags"


def test_a_server_sending_both_names_is_read_once():
    assert dialects.delta_texts({"reasoning_content": "x", "reasoning": "x", "content": "y"}) == [
        (dialects.THINKING, "x"),
        (dialects.ANSWER, "y"),
    ]


def test_the_openai_sdk_reads_the_sandboxs_thinking(sandbox, api_key):
    sdk = OpenAI(base_url=sandbox.base_url, api_key=api_key)
    reply = sdk.chat.completions.create(model="deepseek-reasoner", messages=HELLO, reasoning_effort="low")
    assert reply.choices[0].message.model_extra["reasoning_content"].startswith("The user wrote")
    assert reply.usage.completion_tokens_details.reasoning_tokens > 0


# --- structured output ----------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["reshi", "new-api", "openai"])
def test_a_schema_gets_json_valid_for_it_and_badjson_one_that_is_not(client, sandbox_dialect, dialect):
    sandbox_dialect(dialect)
    good = "".join(client.chat.stream("gpt-4o", [{"role": "user", "content": "a book"}], response_format=SCHEMA_FORMAT))
    check = structured.check_reply(good, SCHEMA)
    assert check.ok, check.problems
    bad = client.chat.create("gpt-4o", [{"role": "user", "content": "a book [badjson]"}], response_format=SCHEMA_FORMAT)
    check = structured.check_reply(bad.text, SCHEMA)
    assert check.kind == structured.MISMATCH and "'title' is a required property" in check.problems[0].reason
    raw = client.chat.create("gpt-4o", [{"role": "user", "content": "[notjson]"}], response_format=SCHEMA_FORMAT)
    assert structured.check_reply(raw.text, SCHEMA).kind == structured.NOT_JSON


def test_json_object_gets_an_object(client):
    reply = client.chat.create("gpt-4o", HELLO, response_format={"type": "json_object"})
    assert isinstance(json.loads(reply.text), dict)
    assert (
        structured.check_reply(
            client.chat.create(
                "gpt-4o", [{"role": "user", "content": "x [badjson]"}], response_format={"type": "json_object"}
            ).text,
            None,
        ).kind
        == structured.NOT_JSON
    )


# --- token probabilities -------------------------------------------------------------------


def test_logprobs_come_in_openais_shape_streamed_and_whole(sandbox_http, sandbox):
    body = {"model": "gpt-4o-mini", "messages": HELLO, "logprobs": True, "top_logprobs": 3}
    whole = sandbox_http.post("/chat/completions", json=body).json()
    content = whole["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in content) == whole["choices"][0]["message"]["content"]
    first = content[0]
    assert first["logprob"] <= 0 and first["bytes"] == list(first["token"].encode())
    assert len(first["top_logprobs"]) == 3 and first["token"] in [t["token"] for t in first["top_logprobs"]]
    assert [t["logprob"] for t in first["top_logprobs"]] == sorted(
        (t["logprob"] for t in first["top_logprobs"]), reverse=True
    )
    with sandbox_http.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
        chunks = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")]
    streamed = [
        c["choices"][0]["logprobs"]["content"][0] for c in chunks if c["choices"] and c["choices"][0]["logprobs"]
    ]
    assert streamed == content
    plain = sandbox_http.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO}).json()
    assert plain["choices"][0]["logprobs"] is None


# --- parameters: unknown keys ignored, wrong types refused -----------------------------------


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"temperature": "hot"}, "'temperature'"),
        ({"n": 0}, "'n'"),
        ({"logprobs": "yes"}, "'logprobs'"),
        ({"top_logprobs": 3}, "needs logprobs"),
        ({"logprobs": True, "top_logprobs": 21}, "'top_logprobs'"),
        ({"reasoning_effort": "extreme"}, "'reasoning_effort'"),
        ({"response_format": {"type": "yaml"}}, "'response_format'"),
        ({"response_format": {"type": "json_schema"}}, "'response_format'"),
        ({"seed": 1.5}, "'seed'"),
    ],
)
def test_wrong_types_are_400_and_cost_nothing(sandbox, sandbox_http, api_key, extra, words):
    before = sandbox.control.key_info(api_key)["credits"]
    response = sandbox_http.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": HELLO, **extra})
    assert response.status_code == 400 and words in response.json()["error"]["message"]
    assert sandbox.control.key_info(api_key)["credits"] == before


def test_unknown_keys_are_ignored(sandbox_http):
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    plain = sandbox_http.post("/chat/completions", json=body).json()
    extra = sandbox_http.post("/chat/completions", json={**body, "top_k": 40, "x_vendor": {"safe": True}}).json()
    assert extra["choices"][0]["message"]["content"] == plain["choices"][0]["message"]["content"]


def test_the_reasoning_models_are_listed(sandbox_http):
    ids = {m["id"] for m in sandbox_http.get("/models").json()["data"]}
    assert {"deepseek-reasoner", "o4-mini", "gemini-2.5-pro"} <= ids


# --- View code: extra parameters in the SDK's extra_body ------------------------------------


def test_view_codes_sdk_call_sends_the_same_body_extra_keys_in_extra_body(sandbox, api_key, capsys):
    from lib.chat import code_export

    body = {
        "model": "o4-mini",
        "messages": HELLO,
        "reasoning_effort": "low",
        "top_k": 40,
        "x_vendor": {"safe": True},
        "response_format": SCHEMA_FORMAT,
        "logprobs": True,
        "top_logprobs": 2,
    }
    code = code_export.python_openai(body, sandbox.base_url)
    assert "extra_body={'top_k': 40, 'x_vendor': {'safe': True}}" in code
    exec(compile(code.replace(code_export.MASKED_KEY, api_key), "view-code", "exec"), {})
    sent = [r for r in sandbox.control.recent_requests(5) if r["endpoint"] == "chat"][-1]["body"]
    assert {k: sent[k] for k in body} == body
    assert structured.check_reply(capsys.readouterr().out.strip(), SCHEMA).ok


def test_a_reply_keeps_only_keys_its_message_meta_type_names(client):
    """`chat.MessageMeta` is what a reply's meta may hold: a key written but not typed fails here."""
    stream = client.chat.stream(
        "gemini-2.5-pro", HELLO, reasoning_effort="high", response_format=SCHEMA_FORMAT, logprobs=True, top_logprobs=2
    )
    "".join(stream)
    meta = chat.reply_meta(stream)
    assert {"thinking", "reasoning_tokens", "structured", "logprobs"} <= set(meta)
    assert set(meta) <= chat.MessageMeta.__optional_keys__
