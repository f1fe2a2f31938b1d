"""A prompt with its whole history as a file: exported as JSON, and such a file checked whole
before anything of it is kept (ImportProblem says what makes it not one). No Streamlit here;
what a prompt holds and its checks are lib/prompts/__init__.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from lib import chat
from lib.prompts import MAX_NOTE_CHARS, SHORT, VARIABLE_KINDS, name_problem, problems, prompt_settings, variable

MAX_CASES = 200
MAX_IMPORT_BYTES = 2_000_000
FORMAT, FORMAT_VERSION = "reshi-prompt", 1


class ImportProblem(Exception):
    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


@dataclass
class Imported:
    name: str
    versions: list[dict]  # each {"number", "user", "note", "created_at", "content"}
    pinned_version: int | None


def to_json(name: str, pinned_version: int | None, versions: list) -> str:
    """A prompt with its whole history (versions from the store, oldest first)."""
    return json.dumps(
        {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "name": name,
            "pinned_version": pinned_version,
            "versions": [
                {
                    "number": v.number,
                    "user": v.user,
                    "note": v.note,
                    "created_at": v.created_at.isoformat(),
                    "content": v.content,
                }
                for v in versions
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def parse_import(data: bytes) -> Imported:
    """An exported prompt, checked whole: ImportProblem says what makes it not one."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem("prompts.import_too_big", limit=MAX_IMPORT_BYTES // 1_000_000)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ImportProblem("prompts.import_not_json") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportProblem("prompts.import_not_prompt")
    if doc.get("version") != FORMAT_VERSION:
        raise ImportProblem("prompts.import_bad_version", version=str(doc.get("version")))
    name, versions = doc.get("name"), doc.get("versions")
    if not isinstance(name, str) or name_problem(name):
        raise ImportProblem("prompts.import_bad_field", field="name")
    if not isinstance(versions, list) or not versions:
        raise ImportProblem("prompts.import_bad_field", field="versions")
    checked = [_imported_version(index, item) for index, item in enumerate(versions, start=1)]
    pinned = doc.get("pinned_version")
    if pinned is not None and (not isinstance(pinned, int) or not 1 <= pinned <= len(checked)):
        raise ImportProblem("prompts.import_bad_field", field="pinned_version")
    return Imported(name=name.strip(), versions=checked, pinned_version=pinned)


def _imported_version(number: int, item) -> dict:
    where = f"versions[{number - 1}]"
    if not isinstance(item, dict) or not isinstance(item.get("content"), dict):
        raise ImportProblem("prompts.import_bad_field", field=where)
    content = _content(item["content"], where)
    for problem in problems(content):
        raise ImportProblem(
            "prompts.import_bad_version_content", number=number, reason_key=problem.key, **problem.fields
        )
    created = item.get("created_at")
    try:
        created_at = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        created_at = None
    return {
        "number": number,
        "user": str(item.get("user") or ""),
        "note": str(item.get("note") or "")[:MAX_NOTE_CHARS],
        "created_at": created_at if created_at and created_at.tzinfo else None,
        "content": content,
    }


def _content(raw: dict, where: str) -> dict:
    """The content's fields in their types, or ImportProblem naming the one that is not."""

    def text(key: str) -> str:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise ImportProblem("prompts.import_bad_field", field=f"{where}.{key}")
        return value

    variables, settings, tags, cases = (
        raw.get("variables", []),
        raw.get("settings", {}),
        raw.get("tags", []),
        raw.get("cases", []),
    )
    if not isinstance(variables, list) or not all(isinstance(v, dict) for v in variables):
        raise ImportProblem("prompts.import_bad_field", field=f"{where}.variables")
    if not isinstance(settings, dict):
        raise ImportProblem("prompts.import_bad_field", field=f"{where}.settings")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ImportProblem("prompts.import_bad_field", field=f"{where}.tags")
    if not isinstance(cases, list) or len(cases) > MAX_CASES or not all(isinstance(c, dict) for c in cases):
        raise ImportProblem("prompts.import_bad_field", field=f"{where}.cases")
    specs = []
    for spec in variables:
        kind = spec.get("kind", SHORT)
        choices = spec.get("choices", [])
        if kind not in VARIABLE_KINDS or not isinstance(choices, list):
            raise ImportProblem("prompts.import_bad_field", field=f"{where}.variables")
        specs.append(
            variable(
                str(spec.get("name") or ""),
                kind,
                str(spec.get("default") or ""),
                str(spec.get("description") or ""),
                [str(c) for c in choices],
            )
        )
    return {
        "system": text("system"),
        "user": text("user"),
        "variables": specs,
        "settings": prompt_settings({**settings, **chat.merged_settings(settings)}),
        "tags": tags,
        "cases": [{str(k): str(v) for k, v in case.items()} for case in cases],
    }
