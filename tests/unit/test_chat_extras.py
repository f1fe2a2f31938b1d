"""Streamlit-free parts of the Chat extras: code export, {{variables}}, import checks, compare, attachments."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from lib import chat
from lib.chat import attached_images, code_export, transcripts
from lib.chat.compare import ParallelStreams, keep_answer
from lib.client import ReshiClient
from lib.prompts import templating

BODY = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": 'it\'s "quoted" 中文'}],
    "temperature": 0.5,
    "stream": True,
    "stream_options": {"include_usage": True},
}


def msg(role, content, meta=None, id=1):
    return SimpleNamespace(id=id, role=role, content=content, meta=meta or {})


# ---------------------------------------------------------------- code export


def test_code_has_the_masked_key_and_every_parameter():
    for code in (
        code_export.python_openai(BODY, "http://h/v1"),
        code_export.python_requests(BODY, "http://h/v1"),
        code_export.curl(BODY, "http://h/v1"),
    ):
        assert "sk-..." in code and "gpt-4o-mini" in code and "0.5" in code and "include_usage" in code
    compile(code_export.python_openai(BODY, "http://h/v1"), "sdk", "exec")
    compile(code_export.python_requests(BODY, "http://h/v1"), "requests", "exec")


def test_curl_body_survives_shell_quoting(tmp_path):
    import subprocess

    command = code_export.curl(BODY, "http://h/v1").replace("curl -sN", "printf %s", 1)
    command = (
        command.split(" \\\n  -H")[0].replace("http://h/v1/chat/completions", "") + " " + command.split("-d ", 1)[1]
    )
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True).stdout
    assert json.loads(out) == BODY


def test_raw_events_end_with_done_only_when_it_came():
    assert code_export.raw_events(['{"a":1}'], True) == 'data: {"a":1}\n\ndata: [DONE]'
    assert code_export.raw_events(['{"a":1}'], False) == 'data: {"a":1}'


# ---------------------------------------------------------------- {{variables}}


def test_variables_are_found_and_filled():
    text = "Translate into {{language}} for {{ audience }}; {{language}} again, {{未知}} stays"
    assert templating.variables(text) == ["language", "audience", "未知"]
    assert (
        templating.fill(text, {"language": "French", "audience": "kids"})
        == "Translate into French for kids; French again, {{未知}} stays"
    )
    assert templating.variables("no {braces} here {{}}") == []


# ---------------------------------------------------------------- import and export


def exported(messages=None, **over) -> bytes:
    doc = {
        "format": transcripts.FORMAT,
        "version": 1,
        "title": "t",
        "settings": {"model": "gpt-4o"},
        "messages": messages
        if messages is not None
        else [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "<script>x</script>", "meta": {"model": "m"}},
        ],
    }
    return json.dumps({**doc, **over}).encode()


@pytest.mark.parametrize(
    "data, key",
    [
        (b"\xff\xfe not utf8", "chat.import_not_json"),
        (b"{not json", "chat.import_not_json"),
        (b"[1, 2]", "chat.import_wrong_format"),
        (exported(format="other"), "chat.import_wrong_format"),
        (exported(version=2), "chat.import_wrong_version"),
        (exported(title=5), "chat.import_bad_field"),
        (exported(settings="x"), "chat.import_bad_field"),
        (exported(messages=[]), "chat.import_bad_field"),
        (exported([{"role": "system", "content": "x"}]), "chat.import_bad_field"),
        (exported([{"role": "user", "content": ["x"]}]), "chat.import_bad_field"),
        (exported([{"role": "user", "content": "x", "meta": []}]), "chat.import_bad_field"),
        (exported([{"role": "user", "content": "x" * 100_001}]), "chat.import_bad_field"),
        (b" " * (transcripts.MAX_IMPORT_BYTES + 1), "chat.import_too_big"),
    ],
)
def test_bad_imports_are_refused_with_a_reason(data, key):
    with pytest.raises(transcripts.ImportProblem) as caught:
        transcripts.parse_import(data)
    assert caught.value.key == key


def test_import_keeps_text_as_text_and_only_plain_known_meta():
    hostile = [
        {
            "role": "user",
            "content": "<img src=x onerror=alert(1)>",
            "meta": {
                "attachments": [{"name": "a.png", "url": "http://169.254.169.254/"}],
                "evil": {"x": 1},
                "model": {"nested": True},
                "tokens": 3,
            },
        }
    ]
    imported = transcripts.parse_import(exported(hostile))
    _role, content, meta = imported.messages[0]
    assert content == "<img src=x onerror=alert(1)>"
    assert meta == {"tokens": 3, "attachments": [{"name": "a.png"}]}


def test_export_round_trip_and_markdown(store):
    conversation = store.create_conversation("alice", "Round trip", chat.default_settings())
    store.add_message("alice", conversation.id, "user", "hello")
    store.add_message("alice", conversation.id, "assistant", "**hi**", {"model": "gpt-4o", "tokens": 2})
    messages = store.list_messages("alice", conversation.id)
    again = transcripts.import_into(
        store, "alice", transcripts.parse_import(transcripts.to_json(conversation, messages).encode())
    )
    assert [(m.role, m.content, m.meta) for m in store.list_messages("alice", again.id)] == [
        (m.role, m.content, m.meta) for m in messages
    ]
    markdown = transcripts.to_markdown(conversation, messages, {"user": "You", "assistant": "AI", "system": "S"})
    assert markdown.startswith("# Round trip") and "## AI · gpt-4o" in markdown and "**hi**" in markdown


# ---------------------------------------------------------------- attachments and history


def test_expired_uploads_are_not_sent_inline_ones_always_are():
    now = datetime.now(UTC)
    attachments = [
        {"name": "old", "url": "http://x/old.png", "expire_at": (now - timedelta(seconds=1)).isoformat()},
        {"name": "new", "url": "http://x/new.png", "expire_at": (now + timedelta(days=2)).isoformat()},
        {"name": "inline", "data_url": "data:image/png;base64,AAAA"},
        {"name": "imported"},
    ]
    assert attached_images.sendable_urls(attachments, now) == ["http://x/new.png", "data:image/png;base64,AAAA"]
    messages = chat.api_messages("", [msg("user", "look", {"attachments": attachments[:1]})], now=now)
    assert messages == [{"role": "user", "content": "look"}]


def test_each_compare_column_continues_its_own_answers():
    history = [
        msg("user", "q"),
        msg("assistant", "a0", {"compare_group": 1, "column": 0}),
        msg("assistant", "a1", {"compare_group": 1, "column": 1}),
        msg("user", "q2"),
    ]
    assert [m["content"] for m in chat.api_messages("", history, column=1)] == ["q", "a1", "q2"]
    assert [m["content"] for m in chat.api_messages("", history)] == ["q", "a0", "q2"]
    assert [len(g) for g in chat.group_turns(history)] == [1, 2, 1]


def test_keep_answer_drops_the_other_columns(store):
    conversation = store.create_conversation("alice", "c", None)
    store.add_message("alice", conversation.id, "user", "q")
    group = [
        store.add_message(
            "alice", conversation.id, "assistant", f"a{i}", {"compare_group": 1, "column": i, "model": f"m{i}"}
        )
        for i in range(3)
    ]
    keep_answer(store, "alice", group, group[1].id)
    kept = store.list_messages("alice", conversation.id)
    assert [(m.content, m.meta) for m in kept[1:]] == [("a1", {"model": "m1"})]


# ---------------------------------------------------------------- concurrent streams


def test_parallel_streams_run_at_once(sandbox, api_key):
    sandbox.control.set_speed(token_rate=40)
    try:
        with ReshiClient(sandbox.base_url, api_key) as client:
            streams = [
                client.chat.stream(m, [{"role": "user", "content": "race"}])
                for m in ("gpt-4o-mini", "gemini-pro", "deepseek-chat")
            ]
            started = time.perf_counter()
            parallel = ParallelStreams(streams).start()
            while parallel.poll():
                pass
            total = time.perf_counter() - started
    finally:
        sandbox.control.set_speed(token_rate=0)
    elapsed = [s.elapsed for s in streams]
    print(f"\nparallel: total {total:.2f} s, slowest {max(elapsed):.2f} s, sum {sum(elapsed):.2f} s")
    assert all(c.text == c.stream.text and c.stream.done for c in parallel.columns)
    assert total < max(elapsed) + 0.5 < sum(elapsed)


def test_stop_keeps_what_arrived(sandbox, api_key):
    sandbox.control.set_speed(token_rate=40)
    try:
        with ReshiClient(sandbox.base_url, api_key) as client:
            parallel = ParallelStreams([client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "x"}])])
            parallel.start()
            while not parallel.columns[0].text:
                parallel.poll()
            parallel.stop()
    finally:
        sandbox.control.set_speed(token_rate=0)
    column = parallel.columns[0]
    assert column.finished and column.error is None and column.stream.stopped and column.text


def test_a_continuation_extends_the_cut_reply_and_adds_up_its_costs():
    from lib.chat import continued, showing

    meta = {"model": "m", "tokens": 20, "credits": 1, "elapsed": 2.0, "ttft": 0.5, "finish_reason": "length"}
    text, merged = continued(
        "Once upon",
        meta,
        " a time.",
        {"model": "m", "tokens": 3, "credits": 1, "elapsed": 0.5, "ttft": 0.2, "finish_reason": "stop"},
    )
    assert text == "Once upon a time."
    assert (merged["tokens"], merged["credits"], merged["elapsed"], merged["ttft"]) == (23, 2, 2.5, 0.5)
    assert merged["finish_reason"] == "stop" and "stopped" not in merged
    _, stopped = continued("a", {**meta, "stopped": True}, "b", {"stopped": True})
    assert stopped["stopped"] is True
    versions = [{"content": "old", "meta": {}}, {"content": "Once upon", "meta": meta}]
    text, merged = continued(*showing(versions, 1), " a time.", {"tokens": 3})
    assert merged["versions"][1]["content"] == "Once upon a time." and merged["versions"][0]["content"] == "old"


def test_settings_have_exactly_the_keys_their_type_names():
    """`chat.ChatSettings` (with the tools' and the options' parts) is every key a conversation's
    settings hold once merged, old saved settings included."""
    typed = chat.ChatSettings.__required_keys__
    assert set(chat.default_settings()) == typed
    assert set(chat.merged_settings(None)) == typed
    assert set(chat.merged_settings({"model": "m", "params": {"seed": {"on": True, "value": 7}}})) == typed
    assert chat.merged_settings({"params": {"seed": {"on": True}}})["params"]["seed"] == {"on": True, "value": 42}


def test_an_imported_messages_meta_keeps_only_typed_keys():
    assert set(transcripts._META_KEYS) | {"attachments"} <= chat.MessageMeta.__optional_keys__
