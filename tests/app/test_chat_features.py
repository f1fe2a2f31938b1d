"""The Chat page's extras under AppTest against the sandbox: compare, attachments, View code,
prompts and variables, regenerate/edit/copy, export and import."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta

from lib.chat import transcripts
from lib.store import Store
from lib.ui.state.chat import PROMPT_USE, SettingsInUse
from lib.ui.state.shell import Identity
from tests.app.helpers import state_of, store_of
from tests.app.test_chat import chat_texts, last_request, open_conversation, send, stored_messages
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes

MODELS = ["gpt-4o-mini", "gemini-pro", "deepseek-chat"]


def compare_app(secrets, models=MODELS):
    at = make_app(secrets)
    at.toggle(key="chat_new_compare_on").set_value(True).run()
    at.multiselect(key="chat_new_compare").set_value(models).run()
    return at


# ---------------------------------------------------------------- compare


def test_three_models_stream_concurrently_and_are_saved_as_columns(app_secrets, sandbox_speed):
    sandbox_speed(token_rate=40)
    at = compare_app(app_secrets)
    started = time.perf_counter()
    send(at, "Compare yourselves please")
    total = time.perf_counter() - started
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    assert [r[2]["model"] for r in replies] == MODELS and [r[2]["column"] for r in replies] == [0, 1, 2]
    elapsed = [r[2]["elapsed"] for r in replies]
    print(f"\ncompare: total {total:.2f} s, slowest column {max(elapsed):.2f} s, sum {sum(elapsed):.2f} s")
    assert total < sum(elapsed) * 0.75, "the three streams ran one after the other"
    assert all(r[1] in chat_texts(at) for r in replies)
    assert sum(1 for b in at.button if b.label == "Keep this answer") == 3


def test_each_column_continues_its_own_answers_and_keep_picks_one(app_secrets, sandbox):
    at = compare_app(app_secrets, MODELS[:2])
    send(at, "first round")
    send(at, "second round")
    requests = [r for r in sandbox.control.recent_requests(4) if r["path"].endswith("/chat/completions")][-2:]
    by_model = {r["body"]["model"]: r["body"]["messages"] for r in requests}
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    first_reply = {model: next(r[1] for r in replies if r[2]["model"] == model) for model in MODELS[:2]}
    for model, other in (MODELS[:2], MODELS[1::-1]):  # the sandbox log shortens long strings: compare what it kept
        logged = by_model[model][1]["content"].split("…(")[0]
        assert first_reply[model].startswith(logged) and not first_reply[other].startswith(logged)

    keep = [b for b in at.button if b.key and b.key.startswith("chat_keep_")]
    keep[-1].click().run()  # the second round's gemini-pro answer
    assert not at.exception
    last_two = stored_messages(app_secrets)[-2:]
    assert last_two[0][:2] == ("user", "second round") and last_two[1][2]["model"] == "gemini-pro"
    assert "compare_group" not in last_two[1][2]
    conv_id = open_conversation(at)
    assert at.selectbox(key=f"chat_{conv_id}_model").value == "gemini-pro"


def test_a_failing_column_does_not_spoil_the_others(app_secrets, sandbox):
    sandbox.control.queue_fault("chat", "500", count=1)
    at = compare_app(app_secrets, MODELS[:2])
    send(at, "one of you will fail")
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    assert sorted(bool(r[2].get("failed")) for r in replies) == [False, True]
    assert any("server error" in e.value for e in at.error)


# ---------------------------------------------------------------- attachments


def attach(at, text: str, *files):
    for name, data in files:
        at.chat_input[0].upload(name, data, "image/png")
    return send(at, text)


def test_attached_png_is_uploaded_and_sent_as_image_url(app_secrets, sandbox):
    at = attach(make_app(app_secrets), "What is in this picture?", ("red.png", image_bytes()))
    body = last_request(sandbox)
    parts = body["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "What is in this picture?"}
    assert parts[1]["type"] == "image_url" and "/files/uploads/" in parts[1]["image_url"]["url"]
    assert any("I saw 1 image(s)" in t for t in chat_texts(at))
    user_meta = stored_messages(app_secrets)[0][2]
    assert user_meta["attachments"][0]["name"] == "red.png" and user_meta["attachments"][0]["expire_at"]
    assert at.get("image"), "the thumbnail shows in the message"


def test_failed_upload_offers_inline_base64(app_secrets, sandbox):
    sandbox.control.queue_fault("upload", "500", count=1)
    at = attach(make_app(app_secrets), "inline me", ("pic.png", image_bytes()))
    assert any("upload failed" in e.value for e in at.error)
    assert stored_messages(app_secrets) == []
    at.button(key="chat_send_inline").click().run()
    url = last_request(sandbox)["messages"][-1]["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert [m[0] for m in stored_messages(app_secrets)] == ["user", "assistant"]


def test_a_file_that_is_not_an_image_is_refused_and_the_text_can_still_go(app_secrets, sandbox):
    at = attach(make_app(app_secrets), "keep my words", ("fake.png", b"not an image at all"))
    assert any("fake" in w.value and "not a JPG, PNG" in w.value for w in at.warning)
    assert stored_messages(app_secrets) == []
    at.button(key="chat_send_without").click().run()
    assert stored_messages(app_secrets)[0][:2] == ("user", "keep my words")
    assert last_request(sandbox)["messages"][-1]["content"] == "keep my words"


def test_expired_upload_shows_as_expired_and_is_not_sent_again(app_secrets, sandbox):
    store = store_of(app_secrets)
    conv = store.create_conversation("local", "old pictures", None)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    store.add_message(
        "local",
        conv.id,
        "user",
        "look",
        {"attachments": [{"name": "old.png", "url": f"{sandbox.root_url}/files/uploads/gone.png", "expire_at": past}]},
    )
    store.set_setting("local", "chat.open_conversation", conv.id)
    at = make_app(app_secrets)
    assert any("expired" in c.value for c in at.caption)
    at.button(key="chat_retry_pending").click().run()
    assert last_request(sandbox)["messages"][-1]["content"] == "look"


# ---------------------------------------------------------------- View code


def view_code(at):
    at.button(key="chat_view_code").click().run()
    return [c.value for c in at.code]


def test_view_code_shows_the_request_exactly_with_a_masked_key(app_secrets):
    at = make_app(app_secrets)
    at.toggle(key="chat_new_temperature_on").set_value(True).run()
    send(at, "show me the code")
    codes = view_code(at)
    sdk, plain, shell = codes[-5], codes[-4], codes[-3]
    assert "client.chat.completions.create(" in sdk and "temperature=1.0" in sdk
    assert "requests.post(" in plain and shell.startswith("curl -sN ")
    assert all("sk-..." in c for c in (sdk, plain, shell))
    assert not any(app_secrets["sandbox"]["api_key"] in c for c in codes)
    assert json.loads(codes[-2])["messages"][-1]["content"] == "show me the code"
    assert codes[-1].startswith("data: {") and codes[-1].endswith("data: [DONE]")


def _sse_text(output: str) -> str:
    text = ""
    for line in output.splitlines():
        if line.startswith("data: {"):
            for choice in json.loads(line[len("data: ") :]).get("choices") or []:
                text += (choice.get("delta") or {}).get("content") or ""
    return text


def test_curl_from_view_code_replays_to_the_same_reply(app_secrets):
    at = send(make_app(app_secrets), "replay me with curl, 中文 and 'quotes'")
    shell = view_code(at)[-3]
    command = shell.replace("sk-...", app_secrets["sandbox"]["api_key"])
    output = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30).stdout
    assert _sse_text(output) == stored_messages(app_secrets)[-1][1]


def test_python_code_from_view_code_runs_and_gives_the_same_reply(app_secrets, tmp_path):
    at = send(make_app(app_secrets), "replay me in python")
    reply = stored_messages(app_secrets)[-1][1]
    for code in view_code(at)[-5:-3]:
        script = tmp_path / "replay.py"
        script.write_text(code.replace("sk-...", app_secrets["sandbox"]["api_key"]))
        run = subprocess.run([".venv/bin/python", str(script)], capture_output=True, text=True, timeout=60)
        assert run.stdout == reply + "\n", run.stderr


# ---------------------------------------------------------------- prompts and variables


def use_prompt(at, name: str, lang: str = "en"):
    """Pick a prompt in the Chat page's Prompts popover by its stored name, and use its current version."""
    user = state_of(at, Identity).user
    prompt_id = next(p.id for p, _ in Store(at.secrets["store"]["url"]).list_prompts(user) if p.name == name)
    at.selectbox(key=f"chat_prompt_pick_{lang}").set_value(prompt_id).run()
    return at.button(key=PROMPT_USE.key).click().run()


def test_a_shipped_prompt_fills_variables_in_a_form_before_sending(app_secrets, sandbox):
    at = use_prompt(make_app(app_secrets), "Translator")
    assert any(c.value.endswith("Translator v1") for c in at.caption), "the chat says which prompt version it uses"
    send(at, "Good morning")
    assert stored_messages(app_secrets) == [], "nothing goes before the variables are filled"
    assert any(m.value == "Good morning" for m in at.markdown), "the typed message stays in sight"
    at.text_input(key="chat_var_language").set_value("French")
    next(b for b in at.get("form_submit_button") if b.label == "Send").click().run()
    body = last_request(sandbox)
    assert "into French." in body["messages"][0]["content"] and body["temperature"] == 0.2
    send(at, "Good night")  # the value is remembered: no form the second time
    assert "into French." in last_request(sandbox)["messages"][0]["content"]
    # The values each message went with are kept, shown under it, and exported (issue 31).
    questions = [m for m in store_of(app_secrets).list_messages("local", open_conversation(at)) if m.role == "user"]
    assert [q.meta["variables"] for q in questions] == [{"language": "French"}] * 2
    assert sum("Sent with language = French" in c.value for c in at.caption) == 2
    conversation = store_of(app_secrets).get_conversation("local", open_conversation(at))
    markdown = transcripts.to_markdown(
        conversation, questions, {"user": "You", "assistant": "AI", "system": "System", "variables": "Variables"}
    )
    assert "into French." in markdown and "{{language}}" not in markdown
    assert "- Variables: language = French" in markdown
    assert transcripts.export_stem(conversation).endswith("-good-morning")
    again = transcripts.parse_import(transcripts.to_json(conversation, questions).encode())
    assert again.messages[0][2]["variables"] == {"language": "French"}
    settings = store_of(app_secrets).list_conversations("local")[0].settings
    assert settings["variables"] == {"language": "French"} and settings["prompt"]["version"] == 1


def test_chat_settings_saved_as_a_prompt_are_private_and_apply_back(login_secrets):
    at = make_app(login_secrets, user="alice")
    at.text_area(key="chat_new_system").set_value("Talk like {{persona}}.").run()
    at.toggle(key="chat_new_max_tokens_on").set_value(True).run()
    at.text_input(key="chat_prompt_name").set_value("Persona")
    next(b for b in at.get("form_submit_button") if b.label == "Create").click().run()
    assert any("Persona" in o for o in at.selectbox(key="chat_prompt_pick_en").options)
    assert not any(
        "Persona" in o for o in make_app(login_secrets, user="bob").selectbox(key="chat_prompt_pick_en").options
    )

    fresh = use_prompt(make_app(login_secrets, user="alice"), "Persona")
    assert fresh.text_area(key="chat_new_system").value == "Talk like {{persona}}."
    assert fresh.toggle(key="chat_new_max_tokens_on").value is True


def test_a_choice_variable_is_a_choice_list_in_the_chat_form(app_secrets, sandbox):
    from lib import prompts

    store = store_of(app_secrets)
    content = prompts.new_content(system="Answer in {{tone}}.")
    content["variables"] = [
        prompts.variable("tone", prompts.CHOICE, "a formal tone", "How it sounds", ["a formal tone", "pirate speak"])
    ]
    store.create_prompt("local", "Tone", content)
    at = use_prompt(make_app(app_secrets), "Tone")
    state_of(at, SettingsInUse).by_conversation[None]["variables"] = {}  # no value yet: the form asks
    send(at, "hello")
    at.selectbox(key="chat_var_tone").set_value("pirate speak")
    next(b for b in at.get("form_submit_button") if b.label == "Send").click().run()
    assert "Answer in pirate speak." in last_request(sandbox)["messages"][0]["content"]


# ---------------------------------------------------------------- regenerate, edit, copy


def test_regenerate_replaces_the_last_reply(app_secrets, sandbox):
    at = send(make_app(app_secrets), "say it again")
    first = store_of(app_secrets).list_messages("local", open_conversation(at))[-1]
    sent = sandbox.control.stats()["endpoints"]["chat"]
    at.button(key=f"chat_regenerate_{first.id}").click().run()
    messages = store_of(app_secrets).list_messages("local", open_conversation(at))
    assert [m.role for m in messages] == ["user", "assistant"] and messages[-1].created_at > first.created_at
    assert sandbox.control.stats()["endpoints"]["chat"] == sent + 1


def test_edit_last_user_message_and_resend(app_secrets, sandbox):
    at = send(make_app(app_secrets), "typo in thsi")
    user_id = store_of(app_secrets).list_messages("local", open_conversation(at))[0].id
    at.button(key=f"chat_edit_{user_id}").click().run()
    at.text_area(key=f"chat_edit_text_{user_id}").set_value("typo in this")
    at.button(key=f"chat_edit_send_{user_id}").click().run()
    messages = stored_messages(app_secrets)
    assert [m[:2][0] for m in messages] == ["user", "assistant"] and messages[0][1] == "typo in this"
    assert last_request(sandbox)["messages"][-1]["content"] == "typo in this"
    assert 'You said: "typo in this"' in messages[1][1]


def test_copy_is_one_click_and_says_so(app_secrets):
    """What lands on the clipboard is checked in Chromium (tests/e2e/test_chat_edges.py)."""
    at = send(make_app(app_secrets), "copy me </script>")
    question_copy = next(b for b in at.button if b.key and b.key.startswith("chat_copy_"))
    question_copy.click().run()
    assert [t.value for t in at.toast] == ["Copied as Markdown."]
    script = next(h.proto.body for h in at.get("html") if "copy 1" in h.proto.body)
    assert '"copy me \\u003c/script>"' in script


# ---------------------------------------------------------------- export (import: tests/e2e)


def test_export_json_then_import_gives_the_same_conversation(app_secrets):
    at = send(make_app(app_secrets), "export me <b>bold</b>")
    store = store_of(app_secrets)
    conversation = store.get_conversation("local", open_conversation(at))
    exported = transcripts.to_json(conversation, store.list_messages("local", conversation.id))
    conversation = transcripts.import_into(store, "local", transcripts.parse_import(exported.encode()))
    again = [(m.role, m.content) for m in store.list_messages("local", conversation.id)]
    assert again == [(m[0], m[1]) for m in stored_messages(app_secrets)[:2]]


def test_download_buttons_hold_markdown_and_json(app_secrets):
    at = send(make_app(app_secrets), "download me")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Markdown (.md)", "JSON (.json, can be imported)"]


def test_reply_meta_line_in_compare_column_has_no_duplicate_model(app_secrets):
    at = compare_app(app_secrets, MODELS[:2])
    send(at, "meta please")
    assert any(re.match(r"first token .* credits: 1", c.value) for c in at.caption)


def test_view_code_of_a_reopened_conversation_shows_its_next_request(app_secrets):
    """After a reload (a new session) the conversation is full: View code shows what its next
    message would send, from the stored history, and says there are no events yet (issue 31)."""
    at = make_app(app_secrets)
    at.toggle(key="chat_new_temperature_on").set_value(True).run()
    send(at, "remember me")
    reopened = make_app(app_secrets)
    assert reopened.button(key="chat_view_code").disabled is False
    codes = view_code(reopened)
    body = json.loads(codes[-1])
    assert [m["content"] for m in body["messages"]][-3:-1] == ["remember me", stored_messages(app_secrets)[-1][1]]
    assert body["messages"][-1] == {"role": "user", "content": "(your next message)"}
    assert body["temperature"] == 1.0 and body["stream"] is True
    assert any("this session has not sent in it yet" in c.value for c in reopened.caption)


def test_the_sidebar_groups_conversations_by_date_and_folds_a_long_question(app_secrets):
    store = store_of(app_secrets)
    now = datetime.now(UTC)
    for title, days in (("old plan", 30), ("last week", 3), ("yesterday's", 1)):
        conversation = store.create_conversation("local", title, None)
        store.rename_conversation("local", conversation.id, title)
        with store.engine.begin() as connection:  # as if last changed that long ago
            from lib.store.conversations import conversations

            connection.execute(
                conversations.update()
                .where(conversations.c.id == conversation.id)
                .values(updated_at=now - timedelta(days=days))
            )
    long_question = "Here is the document:\n" + "a line of it\n" * 40
    at = send(make_app(app_secrets), long_question)
    captions = [c.value for c in at.sidebar.caption]
    assert [c for c in captions if c in ("Today", "Yesterday", "Last 7 days", "Older")] == [
        "Today",
        "Yesterday",
        "Last 7 days",
        "Older",
    ]
    [folded] = [e for e in at.expander if "Here is the document" in e.label]
    assert "41 lines" in folded.label and folded.proto.expanded is False


def test_fork_from_any_message_opens_a_new_conversation_up_to_it(app_secrets, sandbox):
    at = send(make_app(app_secrets), "first question")
    send(at, "second question")
    store = store_of(app_secrets)
    original = open_conversation(at)
    first_reply = store.list_messages("local", original)[1]
    at.button(key=f"chat_fork_{first_reply.id}").click().run()
    fork = open_conversation(at)
    assert fork != original
    assert [m.content for m in store.list_messages("local", fork)] == [
        m.content for m in store.list_messages("local", original)[:2]
    ]
    assert store.get_conversation("local", fork).title == "first question (fork)"
    assert len(store.list_messages("local", original)) == 4, "the original stays as it was"
    send(at, "another way")
    sent = [m["content"] for m in last_request(sandbox)["messages"]]
    assert len(sent) == 3 and sent[0] == "first question" and sent[-1] == "another way"


def test_the_system_prompt_in_force_shows_above_the_conversation_and_edits_there(app_secrets, sandbox):
    at = make_app(app_secrets)
    assert not [c for c in at.caption if c.value.startswith(":material/psychology:")]
    at.text_area(key="chat_new_system").set_value("Answer like a pirate.").run()
    assert any("System prompt: Answer like a pirate" in c.value for c in at.caption)
    at.text_area(key="chat_new_system_strip").set_value("Answer like a poet.").run()
    assert at.text_area(key="chat_new_system").value == "Answer like a poet.", "the other editor follows"
    send(at, "hello")
    assert last_request(sandbox)["messages"][0] == {"role": "system", "content": "Answer like a poet."}


def test_a_pinned_conversation_stays_at_the_top_of_the_list_until_unpinned(app_secrets):
    store = store_of(app_secrets)
    old = store.create_conversation("local", "quarterly plan", None)
    store.add_message("local", old.id, "user", "plan")
    at = send(make_app(app_secrets), "a newer question")  # opens the new one, listed first
    at.button(key=f"chat_open_{old.id}").click().run()
    at.button(key=f"chat_pin_{old.id}").click().run()
    assert store.get_conversation("local", old.id).pinned_at is not None
    send(at.button(key="chat_new").click().run(), "newest question")  # newer, yet below the pin
    assert [c.title for c in store.list_conversations("local")][0] == "quarterly plan"
    captions = [c.value for c in at.sidebar.caption]
    assert captions.index("Pinned") < captions.index("Today")
    listed = [b.label for b in at.sidebar.button if b.key and b.key.startswith("chat_open_")]
    assert listed[0] == "quarterly plan"
    at.button(key=f"chat_open_{old.id}").click().run()
    at.button(key=f"chat_pin_{old.id}").click().run()  # unpinned: back in its place by date
    assert store.get_conversation("local", old.id).pinned_at is None
    assert "Pinned" not in [c.value for c in at.sidebar.caption]
    listed = store.list_conversations("local")
    assert [c.updated_at for c in listed] == sorted((c.updated_at for c in listed), reverse=True)
