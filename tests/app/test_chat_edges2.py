"""Chat's rough edges, second round (issue 13) under AppTest against the sandbox: import
confirmed and never duplicated, Cancel on the budget confirmation, shipped prompts and metrics in
Chinese, answers kept as alternatives, edits of any question, deleting with Undo."""

from __future__ import annotations

import pytest

from lib.chat import transcripts
from lib.credits import budget
from lib.store import Store
from lib.ui.state.chat import IMPORT_POPOVER
from tests.app.test_bounded import import_file
from tests.app.test_chat import last_request, open_conversation, send
from tests.app.test_chat_features import use_prompt
from tests.app.test_images import IMAGES
from tests.app.test_images import generate as images_generate
from tests.app.test_video import VIDEO
from tests.app.test_video import generate as video_generate
from tests.fixtures.app import make_app


def _store(secrets) -> Store:
    return Store(secrets["store"]["url"])


# ---------------------------------------------------------------- import


def _exported_file(secrets, title: str) -> bytes:
    store = _store(secrets)
    conversation = store.create_conversation("local", title)
    store.add_message("local", conversation.id, "user", "imported question")
    data = transcripts.to_json(conversation, store.list_messages("local", conversation.id)).encode()
    store.delete_conversation("local", conversation.id)
    return data


def test_import_opens_the_conversation_says_so_and_closes(app_secrets):
    at = import_file(make_app(app_secrets), _exported_file(app_secrets, "Trip notes"))
    imported = _store(app_secrets).list_conversations("local")
    # Told apart from its original (issue 31).
    assert [c.title for c in imported] == ["Trip notes (imported)"]
    assert open_conversation(at) == imported[0].id
    assert [t.value for t in at.toast] == ["Imported “Trip notes (imported)”."]
    assert at.session_state[IMPORT_POPOVER.key] is False
    assert "imported question" in [m.markdown[0].value for m in at.chat_message]
    assert not [b for b in at.button if b.key == "chat_import_go"]  # the uploader starts empty


def test_importing_the_same_file_again_opens_the_first_import(app_secrets):
    data = _exported_file(app_secrets, "Trip notes")
    at = import_file(make_app(app_secrets), data)
    at.button(key="chat_new").click().run()
    import_file(at, data)
    imported = _store(app_secrets).list_conversations("local")
    assert len(imported) == 1
    assert open_conversation(at) == imported[0].id
    assert "imported before" in at.toast[0].value


# ---------------------------------------------------------------- budget: Cancel


def _over_budget(secrets) -> Store:
    store = _store(secrets)
    budget.set_limit(store, "local", budget.DAY, 0.5)  # below any call's price
    return store


def test_cancel_on_the_budget_confirmation_keeps_the_chat_message_unsent(app_secrets, sandbox):
    store = _over_budget(app_secrets)
    at = make_app(app_secrets)
    at.chat_input[0].set_value("too dear to send").run()
    assert at.button(key="chat_send_budget_send")  # asked: the button the Cancel must take away
    at.button(key="chat_send_budget_cancel").click().run()
    assert not [b for b in at.button if b.key == "chat_send_budget_send"]
    assert at.chat_input[0].proto.value == "too dear to send"  # back in the input, not lost
    at.run()
    assert store.list_conversations("local") == [] and not at.warning


@pytest.mark.parametrize(
    "page, key, generate, made",
    [
        (IMAGES, "images", images_generate, lambda store: store.list_media("local")),
        (VIDEO, "video", video_generate, lambda store: store.list_video_tasks("local")),
    ],
)
def test_cancel_on_the_budget_confirmation_keeps_the_prompt_and_makes_nothing(app_secrets, page, key, generate, made):
    store = _over_budget(app_secrets)
    at = generate(make_app(app_secrets, page), "an expensive fox")
    assert at.button(key=f"{key}_budget_send")  # asked: the button the Cancel must take away
    at.button(key=f"{key}_budget_cancel").click().run()
    at.run()
    assert not [b for b in at.button if b.key == f"{key}_budget_send"]
    assert at.text_area(key=f"{key}_prompt").value == "an expensive fox"
    assert made(store) == []


# ---------------------------------------------------------------- 简体中文


def test_shipped_prompt_names_and_the_metrics_line_are_translated(app_secrets):
    at = make_app(app_secrets)
    at.button_group(key="lang_switch").set_value("zh").run()
    line = next(c.value for c in send(at, "你好").caption if c.value.startswith("gpt-"))  # model · … · credits
    assert "个 Token" in line and "tokens" not in line
    assert at.selectbox(key="chat_prompt_pick_zh").options[:4] == [
        "★ 头脑风暴 · v1",
        "★ 代码审查 · v1",
        "★ 摘要 · v1",
        "★ 翻译 · v1",
    ]
    use_prompt(at, "Translator", "zh")
    assert [t.value for t in at.toast] == ["正在使用 翻译 v1。"]


# ---------------------------------------------------------------- versions, edits, delete


def _messages(secrets):
    store = _store(secrets)
    return store.list_messages("local", store.list_conversations("local")[0].id)


def model_picker(at):
    """The model picker, under the new chat's key in the run that sent a first message and
    under the conversation's from the next run on."""
    return next(box for box in at.selectbox if box.label == "Model")


def test_regenerate_keeps_each_answer_behind_a_switcher(app_secrets, sandbox):
    at = send(make_app(app_secrets), "tell me a story")
    picker = model_picker(at)
    first = picker.value  # the sandbox answers the same question alike per model: each version has its own
    others = [m for m in picker.options if m != first][:2]
    for model in others:
        model_picker(at).set_value(model).run()
        at.button(key=f"chat_regenerate_{_messages(app_secrets)[-1].id}").click().run()
    reply = _messages(app_secrets)[-1]
    assert len(_messages(app_secrets)) == 2 and [v["meta"]["model"] for v in reply.meta["versions"]] == [first, *others]
    assert "3/3" in [c.value for c in at.caption]
    at.button(key=f"chat_version_prev_{reply.id}").click().run()
    at.button(key=f"chat_version_prev_{reply.id}").click().run()
    assert "1/3" in [c.value for c in at.caption] and at.button(key=f"chat_version_prev_{reply.id}").disabled
    shown = _messages(app_secrets)[-1]
    assert shown.meta["model"] == first and shown.content == reply.meta["versions"][0]["content"]
    send(at, "and then?")
    sent = last_request(sandbox)["messages"][1]["content"]
    assert shown.content.startswith(sent.partition("…(")[0])  # the context is the answer shown


def test_an_earlier_question_can_be_edited_and_the_conversation_forks_there(app_secrets, sandbox):
    at = make_app(app_secrets)
    for text in ("first questoin", "second question", "third question"):
        send(at, text)
    first = _messages(app_secrets)[0]
    at.button(key=f"chat_edit_{first.id}").click().run()
    assert "Sending replaces the 5 messages after this one with the new replies." in [c.value for c in at.caption]
    at.text_area(key=f"chat_edit_text_{first.id}").set_value("first question")
    at.button(key=f"chat_edit_send_{first.id}").click().run()
    assert [(m.role, m.content[:26]) for m in _messages(app_secrets)] == [
        ("user", "first question"),
        ("assistant", 'You said: "first question"'),
    ]
    assert [m["content"] for m in last_request(sandbox)["messages"]] == ["first question"]


def test_an_edit_that_would_replace_more_than_it_said_is_asked_again(app_secrets, sandbox):
    """Its dialog counted them when it opened: messages added since (another tab went on) are
    not replaced unannounced; it opens again with the count and the text."""
    at = make_app(app_secrets)
    for text in ("first question", "second question"):
        send(at, text)
    first, *_ = messages = _messages(app_secrets)
    at.button(key=f"chat_edit_{first.id}").click().run()
    assert "Sending replaces the 3 messages after this one with the new replies." in [c.value for c in at.caption]
    store = _store(app_secrets)  # another tab goes on meanwhile
    store.add_message("local", first.conversation_id, "user", "third question")
    store.add_message("local", first.conversation_id, "assistant", "third answer")
    at.text_area(key=f"chat_edit_text_{first.id}").set_value("first question, edited")
    at.button(key=f"chat_edit_send_{first.id}").click().run()
    grew = (
        "Messages came after this question since: sending now replaces the 5 messages after it. Check, then send again."
    )
    assert [t.value for t in at.toast] == [grew]
    assert len(_messages(app_secrets)) == len(messages) + 2
    assert "Sending replaces the 5 messages after this one with the new replies." in [c.value for c in at.caption]
    assert at.text_area(key=f"chat_edit_text_{first.id}").value == "first question, edited"
    at.button(key=f"chat_edit_send_{first.id}").click().run()
    question, reply = _messages(app_secrets)
    assert question.content == "first question, edited" and reply.content.startswith(
        'You said: "first question, edited"'
    )


def test_deleting_a_conversation_asks_first(app_secrets):
    at = send(make_app(app_secrets), "keep me, maybe")
    conversation_id = open_conversation(at)
    at.button(key=f"chat_delete_{conversation_id}").click().run()
    assert "Delete “keep me, maybe” and its 2 messages? This cannot be undone." in [w.value for w in at.warning]
    assert _store(app_secrets).get_conversation("local", conversation_id) is not None
    at.button(key=f"chat_delete_cancel_{conversation_id}").click().run()
    assert not at.warning and _store(app_secrets).get_conversation("local", conversation_id) is not None
    at.button(key=f"chat_delete_{conversation_id}").click().run()
    at.button(key=f"chat_delete_confirm_{conversation_id}").click().run()
    assert _store(app_secrets).list_conversations("local") == [] and open_conversation(at) is None
    assert [t.value for t in at.toast] == ["Deleted “keep me, maybe”."]
