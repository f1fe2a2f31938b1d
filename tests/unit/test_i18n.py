"""Every UI string exists in both languages, with the same fields, and every key used exists."""
from __future__ import annotations

import re
import string
from pathlib import Path

from lib.i18n import LANGUAGES, STRINGS, language_from_locale, t

ROOT = Path(__file__).resolve().parents[2]
KEY_USE = re.compile(r"""\b(?:tr|t)\(\s*f?["']([a-z_]+\.[a-z0-9_.]+)["']""")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_has_both_languages_with_the_same_fields():
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry.values()), key
        assert fields(entry["en"]) == fields(entry["zh"]), key


def test_every_key_used_in_the_code_exists():
    sources = [*ROOT.glob("app.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("lib/**/*.py")]
    used = {key for path in sources for key in KEY_USE.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern finds the keys"
    missing = sorted(key for key in used if key not in STRINGS and not key.endswith("."))
    assert not missing


def test_locale_picks_the_language():
    assert language_from_locale("zh-CN") == "zh" and language_from_locale("en-US") == "en"
    assert language_from_locale(None) == "en"
    assert t("nav.chat", "zh") == "对话"
