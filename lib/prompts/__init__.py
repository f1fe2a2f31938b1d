"""The team prompt library: what a prompt holds, its checks and diffs. No Streamlit in this
package. Beside it: a prompt as a file (`files`), the `{{variables}}` syntax every template
shares (`templating`) and how long a prompt may be on each endpoint (`limits`).

A prompt is a name and a list of versions; each version's `content` is a plain dict:

- `system`, `user`: the two templates, with `{{variables}}` (`lib.prompts.templating`'s syntax);
- `variables`: the declared ones, each {"name", "kind" (short/long/choice), "default",
  "description", "choices"};
- `settings`: the Chat page's settings dict as it was (model, params, and whatever settings other
  features add to it: reasoning, response format, tools...), minus what belongs to one
  conversation (`CONVERSATION_ONLY`), so a setting added later carries over without a change here;
- `tags`, and `cases`: the test cases "Test in the Workbench" opens (one dict of values each).

Storage, versions, sharing and the stale-save refusal live in `lib/store/prompts.py`; the file a
prompt is exported to and imported from in `lib/prompts/files.py`.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lib import chat
from lib.chat import tools
from lib.prompts import templating

SHORT, LONG, CHOICE = "short", "long", "choice"
VARIABLE_KINDS = (SHORT, LONG, CHOICE)
MAX_NAME_CHARS = 80
MAX_NOTE_CHARS = 200
MAX_TAGS, MAX_TAG_CHARS = 12, 32
# Settings that belong to one conversation, not to the prompt it started from.
CONVERSATION_ONLY = ("system", "compare_on", "compare", "blind", "variables", "imported_sha256", "prompt")
_VARIABLE_NAME = re.compile(r"[\w\u4e00-\u9fff][\w\u4e00-\u9fff ]{0,39}")
_TEXT_FIELDS = ("system", "user")


@dataclass(frozen=True)
class Problem:
    """What is wrong, as a catalog key and its fields."""

    key: str
    fields: dict = field(default_factory=dict)


# ---------------------------------------------------------------- content


def variable(
    name: str, kind: str = SHORT, default: str = "", description: str = "", choices: list[str] | None = None
) -> dict:
    return {"name": name, "kind": kind, "default": default, "description": description, "choices": choices or []}


def prompt_settings(settings: Mapping[str, Any]) -> dict:
    """The conversation's settings a prompt keeps: all of them but the conversation's own."""
    return {k: copy.deepcopy(v) for k, v in settings.items() if k not in CONVERSATION_ONLY}


def new_content(settings: Mapping[str, Any] | None = None, system: str = "", user: str = "") -> dict:
    """A version's content from a conversation's settings (the Chat page's), its variables declared."""
    content = {
        "system": system,
        "user": user,
        "variables": [],
        "settings": prompt_settings(settings or chat.default_settings()),
        "tags": [],
        "cases": [],
    }
    return with_declared_variables(content)


def with_declared_variables(content: dict) -> dict:
    """The content with every variable its templates use declared (short text, no default); the
    declarations already there kept."""
    declared = {v["name"] for v in content["variables"]}
    added = [variable(name) for name in used_variables(content) if name not in declared]
    return {**content, "variables": [*content["variables"], *added]}


def used_variables(content: dict) -> list[str]:
    return templating.variables(*(content.get(f) or "" for f in _TEXT_FIELDS))


# The names of the prompts carried over from the presets that shipped (migration 0004), shown in
# the user's language.
SHIPPED_LABELS = {
    "Translator": "chat.preset.translator",
    "Code reviewer": "chat.preset.code_reviewer",
    "Summarizer": "chat.preset.summarizer",
    "Brainstorm": "chat.preset.brainstorm",
}


def shipped_label(prompt_owner: str, name: str) -> str | None:
    """The catalog key of a shipped prompt's name, or None."""
    return SHIPPED_LABELS.get(name) if not prompt_owner else None


def parse_tags(text: str) -> list[str]:
    """Tags typed as one line, separated by commas: trimmed, lower-cased, each once, in order."""
    return list(dict.fromkeys(t.strip().lower() for t in re.split(r"[,，]", text) if t.strip()))


def parse_choices(text: str) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in text.split("\n") if c.strip()))


# ---------------------------------------------------------------- checks


def name_problem(name: str) -> Problem | None:
    if not name.strip():
        return Problem("prompts.name_empty")
    if len(name.strip()) > MAX_NAME_CHARS:
        return Problem("prompts.name_long", {"limit": MAX_NAME_CHARS})
    return None


def problems(content: dict) -> list[Problem]:
    """Everything wrong with a version's content; a version with problems is not saved."""
    found: list[Problem] = []
    declared: list[str] = []
    for spec in content["variables"]:
        name = spec["name"]
        if not _VARIABLE_NAME.fullmatch(name or ""):
            found.append(Problem("prompts.bad_variable_name", {"name": name}))
        elif name in declared:
            found.append(Problem("prompts.duplicate_variable", {"name": name}))
        declared.append(name)
        if spec["kind"] == CHOICE and not spec["choices"]:
            found.append(Problem("prompts.no_choices", {"name": name}))
        elif spec["kind"] == CHOICE and spec["default"] and spec["default"] not in spec["choices"]:
            found.append(Problem("prompts.default_not_a_choice", {"name": name, "default": spec["default"]}))
    used = used_variables(content)
    found += [Problem("prompts.undeclared_variable", {"name": n}) for n in used if n not in declared]
    found += [Problem("prompts.unused_variable", {"name": n}) for n in declared if n and n not in used]
    if len(content["tags"]) > MAX_TAGS:
        found.append(Problem("prompts.too_many_tags", {"limit": MAX_TAGS}))
    found += [
        Problem("prompts.long_tag", {"tag": t, "limit": MAX_TAG_CHARS})
        for t in content["tags"]
        if len(t) > MAX_TAG_CHARS
    ]
    if not any((content.get(f) or "").strip() for f in _TEXT_FIELDS):
        found.append(Problem("prompts.empty_templates"))
    return found


def unknown_values(content: dict, values: dict) -> list[str]:
    """Values given for variables the prompt does not declare (an old conversation's, a typo)."""
    declared = {v["name"] for v in content["variables"]}
    return [name for name in values if name not in declared]


# ---------------------------------------------------------------- use


def values_for(content: dict, given: dict | None = None) -> dict[str, str]:
    """Each declared variable's value: the one given, else its default."""
    given = given or {}
    return {v["name"]: str(given.get(v["name"]) or v["default"]) for v in content["variables"]}


def kept_variables(settings: Mapping[str, Any]) -> list[str]:
    """The variables whose values a conversation keeps: its system prompt's, and those its prompt declares."""
    declared = [v["name"] for v in ((settings.get("prompt") or {}).get("variables") or [])]
    return list(dict.fromkeys([*templating.variables(settings["system"]), *declared]))


def rendered(content: dict, values: dict) -> tuple[str, str]:
    """The system and user templates filled with `values` (defaults for the ones left out)."""
    filled = values_for(content, values)
    return templating.fill(content["system"], filled), templating.fill(content["user"], filled)


def reference(prompt_id: int, name: str, number: int, content: dict) -> dict:
    """What a conversation (or a Workbench run) records of the prompt version it uses."""
    return {
        "id": prompt_id,
        "name": name,
        "version": number,
        "system": content["system"],
        "user": content["user"],
        "variables": copy.deepcopy(content["variables"]),
    }


def is_reference(value) -> bool:
    """`value` has the shape `reference` writes (a conversation's record, e.g. from an imported file)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), int)
        and isinstance(value.get("version"), int)
        and isinstance(value.get("name"), str)
        and len(value["name"]) <= MAX_NAME_CHARS
        and all(isinstance(value.get(f, ""), str) for f in _TEXT_FIELDS)
        and isinstance(value.get("variables", []), list)
        and all(
            isinstance(v, dict)
            and isinstance(v.get("name"), str)
            and v.get("kind") in VARIABLE_KINDS
            and all(isinstance(c, str) for c in v.get("choices", []))
            for v in value.get("variables", [])
        )
    )


def version_label(ref: dict | None) -> str:
    """ "Support triage v4" ("Support triage v4*" when a Workbench run changed its templates)."""
    return f"{ref['name']} v{ref['version']}{'*' if ref.get('edited') else ''}" if ref else ""


def applied(settings: Mapping[str, Any], ref: dict, content: dict) -> chat.ChatSettings:
    """A conversation's settings once a prompt version is opened in it: the prompt's model,
    parameters and system template, its variables at their defaults (values already typed for
    the same names kept), the conversation's own settings (comparison, import) untouched, and its
    tools too when the prompt has none."""
    kept = {
        k: v
        for k, v in (settings.get("variables") or {}).items()
        if k in {spec["name"] for spec in content["variables"]} and v
    }
    own = copy.deepcopy(content["settings"])
    if not own.get("tools"):  # a prompt without tools keeps the conversation's
        own = {k: v for k, v in own.items() if k not in tools.default_settings()}
    return chat.merged_settings(
        {**settings, **own, "system": content["system"], "variables": values_for(content, kept), "prompt": ref}
    )


def source_of_run(ref: dict | None, system: str, user: str) -> dict | None:
    """What a Workbench run records of the prompt version it was opened from: the reference,
    marked `edited` when the templates run are no longer the version's."""
    if not ref:
        return None
    return {k: ref[k] for k in ("id", "name", "version")} | {
        "edited": (system, user) != (ref.get("system"), ref.get("user"))
    }


def previous_version_run(run: dict, others: list[dict]) -> int | None:
    """The newest of `others` run from an earlier version of the same prompt as `run`, or None."""
    source = (run.get("settings") or {}).get("prompt")
    if not source:
        return None
    earlier = [
        r
        for r in others
        if ((r.get("settings") or {}).get("prompt") or {}).get("id") == source["id"]
        and r["settings"]["prompt"]["version"] < source["version"]
    ]
    return max(earlier, key=lambda r: (r["settings"]["prompt"]["version"], r["id"]))["id"] if earlier else None


# ---------------------------------------------------------------- search


def matches(query: str, name: str, content: dict) -> bool:
    """Every word of the query is in the name, a template, a tag or a variable's description."""
    haystack = " ".join(
        [name, content["system"], content["user"], *content["tags"], *(v["description"] for v in content["variables"])]
    ).casefold()
    return all(word in haystack for word in query.casefold().split())


# ---------------------------------------------------------------- diffs

EQUAL, CHANGED, ADDED, REMOVED = "equal", "changed", "added", "removed"


def text_diff(old: str, new: str) -> list[tuple[str, str, str]]:
    """Side by side, a row per line: (kind, old line, new line)."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        if tag == "equal":
            rows += [(EQUAL, x, y) for x, y in zip(left, right)]
            continue
        for index in range(max(len(left), len(right))):
            x = left[index] if index < len(left) else None
            y = right[index] if index < len(right) else None
            kind = CHANGED if x is not None and y is not None else (REMOVED if y is None else ADDED)
            rows.append((kind, x or "", y or ""))
    return rows


def _flat(value, path: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for key, inner in value.items():
            out.update(_flat(inner, f"{path}.{key}" if path else str(key)))
        return out
    return {path: value}


def _comparable(content: dict) -> dict:
    return {
        "settings": content["settings"],
        "tags": ", ".join(content["tags"]),
        "variables": {
            v["name"]: {k: v[k] for k in ("kind", "default", "description", "choices")} for v in content["variables"]
        },
        "cases": len(content.get("cases") or []),
    }


def settings_diff(old: dict, new: dict) -> list[tuple[str, object, object]]:
    """(setting, old value, new value) for each setting, variable or tag that differs."""
    a, b = _flat(_comparable(old)), _flat(_comparable(new))
    return [(key, a.get(key), b.get(key)) for key in dict.fromkeys([*a, *b]) if a.get(key) != b.get(key)]


def changed_parts(old: dict, new: dict) -> list[str]:
    """What differs between two contents, by name: "system", "user", then each setting."""
    return [f for f in _TEXT_FIELDS if old.get(f) != new.get(f)] + [key for key, _, _ in settings_diff(old, new)]
