"""The Chat page's one run per message (issue 12) under AppTest: the sidebar lists the recent
conversations a page at a time, a sent message is drawn in the run that sends it, and what
that run applies at its top (an edit, the open conversation) is checked there."""

from __future__ import annotations

from lib.credits import budget
from lib.store import Store
from tests.app.test_chat import send
from tests.fixtures.app import make_app

OPEN_SETTING = "chat.open_conversation"


def popovers(at) -> list[str]:
    return [p.proto.popover.label for p in at.sidebar.get("popover")]


def listed(at) -> list[str]:
    return [b.label for b in at.sidebar.button if (b.key or "").startswith("chat_open_")]


def test_the_sidebar_lists_twenty_conversations_then_more_on_request(app_secrets):
    store = Store(app_secrets["store"]["url"])
    made = [store.create_conversation("local", f"chat {i:02}") for i in range(25)]
    store.set_setting("local", OPEN_SETTING, made[0].id)  # the oldest, open since last time
    at = make_app(app_secrets)
    assert len(listed(at)) == 20 and "chat 24" in listed(at) and "chat 04" not in listed(at)
    assert popovers(at)[-1] == "chat 00", "the open one is listed too, with its actions"
    more = at.sidebar.button(key="chat_more_conversations")
    assert more.label == "Show 4 more", "the open one is not counted among the hidden"
    more.click().run()
    assert len(listed(at)) == 24 and "chat 01" in listed(at) and popovers(at)[-1] == "chat 00"
    assert not [b for b in at.sidebar.button if b.key == "chat_more_conversations"]


def test_a_first_message_is_drawn_with_its_conversation_in_the_run_that_sends_it(app_secrets):
    at = send(make_app(app_secrets), "hello in one run")
    store = Store(app_secrets["store"]["url"])
    reply = store.list_messages("local", store.list_conversations("local")[0].id)[-1]
    assert at.subheader[0].value == "hello in one run" and popovers(at)[-1] == "hello in one run"
    replies = [m for m in at.chat_message if m.name == "assistant"]
    assert len(replies) == 1 and "credits" in " ".join(c.value for c in replies[0].caption)
    assert at.button(key=f"chat_regenerate_{reply.id}").label == "Regenerate"
    assert at.button(key="chat_view_code").disabled is False


def test_an_edit_to_an_empty_question_is_refused_and_changes_nothing(app_secrets):
    at = send(make_app(app_secrets), "a question to keep")
    store = Store(app_secrets["store"]["url"])
    question = store.list_messages("local", store.list_conversations("local")[0].id)[0]
    at.button(key=f"chat_edit_{question.id}").click().run()
    at.text_area(key=f"chat_edit_text_{question.id}").set_value("   ")
    at.button(key=f"chat_edit_send_{question.id}").click().run()  # as a click raced the disabling
    assert [(m.role, m.content[:18]) for m in store.list_messages("local", question.conversation_id)] == [
        ("user", "a question to keep"),
        ("assistant", 'You said: "a quest'),
    ]
    assert [t.value for t in at.toast] == ["The message is empty: type something first."]


def test_a_conversation_deleted_in_another_tab_leaves_a_new_chat(app_secrets):
    at = send(make_app(app_secrets), "soon gone elsewhere")
    store = Store(app_secrets["store"]["url"])
    store.delete_conversation("local", store.list_conversations("local")[0].id)
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "New chat" and not listed(at)


def test_a_message_that_nears_the_limit_shows_the_banner_at_once(app_secrets):
    """The banner is drawn before the page; a message sent in an open conversation (a run of
    the conversation part alone, in a browser) runs the whole page again when it changes it."""
    at = send(make_app(app_secrets), "one credit")
    store = Store(app_secrets["store"]["url"])
    budget.set_limit(store, "local", budget.DAY, 2.2)
    at = send(at, "one credit more")  # 2 of 2.2 used
    assert [w.value for w in at.warning] == ["You have used 91% of your daily credit limit (2.00 of 2.20)."]
