"""Chat's rough edges (issue 13) under AppTest against the sandbox: View code in a new chat, a
gateway's timeout, failed turns after reopening."""

from __future__ import annotations

from lib.store import Store
from tests.app.test_chat import last_request, send
from tests.fixtures.app import make_app


def test_view_code_shows_only_this_chats_request(app_secrets):
    at = send(make_app(app_secrets), "first chat's question")
    assert at.button(key="chat_view_code").disabled is False
    at.button(key="chat_new").click().run()
    assert at.button(key="chat_view_code").disabled is True
    at.button(key=f"chat_open_{stored_conversation_id(app_secrets)}").click().run()
    assert at.button(key="chat_view_code").disabled is False


def stored_conversation_id(secrets) -> int:
    return Store(secrets["store"]["url"]).list_conversations("local")[0].id


def test_a_gateway_timeout_reads_as_a_timeout(app_secrets, sandbox_speed):
    sandbox_speed(hang_seconds=0.2)  # the sandbox answers 504 itself, well before the client's timeout
    at = send(make_app(app_secrets), "slow gateway [timeout]")
    assert any("did not answer in time" in e.value for e in at.error)
    assert not any("server error" in e.value for e in at.error)


def test_failed_turns_keep_their_errors_after_reopening_and_are_not_sent(app_secrets, sandbox):
    at = make_app(app_secrets)
    for marker in ("[500]", "[429]"):
        send(at, f"fails {marker}")
    send(at, "this one works")
    assert [m["content"] for m in last_request(sandbox)["messages"]] == ["this one works"]
    again = make_app(app_secrets)
    assert len(again.error) == 2 and not [b for b in again.button if b.label == "Retry"]
