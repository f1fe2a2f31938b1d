"""The Prompts page under AppTest: create, versions, stale saves refused with what changed,
pin, restore, diff, sharing and who may edit, recommending, import/export, search, and using a
version in Chat and the Workbench."""

from __future__ import annotations

from lib import prompts
from lib.prompts import files
from lib.store import Store
from lib.ui.state.prompts import IMPORT_FILE, PromptsState
from lib.ui.state.workbench import WorkbenchState
from tests.app.helpers import state_of, store_of, texts
from tests.app.test_chat import send
from tests.fixtures.app import make_app

PAGE = "app_pages/prompts.py"


def create(at, name: str, system: str):
    at.text_input(key="prompts_new_name").set_value(name)
    at.text_area(key="prompts_new_system").set_value(system)
    next(b for b in at.get("form_submit_button") if b.label == "Create").click().run()
    return at


def editor(at, prompt_id: int, field: str):
    return state_of(at, PromptsState).editor(prompt_id).widget(prompt_id, field).key


def save(at, prompt_id: int, system: str, note: str = ""):
    at.text_area(key=editor(at, prompt_id, "system")).set_value(system)
    at.text_input(key=editor(at, prompt_id, "note")).set_value(note)
    return at.button(key=editor(at, prompt_id, "save")).click().run()


def only_prompt(secrets, user: str, name: str):
    return next(p for p, _ in store_of(secrets).list_prompts(user) if p.name == name)


def test_the_shipped_presets_are_in_the_library_recommended(login_secrets):
    at = make_app(login_secrets, PAGE, user="alice")
    labels = [b.label for b in at.button if b.key and b.key.startswith("prompts_pick_")]
    assert labels == ["Brainstorm · v1", "Code reviewer · v1", "Summarizer · v1", "Translator · v1"]
    assert "Recommended" in texts(at) and "shipped with the app" in texts(at)


def test_save_versions_pin_restore_and_compare(login_secrets):
    at = create(make_app(login_secrets, PAGE, user="alice"), "Support triage", "Triage {{ticket}}.")
    prompt = only_prompt(login_secrets, "alice", "Support triage")
    assert state_of(at, PromptsState).open == prompt.id
    save(at, prompt.id, "Triage {{ticket}} kindly.", "kinder")
    save(at, prompt.id, "Triage {{ticket}} kindly, in one line.", "shorter")
    versions = store_of(login_secrets).prompt_versions("alice", prompt.id)
    assert [(v.number, v.note) for v in versions] == [(1, "First version"), (2, "kinder"), (3, "shorter")]
    assert "“Support triage” v3 saved." in [t.value for t in at.toast]

    at.selectbox(key=f"prompts_cmp_{prompt.id}_3_left").set_value(1).run()
    diff = "".join(h.proto.body for h in at.get("html"))
    assert "Triage {{ticket}}." in diff and "kindly, in one line." in diff

    at.selectbox(key=f"prompts_history_pick_{prompt.id}_en").set_value(2).run()
    at.button(key="prompts_pin").click().run()
    assert only_prompt(login_secrets, "alice", "Support triage").current_version == 2
    assert "Support triage · v2" in [s.value for s in at.subheader]

    at.selectbox(key=f"prompts_history_pick_{prompt.id}_en").set_value(1).run()
    at.button(key="prompts_restore").click().run()
    newest = store_of(login_secrets).get_prompt_version("alice", prompt.id, 4)
    assert newest.content["system"] == "Triage {{ticket}}." and newest.note == "Restored from v1"


def test_a_declared_variable_no_template_uses_and_an_empty_name_are_explained(login_secrets):
    at = create(make_app(login_secrets, PAGE, user="alice"), "Mail", "Write to {{who}}.")
    prompt = only_prompt(login_secrets, "alice", "Mail")
    at.text_area(key=editor(at, prompt.id, "system")).set_value("Write to {{who}} about {{topic}}.").run()
    assert at.button(key=editor(at, prompt.id, "save")).disabled is False, "a new {{variable}} is declared for you"
    at.text_area(key=editor(at, prompt.id, "system")).set_value("Write to them about {{topic}}.").run()
    assert "The variable “who” is declared, but no template uses it" in texts(at)
    assert at.button(key=editor(at, prompt.id, "save")).disabled
    at.text_area(key=editor(at, prompt.id, "system")).set_value("Write to {{who}} about {{topic}}.").run()
    at.text_input(key=editor(at, prompt.id, "name")).set_value("").run()
    assert "Give the prompt a name first." in texts(at)
    assert at.button(key=editor(at, prompt.id, "save")).disabled


def test_a_save_on_a_stale_version_is_refused_with_what_changed_and_the_draft_kept(login_secrets):
    at = create(make_app(login_secrets, PAGE, user="alice"), "Triage", "Triage {{ticket}}.")
    prompt = only_prompt(login_secrets, "alice", "Triage")
    store = store_of(login_secrets)
    store.save_prompt_version(
        "alice",
        prompt.id,
        {**store.get_prompt_version("alice", prompt.id).content, "system": "Other tab's {{ticket}}."},
        1,
        "from another tab",
    )
    at = save(at, prompt.id, "Mine {{ticket}}.", "mine")
    shown = "\n".join(e.value for e in at.error)
    assert "Not saved: you started from v1, and 1 newer version(s) were saved meanwhile" in shown
    assert "from another tab" in shown and "system" in shown
    assert at.text_area(key=editor(at, prompt.id, "system")).value == "Mine {{ticket}}.", "nothing typed is lost"
    assert [v.number for v in store.prompt_versions("alice", prompt.id)] == [1, 2]
    at.button(key=f"prompts_stale_keep_{prompt.id}").click().run()
    at.button(key=editor(at, prompt.id, "save")).click().run()
    assert store.get_prompt_version("alice", prompt.id, 3).content["system"] == "Mine {{ticket}}."


def test_a_shared_prompt_is_found_by_others_who_cannot_edit_it(login_secrets):
    at = create(make_app(login_secrets, PAGE, user="alice"), "Support triage", "Sort the ticket by urgency {{ticket}}.")
    prompt = only_prompt(login_secrets, "alice", "Support triage")
    bob = make_app(login_secrets, PAGE, user="bob")
    bob.text_input(key="prompts_search").set_value("urgency").run()
    assert not [b for b in bob.button if b.key == f"prompts_pick_{prompt.id}"], "private: Bob does not see it"
    at.toggle(key=f"prompts_share_{prompt.id}").set_value(True).run()
    bob.text_input(key="prompts_search").set_value("URGENCY").run()
    assert [b.label for b in bob.button if b.key and b.key.startswith("prompts_pick_")] == ["Support triage · v1"]
    bob.button(key=f"prompts_pick_{prompt.id}").click().run()
    assert "only its owner and the admins can change it" in texts(bob)
    assert not [t for t in bob.text_area if t.key and t.key.startswith(f"prompts_{prompt.id}_")], "no editor"
    assert bob.toggle(key=f"prompts_share_{prompt.id}").disabled


def test_admins_recommend_shared_prompts_and_may_edit_them(login_secrets):
    create(make_app(login_secrets, PAGE, user="alice"), "Triage", "Triage {{ticket}}.")
    prompt = only_prompt(login_secrets, "alice", "Triage")
    store_of(login_secrets).share_prompt("alice", prompt.id, True)
    root = make_app(login_secrets, PAGE, user="root")
    root.button(key=f"prompts_pick_{prompt.id}").click().run()
    root.toggle(key=f"prompts_recommend_{prompt.id}").set_value(True).run()
    assert only_prompt(login_secrets, "root", "Triage").recommended
    save(root, prompt.id, "Triage {{ticket}} fast.", "admin fix")
    assert store_of(login_secrets).get_prompt_version("alice", prompt.id).user == "root"


def test_export_and_import_keep_the_history_and_refuse_what_is_not_a_prompt(login_secrets):
    create(make_app(login_secrets, PAGE, user="alice"), "Triage", "Triage {{ticket}}.")
    store = store_of(login_secrets)
    prompt = only_prompt(login_secrets, "alice", "Triage")
    store.save_prompt_version("alice", prompt.id, store.get_prompt_version("alice", prompt.id).content, 1, "again")
    exported = files.to_json(prompt.name, None, store.prompt_versions("alice", prompt.id)).encode()
    bob = make_app(login_secrets, PAGE, user="bob")
    _import(bob, b'{"format": "reshi-chat", "version": 1}')
    assert "Not imported: this is not an exported prompt" in "\n".join(e.value for e in bob.error)
    _import(bob, exported)
    imported = only_prompt(login_secrets, "bob", "Triage")
    assert [(v.user, v.note) for v in store.prompt_versions("bob", imported.id)] == [
        ("alice", "First version"),
        ("alice", "again"),
    ]
    _import(bob, exported)
    assert "There already is a prompt named “Triage”" in "\n".join(e.value for e in bob.error)


def _import(at, data: bytes):
    """Choose the file in the import popover's uploader (a new, empty one after each import)."""
    at.file_uploader(key=IMPORT_FILE(state_of(at, PromptsState).imports).key).set_value(
        ("prompt.json", data, "application/json")
    ).run()
    return at.button(key="prompts_import_go").click().run()


def test_open_in_chat_records_the_version_on_the_conversation(login_secrets, sandbox):
    at = create(make_app(login_secrets, PAGE, user="alice"), "Triage", "Triage carefully.")
    at.button(key="prompts_to_chat").click().run()
    assert "Triage v1" in "\n".join(c.value for c in at.caption)
    at.switch_page("app_pages/chat.py").run()  # AppTest's own page follows st.switch_page only for one run
    assert "Triage v1" in "\n".join(c.value for c in at.caption)
    send(at, "ticket: printer on fire")
    conversation = store_of(login_secrets).list_conversations("alice")[0]
    assert conversation.settings["prompt"]["name"] == "Triage" and conversation.settings["prompt"]["version"] == 1
    assert conversation.settings["system"] == "Triage carefully."


def test_test_in_the_workbench_opens_a_run_with_the_saved_cases(login_secrets, sandbox):
    store_url = login_secrets["store"]["url"]
    content = prompts.new_content(system="Be brief.", user="Summarize {{topic}}.")
    content["cases"] = [{"topic": "tides"}, {"topic": "rain"}]
    Store(store_url).create_prompt("alice", "Summary", content)
    at = make_app(login_secrets, PAGE, user="alice")
    prompt = only_prompt(login_secrets, "alice", "Summary")
    at.button(key=f"prompts_pick_{prompt.id}").click().run()
    at.button(key="prompts_to_workbench").click().run()
    at.switch_page("app_pages/workbench.py").run()
    assert state_of(at, WorkbenchState).draft.cases == content["cases"]
    assert at.text_area(key="wb1_user").value == "Summarize {{topic}}."
    at.button(key="wb_run").click().run()
    run = Store(store_url).list_workbench_runs("alice")[0]
    assert run["settings"]["prompt"] == {"id": prompt.id, "name": "Summary", "version": 1, "edited": False}
