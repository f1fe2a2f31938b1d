"""The prompt library: its rules (lib/prompts/__init__.py) and its store (lib/store/prompts.py, on SQLite
and PostgreSQL through the `store` fixture)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic import command

from lib import chat, prompts
from lib.prompts import files
from lib.store import DuplicatePromptName, StalePrompt, Store
from lib.store.engine import make_engine
from lib.store.schema import alembic_config

A, B, ADMIN = "alice", "bob", "root"


def listed(store, user: str) -> list:
    """The prompts `user` can use, without the ones shipped with the app (every database has those)."""
    return [(p, v) for p, v in store.list_prompts(user) if p.user]


def content(system="Triage {{ticket}} for {{team}}.", user="", **extra) -> dict:
    return {**prompts.new_content(system=system, user=user), **extra}


# ---------------------------------------------------------------- rules


def test_a_template_variable_that_is_not_declared_is_named():
    c = content()
    c["variables"] = [prompts.variable("ticket")]
    assert [(p.key, p.fields) for p in prompts.problems(c)] == [("prompts.undeclared_variable", {"name": "team"})]


def test_a_declared_variable_no_template_uses_is_unknown():
    c = content()
    c["variables"].append(prompts.variable("tone"))
    assert [(p.key, p.fields) for p in prompts.problems(c)] == [("prompts.unused_variable", {"name": "tone"})]


def test_choice_variables_need_choices_and_a_default_among_them():
    c = content(system="In {{lang}}")
    c["variables"] = [prompts.variable("lang", prompts.CHOICE)]
    assert [p.key for p in prompts.problems(c)] == ["prompts.no_choices"]
    c["variables"] = [prompts.variable("lang", prompts.CHOICE, "Klingon", choices=["French", "German"])]
    assert [p.key for p in prompts.problems(c)] == ["prompts.default_not_a_choice"]
    c["variables"][0]["default"] = "French"
    assert prompts.problems(c) == []


def test_bad_and_duplicate_variable_names_and_empty_templates():
    c = content(system="", user="")
    c["variables"] = [prompts.variable("a b!"), prompts.variable("x"), prompts.variable("x")]
    keys = [p.key for p in prompts.problems(c)]
    assert keys[:2] == ["prompts.bad_variable_name", "prompts.duplicate_variable"]
    assert "prompts.empty_templates" in keys


def test_filling_uses_defaults_and_unknown_values_are_reported():
    c = content()
    c["variables"][1]["default"] = "billing"
    assert prompts.rendered(c, {"ticket": "#42"}) == ("Triage #42 for billing.", "")
    assert prompts.unknown_values(c, {"ticket": "1", "colour": "red"}) == ["colour"]


def test_settings_keep_what_other_features_add_and_drop_the_conversations_own():
    settings = {
        **chat.default_settings("m-1"),
        "reasoning": {"effort": "high"},
        "compare_on": True,
        "variables": {"x": "1"},
    }
    kept = prompts.new_content(settings, system="s")["settings"]
    assert kept["reasoning"] == {"effort": "high"} and kept["model"] == "m-1"
    assert not {"compare_on", "variables", "system", "prompt"} & kept.keys()


def test_applying_a_version_sets_the_conversation_and_records_it():
    c = content()
    c["settings"]["params"]["temperature"] = {"on": True, "value": 0.3}
    ref = prompts.reference(7, "Support triage", 4, c)
    settings = chat.default_settings()
    settings["variables"] = {"team": "ops", "stale": "x"}
    settings["compare_on"] = True
    new = prompts.applied(settings, ref, c)
    assert new["system"] == c["system"] and new["params"]["temperature"] == {"on": True, "value": 0.3}
    assert new["variables"] == {"ticket": "", "team": "ops"} and new["compare_on"] is True
    assert prompts.version_label(chat.merged_settings(new)["prompt"]) == "Support triage v4"


def test_search_finds_every_word_in_name_text_or_tags():
    c = content(tags=["support"])
    assert prompts.matches("TRIAGE support", "Helpdesk", c)
    assert prompts.matches("helpdesk", "Helpdesk", c)
    assert not prompts.matches("triage sales", "Helpdesk", c)


def test_text_diff_rows_side_by_side():
    rows = prompts.text_diff("a\nb\nc", "a\nB\nc\nd")
    assert rows == [("equal", "a", "a"), ("changed", "b", "B"), ("equal", "c", "c"), ("added", "", "d")]


def test_settings_diff_names_what_changed():
    old, new = content(), content()
    new["settings"]["model"] = "other"
    new["tags"] = ["x"]
    new["variables"][0]["default"] = "7"
    assert {row[0] for row in prompts.settings_diff(old, new)} == {"settings.model", "tags", "variables.ticket.default"}
    assert prompts.changed_parts(old, new)[0] == "settings.model"


# ---------------------------------------------------------------- export and import


def _exported(c=None) -> bytes:
    versions = [SimpleNamespace(number=1, user=A, note="first", created_at=datetime.now(UTC), content=c or content())]
    return files.to_json("Triage", 1, versions).encode()


def test_export_and_import_round_trip():
    imported = files.parse_import(_exported())
    assert imported.name == "Triage" and imported.pinned_version == 1
    assert imported.versions[0]["content"] == content() and imported.versions[0]["note"] == "first"


@pytest.mark.parametrize(
    "data, key",
    [
        (b"\xff\xfe", "prompts.import_not_json"),
        (b"[1, 2]", "prompts.import_not_prompt"),
        (json.dumps({"format": "reshi-chat", "version": 1}).encode(), "prompts.import_not_prompt"),
        (json.dumps({"format": "reshi-prompt", "version": 9}).encode(), "prompts.import_bad_version"),
        (
            json.dumps({"format": "reshi-prompt", "version": 1, "name": "x", "versions": []}).encode(),
            "prompts.import_bad_field",
        ),
    ],
)
def test_what_is_not_a_prompt_is_refused_with_the_reason(data, key):
    with pytest.raises(files.ImportProblem) as caught:
        files.parse_import(data)
    assert caught.value.key == key


def test_an_imported_version_with_an_undeclared_variable_is_refused():
    c = content()
    c["variables"] = []
    with pytest.raises(files.ImportProblem) as caught:
        files.parse_import(_exported(c))
    assert caught.value.key == "prompts.import_bad_version_content"
    assert caught.value.fields["reason_key"] == "prompts.undeclared_variable"


# ---------------------------------------------------------------- store


def test_versions_pin_and_current(store):
    prompt = store.create_prompt(A, "Triage", content(), "first")
    store.save_prompt_version(A, prompt.id, content(system="v2 {{ticket}} {{team}}"), 1, "second")
    store.save_prompt_version(A, prompt.id, content(system="v3 {{ticket}} {{team}}"), 2)
    versions = store.prompt_versions(A, prompt.id)
    assert [(v.number, v.user, v.note) for v in versions] == [(1, A, "first"), (2, A, "second"), (3, A, "")]
    assert store.get_prompt_version(A, prompt.id).number == 3
    assert store.pin_prompt_version(A, prompt.id, 2)
    assert store.get_prompt_version(A, prompt.id).content["system"].startswith("v2")
    assert not store.pin_prompt_version(A, prompt.id, 9)


def test_a_save_on_a_stale_version_is_refused_with_what_was_saved_since(store):
    prompt = store.create_prompt(A, "Triage", content())
    store.share_prompt(A, prompt.id, True)
    store.save_prompt_version(ADMIN, prompt.id, content(system="admin's {{ticket}} {{team}}"), 1, "fix", admin=True)
    with pytest.raises(StalePrompt) as caught:
        store.save_prompt_version(A, prompt.id, content(system="mine {{ticket}} {{team}}"), 1)
    assert [(v.number, v.user, v.note) for v in caught.value.since] == [(2, ADMIN, "fix")]
    assert [v.number for v in store.prompt_versions(A, prompt.id)] == [1, 2]


def test_private_prompts_are_their_owners_and_shared_ones_everyones_to_use_not_edit(store):
    prompt = store.create_prompt(A, "Triage", content())
    assert listed(store, B) == [] and store.get_prompt(B, prompt.id) is None
    assert store.prompt_versions(B, prompt.id) == []
    assert store.save_prompt_version(B, prompt.id, content(), 1) is None
    assert store.share_prompt(A, prompt.id, True)
    assert [p.name for p, _ in listed(store, B)] == ["Triage"]
    assert store.save_prompt_version(B, prompt.id, content(), 1) is None
    assert not store.pin_prompt_version(B, prompt.id, 1) and not store.delete_prompt(B, prompt.id)
    assert not store.share_prompt(B, prompt.id, False)
    assert store.save_prompt_version(ADMIN, prompt.id, content(), 1, admin=True).number == 2


def test_names_are_unique_per_owner_and_among_shared_prompts(store):
    first = store.create_prompt(A, "Triage", content())
    with pytest.raises(DuplicatePromptName):
        store.create_prompt(A, "triage", content())
    bobs = store.create_prompt(B, "Triage", content())  # private: no clash
    store.share_prompt(A, first.id, True)
    with pytest.raises(DuplicatePromptName):
        store.share_prompt(B, bobs.id, True)
    with pytest.raises(DuplicatePromptName):
        store.rename_prompt(B, store.create_prompt(B, "Other", content()).id, "TRIAGE")


def test_only_admins_recommend_and_only_shared_prompts(store):
    prompt = store.create_prompt(A, "Triage", content())
    assert not store.admin_recommend_prompt(prompt.id, True)
    store.share_prompt(A, prompt.id, True)
    other = store.create_prompt(A, "Another", content())
    store.share_prompt(A, other.id, True)
    assert store.admin_recommend_prompt(prompt.id, True)
    assert [(p.name, p.recommended) for p, _ in listed(store, B)] == [("Triage", True), ("Another", False)]


def test_import_keeps_the_history(store):
    imported = files.parse_import(_exported())
    prompt = store.import_prompt(B, imported.name, imported.versions, imported.pinned_version)
    versions = store.prompt_versions(B, prompt.id)
    assert prompt.user == B and prompt.pinned_version == 1 and [(v.user, v.note) for v in versions] == [(A, "first")]
    with pytest.raises(DuplicatePromptName):
        store.import_prompt(B, imported.name, imported.versions, None)


def _database_before_the_library(url: str, presets_of: dict[str, dict]) -> None:
    """A database at revision 0003 (before the library) whose users saved presets."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0003")
            for user, own in presets_of.items():
                conn.execute(
                    sa.text('INSERT INTO user_settings ("user", key, value) VALUES (:u, :k, :v)'),
                    {"u": user, "k": "chat.presets", "v": json.dumps(own)},
                )
    finally:
        engine.dispose()


def test_the_upgrade_carries_presets_over_shipped_ones_shared_and_own_ones_private(store_url):
    params = chat.default_settings()["params"] | {"max_tokens": {"on": True, "value": 99}}
    _database_before_the_library(
        store_url,
        {
            A: {
                "Persona": {"name": "Persona", "model": "m-2", "system": "Be {{tone}}.", "params": params},
                "Translator": {"name": "Translator", "model": "m-3", "system": "Mine", "params": {}},
            }
        },
    )
    store = Store(store_url)  # opening it upgrades it
    try:
        shipped = {p.name: (p, v) for p, v in store.list_prompts(B)}
        assert set(shipped) == {"Translator", "Code reviewer", "Summarizer", "Brainstorm"}
        assert all(p.shared and p.recommended and p.user == "" for p, _ in shipped.values())
        summarizer = shipped["Summarizer"][1].content
        assert [v["name"] for v in summarizer["variables"]] == ["count", "audience"] and prompts.problems(
            summarizer
        ) == []
        assert summarizer["settings"]["params"]["temperature"] == {"on": True, "value": 0.3}
        alices = [(p.name, p.user, p.shared, v.content["settings"]["model"]) for p, v in store.list_prompts(A)]
        assert ("Persona", A, False, "m-2") in alices and ("Translator", A, False, "m-3") in alices
        persona = next(v for p, v in store.list_prompts(A) if p.name == "Persona")
        assert persona.content["settings"]["params"]["max_tokens"] == {"on": True, "value": 99}
        assert persona.note == "Carried over from presets" and prompts.problems(persona.content) == []
        assert chat.merged_settings(persona.content["settings"])["model"] == "m-2"
    finally:
        store.dispose()


def test_a_conversation_export_keeps_its_prompt_version_and_values_and_the_import_checks_them():
    from lib.chat import transcripts

    ref = prompts.reference(3, "Support triage", 2, content())
    now = datetime.now(UTC)
    conversation = SimpleNamespace(
        id=1,
        title="t",
        created_at=now,
        updated_at=now,
        settings={**chat.default_settings(), "prompt": ref, "variables": {"ticket": "#9"}},
    )
    messages = [SimpleNamespace(id=1, conversation_id=1, user=A, role="user", content="hi", meta={}, created_at=now)]
    back = transcripts.parse_import(transcripts.to_json(conversation, messages).encode()).settings
    assert prompts.version_label(back["prompt"]) == "Support triage v2" and back["variables"] == {"ticket": "#9"}
    conversation.settings["prompt"] = {"id": "3; DROP", "name": "x", "version": 2}
    assert transcripts.parse_import(transcripts.to_json(conversation, messages).encode()).settings["prompt"] is None
