"""Presentation mode under AppTest: the Chat page's toggle and `?present=1` show the open
conversation one turn at a time, with nothing else of the app (no sidebar, settings, input or
key); buttons step and leave; comparisons show each model's figures; share links present too."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.helpers import sign_in_as, store_of
from tests.app.test_chat import send
from tests.app.test_chat_features import MODELS, compare_app
from tests.app.test_isolation import page_text
from tests.app.test_shares import PRIVATE, SHARED, alice_shares_a_conversation, open_link
from tests.fixtures.app import APPTEST_ENTRY, make_app

FIRST, SECOND = "First question about otters", "Second question about herons"


def two_turns(secrets):
    at = make_app(secrets)
    send(at, FIRST)
    send(at, SECOND)
    return at


def present(at) -> AppTest:
    at.toggle(key="chat_present").set_value(True).run()
    return at


def questions(at) -> list[str]:
    """The questions the slide shows (the title above it is the first question too)."""
    return [message.markdown[0].value for message in at.chat_message if message.name == "user"]


def has_button(at, key: str) -> bool:
    return any(b.key == key for b in at.button)


def shows_nothing_else(at, secrets) -> None:
    text = page_text(at)
    assert len(at.sidebar.children) == 0, "no sidebar"
    assert not at.chat_input and not at.toggle and not at.selectbox, "no input, no settings"
    assert secrets["sandbox"]["api_key"] not in text and "127.0.0.1" not in text


def test_the_toggle_presents_one_turn_at_a_time_and_exit_returns(app_secrets):
    at = present(two_turns(app_secrets))
    assert at.query_params.get("present") == "1"
    shows_nothing_else(at, app_secrets)
    assert questions(at) == [FIRST] and "1 / 2" in page_text(at)
    assert at.button(key="present_prev").disabled

    at.button(key="present_next").click().run()
    assert questions(at) == [SECOND] and "2 / 2" in page_text(at)
    assert at.query_params.get("slide") == "2" and at.button(key="present_next").disabled
    at.button(key="present_prev").click().run()
    assert questions(at) == [FIRST]

    at.button(key="present_exit").click().run()
    assert "present" not in at.query_params and "slide" not in at.query_params
    assert at.chat_input and not at.toggle(key="chat_present").value
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2, "the whole conversation again"


def test_a_new_chat_has_nothing_to_present(app_secrets):
    at = make_app(app_secrets)
    assert at.toggle(key="chat_present").disabled


def signed_in_with_query(secrets, user: str, **query) -> AppTest:
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(secrets)
    sign_in_as(at, user)
    at.query_params.update(query)
    return at.run()


def alice_has_two_turns(secrets) -> None:
    store = store_of(secrets)
    conversation = store.create_conversation("alice", "Birds", {})
    for question in (FIRST, SECOND):
        store.add_message("alice", conversation.id, "user", question)
        store.add_message(
            "alice",
            conversation.id,
            "assistant",
            f"Answer to {question}",
            {"model": "gpt-4o-mini", "elapsed": 1.25, "tps": 40, "credits": 0.5},
        )
    store.set_setting("alice", "chat.open_conversation", conversation.id)


@pytest.mark.parametrize(
    "slide, shown", [("2", SECOND), ("-3", FIRST), ("99999999999999", FIRST), ("abc", FIRST), ("7", SECOND)]
)
def test_the_url_opens_the_open_conversation_at_its_slide(login_secrets, slide, shown):
    alice_has_two_turns(login_secrets)
    at = signed_in_with_query(login_secrets, "alice", present="1", slide=slide)
    assert not at.exception
    shows_nothing_else(at, login_secrets)
    text = page_text(at)
    assert questions(at) == [shown] and f"Answer to {shown}" in text
    assert "1.2 s" in text and "40 tokens/s" in text and "Birds" in text


def test_signed_out_the_url_asks_for_the_login_first(login_secrets):
    alice_has_two_turns(login_secrets)
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(login_secrets)
    at.query_params["present"] = "1"
    at.run()
    assert at.text_input, "the login form"
    assert FIRST not in page_text(at)


def test_a_comparison_shows_each_model_with_latency_speed_and_credits(app_secrets):
    at = compare_app(app_secrets)
    send(at, "Compare yourselves please")
    present(at)
    text = page_text(at).replace("\\", "")  # the names are shown as escaped Markdown
    for model in MODELS:
        assert model in text
    figures = [m.value for m in at.markdown if "Latency" in m.value]
    assert len(figures) == 3
    assert all("Speed" in f and "tokens/s" in f and "Credits" in f and "—" not in f for f in figures), figures


def test_presentation_in_chinese(app_secrets):
    at = two_turns(app_secrets)
    at.segmented_control(key="lang_switch").set_value("zh").run()
    present(at)
    text = page_text(at)
    assert "退出演示" in text and "耗时" in text and "积分" in text and questions(at) == [FIRST]


def test_a_share_link_presents_its_conversation_and_only_it(login_secrets):
    token, _ = alice_shares_a_conversation(login_secrets)
    at = open_link(login_secrets, token)
    at.button(key="share_present").click().run()
    assert at.query_params.get("present") == "1"
    text = page_text(at)
    assert f"{SHARED} question" in text and f"{SHARED} **answer**" in text
    assert PRIVATE not in text and len(at.sidebar.children) == 0 and not at.chat_input
    at.button(key="present_exit").click().run()
    assert "present" not in at.query_params and has_button(at, "share_present")


def test_a_revoked_share_does_not_present(login_secrets):
    token, store = alice_shares_a_conversation(login_secrets)
    store.revoke_share("alice", store.list_shares("alice")[0].id)
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(login_secrets)
    at.query_params.update({"share": token, "present": "1"})
    at.run()
    text = page_text(at)
    assert "revoked" in text and SHARED not in text and not has_button(at, "present_exit")
