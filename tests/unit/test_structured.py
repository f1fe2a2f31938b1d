"""Structured output and extra parameters: the pure rules (lib/chat/structured.py, lib/chat/extra_params.py)."""

import json

import pytest

from lib.chat import extra_params, structured

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "age": {"type": "integer"},
    },
    "required": ["name", "age"],
}


def test_a_reply_that_matches_is_marked_so_with_its_value():
    check = structured.check_reply('{"name": "Ada", "age": 36}', PERSON)
    assert check.ok and check.kind == structured.MATCHES and check.value == {"name": "Ada", "age": 36}


def test_a_reply_in_a_markdown_fence_is_read_inside_it():
    assert structured.check_reply('```json\n{"name": "Ada", "age": 36}\n```', PERSON).ok


def test_failures_name_the_path_in_the_reply_and_the_reason():
    check = structured.check_reply('{"name": "Ada", "age": "old", "tags": ["a", 3]}', PERSON)
    assert check.kind == structured.MISMATCH
    paths = {p.path: p.reason for p in check.problems}
    assert paths["$.age"] == "'old' is not of type 'integer'"
    assert "3 is not of type 'string'" in paths["$.tags[1]"]


def test_a_missing_required_key_is_reported_at_its_object():
    problem = structured.first_failure('{"name": "Ada"}', PERSON)
    assert problem.path == "$" and "'age' is a required property" in problem.reason


def test_a_reply_that_is_not_json_says_where_and_the_raw_text_is_not_touched():
    text = "Sure! Here it is: {name: Ada}"
    check = structured.check_reply(text, PERSON)
    assert check.kind == structured.NOT_JSON and check.value is None
    assert check.problems[0].line == 1 and check.problems[0].column == 1
    assert check.as_meta()["problems"][0]["kind"] == structured.NOT_JSON


@pytest.mark.parametrize(
    "text, kind, where",
    [
        ('{\n  "type": "object",\n  "properties": {,}\n}', structured.NOT_JSON, (3, 18)),
        ("[1, 2]", structured.NOT_AN_OBJECT, None),
        ('{"type": "objekt"}', structured.NOT_A_SCHEMA, None),
        ('{"type": "object", "properties": {"a": {"type": 5}}}', structured.NOT_A_SCHEMA, None),
    ],
)
def test_a_typed_schema_is_refused_with_the_line_or_path_and_the_reason(text, kind, where):
    problem = structured.schema_problem(text)
    assert problem is not None and problem.kind == kind and problem.reason
    if where:
        assert (problem.line, problem.column) == where
    if '"a"' in text:
        assert problem.path == "$.properties.a.type"


def test_a_valid_schema_passes_and_each_starter_is_valid():
    assert structured.schema_problem(json.dumps(PERSON)) is None
    for schema in structured.STARTER_SCHEMAS.values():
        assert structured.schema_problem(json.dumps(schema)) is None


def test_a_schema_is_inferred_from_an_example_and_the_example_matches_it():
    example = '{"title": "Dune", "year": 1965, "authors": [{"name": "Frank Herbert"}], "read": true}'
    schema, problem = structured.infer_schema(example)
    assert problem is None and "$schema" not in schema
    assert schema["properties"]["year"] == {"type": "integer"}
    assert schema["properties"]["authors"]["items"]["required"] == ["name"]
    assert structured.check_reply(example, schema).ok
    assert not structured.check_reply('{"title": 3}', schema).ok


def test_an_example_that_is_not_json_is_refused_with_where():
    schema, problem = structured.infer_schema("{'single': 'quotes'}")
    assert schema is None and problem.kind == structured.NOT_JSON and problem.line == 1


def test_response_format_for_each_setting():
    assert structured.response_format(structured.TEXT) is None
    assert structured.response_format(structured.JSON_OBJECT) == {"type": "json_object"}
    sent = structured.response_format(structured.JSON_SCHEMA, json.dumps(PERSON), "person card", strict=False)
    assert sent == {"type": "json_schema", "json_schema": {"name": "reply", "schema": PERSON, "strict": False}}
    assert (
        structured.response_format(structured.JSON_SCHEMA, json.dumps(PERSON), "person")["json_schema"]["name"]
        == "person"
    )
    assert structured.response_format(structured.JSON_SCHEMA, "{not json") is None


@pytest.mark.parametrize(
    "text, kind, reason",
    [
        ("[1]", extra_params.NOT_AN_OBJECT, "array"),
        ("42", extra_params.NOT_AN_OBJECT, "number"),
        ('{"n": 2,}', structured.NOT_JSON, None),
        ('{"model": "x", "stream": false}', extra_params.RESERVED_KEYS, "model, stream"),
        ('{"messages": []}', extra_params.RESERVED_KEYS, "messages"),
    ],
)
def test_extra_parameters_are_refused_with_the_reason(text, kind, reason):
    parsed = extra_params.parse_extra(text)
    assert parsed.values == {} and parsed.problem.kind == kind
    if reason:
        assert parsed.problem.reason == reason
    assert extra_params.merged({"temperature": 1.0}, text) == {"temperature": 1.0}


def test_extra_parameters_are_merged_over_the_settings():
    assert extra_params.parse_extra("   ").problem is None
    merged = extra_params.merged({"temperature": 1.0, "n": 1}, '{"n": 2, "top_k": 40, "x_vendor": {"a": 1}}')
    assert merged == {"temperature": 1.0, "n": 2, "top_k": 40, "x_vendor": {"a": 1}}


# --- exported and imported with the conversation ------------------------------------------


def test_thinking_checks_and_probabilities_survive_an_export_and_import(store):
    from lib import chat
    from lib.chat import transcripts

    settings = {
        **chat.default_settings(),
        "reasoning_effort": "high",
        "response_format": "json_schema",
        "schema": json.dumps(PERSON),
        "logprobs": True,
        "top_logprobs": 3,
        "extra": '{"top_k": 4}',
    }
    conversation = store.create_conversation("alice", "Features", settings)
    store.add_message("alice", conversation.id, "user", "who?")
    check = structured.check_reply('{"name": "Ada"}', PERSON).as_meta()
    meta = {
        "model": "o4-mini",
        "thinking": "Let me *think*.",
        "thinking_seconds": 2.5,
        "reasoning_tokens": 12,
        "structured": {**check, "schema": PERSON},
        "logprobs": [["{", -0.1, [["{", -0.1], ["x", -2.5]]]],
    }
    store.add_message("alice", conversation.id, "assistant", '{"name": "Ada"}', meta)
    messages = store.list_messages("alice", conversation.id)
    again = transcripts.import_into(
        store, "alice", transcripts.parse_import(transcripts.to_json(conversation, messages).encode())
    )
    assert store.list_messages("alice", again.id)[-1].meta == meta
    kept = store.get_conversation("alice", again.id).settings
    assert {k: kept[k] for k in ("reasoning_effort", "schema", "logprobs", "top_logprobs", "extra")} == {
        k: settings[k] for k in ("reasoning_effort", "schema", "logprobs", "top_logprobs", "extra")
    }
    markdown = transcripts.to_markdown(
        conversation, messages, {"user": "You", "assistant": "AI", "system": "S", "thinking": "Thinking"}
    )
    assert '<details><summary>Thinking</summary>\n\nLet me *think*.\n\n</details>\n\n{"name": "Ada"}' in markdown


@pytest.mark.parametrize(
    "meta",
    [
        {"structured": {"kind": "matches", "problems": [{"reason": {"x": 1}}]}},
        {"structured": {"kind": "evil", "problems": []}},
        {"logprobs": [["a", 0.5, []]]},
        {"logprobs": [["a", -0.5, [["b", "x"]]]]},
        {"thinking": 5},
        {"reasoning_tokens": -1},
    ],
)
def test_an_import_leaves_out_feature_meta_of_the_wrong_shape(meta):
    from lib.chat import transcripts

    doc = {
        "format": transcripts.FORMAT,
        "version": 1,
        "title": "t",
        "settings": {},
        "messages": [{"role": "assistant", "content": "x", "meta": {"model": "m", **meta}}],
    }
    imported = transcripts.parse_import(json.dumps(doc).encode())
    assert imported.messages[0][2] == {"model": "m"} and imported.adjusted
