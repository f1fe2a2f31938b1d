"""The Chat page under AppTest, against the sandbox: models, parameters, history, every error kind."""

from __future__ import annotations

import pytest

from lib.store import Store
from lib.ui.state.chat import OpenConversation
from tests.app.helpers import state_of
from tests.fixtures.app import make_app

CHAT = "app_pages/chat.py"


def send(at, text: str):
    at.chat_input[0].set_value(text).run()
    return at


def open_conversation(at) -> int | None:
    """The conversation the page has open."""
    return state_of(at, OpenConversation).conversation_id


def open_in_next_run(at, conversation_id: int) -> None:
    opened = state_of(at, OpenConversation)
    opened.conversation_id, opened.chosen = conversation_id, True


def chat_texts(at) -> list[str]:
    return [m.value for m in at.markdown]


def stored_messages(secrets, user="local"):
    store = Store(secrets["store"]["url"])
    conversations = store.list_conversations(user)
    return [(m.role, m.content, m.meta) for c in conversations for m in store.list_messages(user, c.id)]


def last_request(sandbox, path="/chat/completions") -> dict:
    return next(r for r in reversed(sandbox.control.recent_requests(20)) if r["path"].endswith(path))["body"]


def test_model_picker_lists_chat_models_only(app_secrets):
    at = make_app(app_secrets)
    options = at.selectbox(key="chat_new_model").options
    assert "gpt-4o-mini" in options and "gemini-pro" in options
    assert not any(o.startswith("sora") for o in options)


def test_reply_is_streamed_stored_and_described(app_secrets):
    at = send(make_app(app_secrets), "Hello there")
    assert not at.exception
    messages = stored_messages(app_secrets)
    assert [m[0] for m in messages] == ["user", "assistant"]
    assert messages[0][1] == "Hello there" and messages[1][1] in chat_texts(at)
    meta = messages[1][2]
    assert meta["model"] == "gpt-4o-mini" and meta["tokens"] > 0 and meta["credits"] == 1
    assert any("tokens" in c.value and "credits: 1" in c.value for c in at.caption)


def test_parameters_are_sent_only_when_switched_on(app_secrets, sandbox):
    at = make_app(app_secrets)
    at.toggle(key="chat_new_temperature_on").set_value(True).run()
    at.slider(key="chat_new_temperature").set_value(0.3).run()
    at.toggle(key="chat_new_seed_on").set_value(True).run()
    send(at, "parameters please")
    body = last_request(sandbox)
    assert body["temperature"] == 0.3 and body["seed"] == 42
    for name in ("top_p", "max_tokens", "presence_penalty", "frequency_penalty", "stop"):
        assert name not in body


def test_system_prompt_is_sent_first(app_secrets, sandbox):
    at = make_app(app_secrets)
    at.text_area(key="chat_new_system").set_value("Answer like a pirate.").run()
    send(at, "hi")
    assert last_request(sandbox)["messages"][0] == {"role": "system", "content": "Answer like a pirate."}


def test_history_and_settings_survive_a_new_session(app_secrets):
    at = make_app(app_secrets)
    at.selectbox(key="chat_new_model").set_value("gemini-pro").run()
    send(at, "remember me")
    again = make_app(app_secrets)
    assert "remember me" in chat_texts(again)
    conv_id = open_conversation(again)
    assert again.selectbox(key=f"chat_{conv_id}_model").value == "gemini-pro"


def test_conversations_rename_delete_and_new(app_secrets):
    at = send(make_app(app_secrets), "first conversation")
    conv_id = open_conversation(at)
    at.text_input(key=f"chat_title_{conv_id}").set_value("Renamed")
    at.button(key=f"chat_rename_{conv_id}").click().run()
    store = Store(app_secrets["store"]["url"])
    assert store.get_conversation("local", conv_id).title == "Renamed"
    at.button(key="chat_new").click().run()
    send(at, "second conversation")
    assert len(store.list_conversations("local")) == 2
    second = open_conversation(at)
    at.button(key=f"chat_delete_{second}").click().run()
    at.button(key=f"chat_delete_confirm_{second}").click().run()
    assert [c.title for c in store.list_conversations("local")] == ["Renamed"]


def test_long_history_renders_last_50_with_a_control_for_more(app_secrets):
    store = Store(app_secrets["store"]["url"])
    conv = store.create_conversation("local", "long", None)
    for i in range(120):
        store.add_message("local", conv.id, "user" if i % 2 == 0 else "assistant", f"message number {i}")
    store.set_setting("local", "chat.open_conversation", conv.id)
    at = make_app(app_secrets)
    shown = chat_texts(at)
    assert "message number 119" in shown and "message number 69" not in shown
    next(b for b in at.button if "Show earlier" in b.label).click().run()
    assert "message number 20" in chat_texts(at)


def test_empty_prompt_gets_a_message_and_sends_nothing(app_secrets, sandbox):
    sandbox.control.reset_stats()
    at = send(make_app(app_secrets), "   ")
    assert any("empty" in w.value for w in at.warning)
    assert stored_messages(app_secrets) == []


@pytest.mark.parametrize("marker, expected", [("[500]", "server error"), ("[429]", "Too many requests")])
def test_server_errors_keep_the_message_and_offer_retry(app_secrets, marker, expected):
    at = send(make_app(app_secrets), f"please answer {marker}")
    assert any(expected in e.value for e in at.error)
    question, failed = stored_messages(app_secrets)[-2:]
    assert question[:2] == ("user", f"please answer {marker}") and failed[2]["failed"] is True
    assert any(b.label == "Retry" for b in at.button)


def test_retry_after_a_failure_gets_the_reply(app_secrets, sandbox):
    sandbox.control.queue_fault("chat", "503", count=1)
    at = send(make_app(app_secrets), "flaky network")
    assert at.error
    next(b for b in at.button if b.label == "Retry").click().run()
    assert [m[0] for m in stored_messages(app_secrets)] == ["user", "assistant"]
    assert not at.error


def test_timeout_is_explained(app_secrets, sandbox_speed):
    sandbox_speed(hang_seconds=3)
    at = send(make_app({**app_secrets, "api": {"timeout": 1}}), "slow [timeout]")
    assert any("did not answer in time" in e.value for e in at.error)


@pytest.mark.parametrize("case, expected", [("unknown", "401"), ("poor", "credits ran out"), ("disabled", "403")])
def test_key_errors_say_what_to_do(app_secrets, sandbox, case, expected):
    key = {
        "unknown": lambda: "sk-not-a-real-key",
        "poor": lambda: sandbox.control.add_key(credits=0),
        "disabled": lambda: _disabled_key(sandbox),
    }[case]()
    secrets = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": key}}
    at = send(make_app(secrets), "my precious words")
    assert any(expected in e.value for e in at.error)
    assert stored_messages(secrets)[-2][:2] == ("user", "my precious words")


def _disabled_key(sandbox) -> str:
    key = sandbox.control.add_key(credits=100)
    sandbox.control.disable_key(key)
    return key


def test_stream_cut_short_keeps_partial_reply_marked(app_secrets):
    at = send(make_app(app_secrets), "tell me everything [cut]")
    role, content, meta = stored_messages(app_secrets)[-1]
    assert role == "assistant" and content and meta["incomplete"] is True
    assert any("cut short" in w.value for w in at.warning)
    assert any(b.label == "Retry" for b in at.button)


def test_html_in_model_output_is_not_rendered(app_secrets):
    at = send(make_app(app_secrets), "echo <script>alert(1)</script> and <img src=x onerror=alert(2)>")
    reply = next(m for m in at.markdown if "<script>" in m.value)
    assert reply.proto.allow_html is False
