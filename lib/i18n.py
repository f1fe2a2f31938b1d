"""Every user-facing string, one catalog per language: lib/locales/<lang>.toml, plus one file
per feature in lib/locales/<lang>/*.toml (so features added side by side do not edit one file).

Pages never show a literal: they call `t(key, lang, **fields)` (or `lib.ui.session.tr`, which
fills in the session's language). A language is one more TOML file and one more entry in
LANGUAGES; tests/unit/test_i18n.py checks every catalog has the same keys and `{fields}`, and
that every key the code uses (keys built at run time included, see `key_family`) exists.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.numbers import NumberFormatError, parse_decimal

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).with_name("locales")


def _load(lang: str) -> dict[str, str | dict[str, str]]:
    catalog: dict[str, str | dict[str, str]] = {}
    for path in (LOCALES_DIR / f"{lang}.toml", *sorted((LOCALES_DIR / lang).glob("*.toml"))):
        with open(path, "rb") as file:
            part = tomllib.load(file)
        clash = catalog.keys() & part.keys()
        if clash:
            raise ValueError(f"{path.name}: keys already in the {lang} catalog: {sorted(clash)}")
        catalog.update(part)
    return catalog


CATALOGS: dict[str, dict[str, str | dict[str, str]]] = {lang: _load(lang) for lang in LANGUAGES}


def language_from_locale(locale: str | None) -> str:
    """The UI language for a browser locale such as 'zh-CN' or 'en-US'."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fields) -> str:
    text = CATALOGS.get(lang, {}).get(key) or CATALOGS[DEFAULT_LANGUAGE][key]
    if isinstance(text, dict):
        text = plural_form(text, lang, fields)
    return text.format(**fields) if fields else text


def plural_form(forms: dict[str, str], lang: str, fields: dict) -> str:
    """A text with plural forms is a table in the catalog, one entry per CLDR plural category
    of the language ("one", "few", ..., and always "other"), picked by Babel's plural rules from
    the number in the field `by` names (`count` when it is absent):
    `"chat.meta_tokens" = { one = "{count} token", other = "{count} tokens" }`. A language with
    one form (Chinese) keeps a plain string. The number may come already formatted for the
    language ("1", "1,234.5")."""
    number = _number(fields.get(forms.get("by", "count")), lang)
    category = Locale.parse(lang).plural_form(abs(number)) if number is not None else "other"
    return forms.get(category) or forms["other"]


def _number(value: object, lang: str) -> Decimal | None:
    if isinstance(value, int | float | Decimal):
        return Decimal(value)
    try:
        return parse_decimal(value, locale=lang, strict=True) if isinstance(value, str) else None
    except NumberFormatError:
        return None


def text_forms(text: str | dict[str, str]) -> list[str]:
    """The texts a catalog entry holds: itself, or each of its plural forms."""
    return [form for name, form in text.items() if name != "by"] if isinstance(text, dict) else [text]


def has_text(key: str) -> bool:
    return key in CATALOGS[DEFAULT_LANGUAGE]


# Keys built at run time, `family.value`: every value each family takes, declared next to where
# the key is built, so tests/unit/test_i18n.py checks each one exists.
KEY_FAMILIES: dict[str, tuple[str, ...]] = {}


def key_family(family: str, values: Iterable[object]) -> Callable[[object], str]:
    """Declare the keys `family.value` for `values`; returns what builds one from a value."""
    KEY_FAMILIES[family] = tuple(dict.fromkeys((*KEY_FAMILIES.get(family, ()), *map(str, values))))
    return lambda value: f"{family}.{value}"
