"""Every catalog has the same keys with the same {fields}, and every key the code uses exists:
literal keys, and the keys built at run time, which are declared as `key_family`s."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import lib
from lib.i18n import CATALOGS, DEFAULT_LANGUAGE, KEY_FAMILIES, LANGUAGES, has_text, language_from_locale, t, text_forms

ROOT = Path(__file__).resolve().parents[2]
KEY_SHAPE = re.compile(r"[a-z_]+(?:\.[a-z0-9_]+)+")
AREAS = {key.split(".")[0] for key in CATALOGS[DEFAULT_LANGUAGE]}
# settings' names shaped like keys: lib/ui/chat/view.py, and the presets migration 0004 carries over
NOT_KEYS = {
    "chat.open_conversation",
    "chat.presets",
    "prompts.id",
}  # a foreign key in migration 0004, shaped like a key


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def sources() -> list[Path]:
    return [
        ROOT / "app.py",
        *ROOT.glob("app_pages/*.py"),
        *(path for path in ROOT.glob("lib/**/*.py") if "sandbox" not in path.parts),
    ]


def is_key_family_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) == "key_family"


def test_every_catalog_has_the_same_keys_and_fields():
    english = CATALOGS[DEFAULT_LANGUAGE]
    for lang in LANGUAGES:
        catalog = CATALOGS[lang]
        assert set(catalog) == set(english), (lang, set(catalog) ^ set(english))
        for key, text in catalog.items():
            forms = text_forms(text)
            assert forms and all(isinstance(form, str) and form for form in forms), (lang, key)
            assert not isinstance(text, dict) or "other" in text, (lang, key)
            # A plural form may leave its number out ("the message" for one).
            assert entry_fields(text) == entry_fields(english[key]), (lang, key)
            assert all(fields(form) <= entry_fields(english[key]) for form in forms), (lang, key)


def entry_fields(text) -> set[str]:
    return set().union(*(fields(form) for form in text_forms(text)))


@pytest.mark.parametrize(
    "lang, count, expected",
    [("en", 1, "1 token"), ("en", 0, "0 tokens"), ("en", 21, "21 tokens"), ("zh", 1, "1 个 Token")],
)
def test_plural_forms_follow_the_languages_rules(lang, count, expected):
    assert t("chat.meta_tokens", lang, count=count) == expected
    assert t("video.refunded", "en", credits=1) == "The 1 credit for this video was refunded."
    assert t("video.refunded", "en", credits=1.5).startswith("The 1.5 credits")
    assert t("quota.left_day", "en", left="0", limit="1") == "0 of 1 credit left today", "a number already formatted"
    assert t("quota.left_day", "en", left="0", limit="1,000") == "0 of 1,000 credits left today"


# A number right before a counted noun ("{count} calls") reads "1 calls" when the number is 1.
COUNTED = re.compile(
    r"\{(\w+)(:[^}]*)?\}\s+(credits|calls|cases|cells|steps|attempts|versions|messages|tools|repeats"
    r"|models|points|days|seconds|characters)\b"
)
# ... except where the number is a fixed limit that is never 1 (constants and settings' bounds).
NEVER_ONE = {
    "chat.import_too_many",
    "usage.hourly_fallback",
    "usage.table.newest",
    "workbench.table_help",
    "config.problem.cookie_key_weak",
    "prompts.name_long",
    "prompts.long_tag",
    "workbench.regex_too_long",
    "tools.problem.schema_long",
    "tools.import_too_many",
    "usage.balance_embedded",
    "workbench.choice_history_title",
    "workbench.choice_history_none",
    "workbench.awaiting_resume",
}


def test_a_counted_noun_has_a_singular_form():
    """Each English text counting something is a plural table picked by that number (a
    decimal format such as `:.2f` always reads plural: "1.00 credits")."""
    unpicked = [
        (key, match.group(0))
        for key, text in CATALOGS["en"].items()
        if key not in NEVER_ONE
        for form in text_forms(text)
        if not (isinstance(text, dict) and form == text.get("one"))
        for match in COUNTED.finditer(form)
        if "f" not in (match.group(2) or "")
        and not (isinstance(text, dict) and text.get("by", "count") == match.group(1))
    ]
    assert not unpicked, unpicked


def test_every_key_family_exists_in_full():
    for name in (module.name for module in pkgutil.walk_packages(lib.__path__, "lib.")):
        if not name.startswith("lib.sandbox"):
            importlib.import_module(name)  # each module declares its families when imported
    assert {"error", "video.status", "usage.outcome", "budget"} <= set(KEY_FAMILIES), "the families are found"
    missing = [
        f"{family}.{value}"
        for family, values in KEY_FAMILIES.items()
        for value in values
        if not has_text(f"{family}.{value}")
    ]
    assert not missing


def test_every_literal_key_in_the_code_exists_and_none_is_built_by_hand():
    used, built = set(), []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        family_names = {id(call.args[0]) for call in ast.walk(tree) if is_key_family_call(call) and call.args}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and KEY_SHAPE.fullmatch(node.value)
                and node.value.split(".")[0] in AREAS
                and not node.value.endswith(".py")
                and id(node) not in family_names
            ):
                used.add(node.value)
            head = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else None
            if (
                isinstance(head, ast.Constant)
                and re.match(r"[a-z_]+\.", head.value)
                and head.value.split(".")[0] in AREAS
            ):
                built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(used) > 300, "the scan finds the keys"
    assert not sorted(key for key in used - NOT_KEYS if not has_text(key))
    assert not built, "a key built at run time is declared with lib.i18n.key_family"


def test_locale_picks_the_language():
    assert language_from_locale("zh-CN") == "zh" and language_from_locale("en-US") == "en"
    assert language_from_locale(None) == "en"
    assert t("nav.chat", "zh") == "对话"


def test_a_key_in_two_catalog_files_is_refused(tmp_path, monkeypatch):
    import lib.i18n as i18n

    (tmp_path / "en").mkdir()
    (tmp_path / "en.toml").write_text('"a.one" = "One"\n', encoding="utf-8")
    (tmp_path / "en" / "feature.toml").write_text('"a.two" = "Two"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    assert i18n._load("en") == {"a.one": "One", "a.two": "Two"}
    (tmp_path / "en" / "other.toml").write_text('"a.one" = "Again"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"a\.one"):
        i18n._load("en")
