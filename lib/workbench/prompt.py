"""The prompt template, filled per test case, and the checks every reply is held to.

A check's value may use the case's `{{variables}}` too, so each case is checked against its own
values.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lib import presets
from lib.user_patterns import MAX_PATTERN_CHARS, UserPatternError, compile_user_pattern, user_pattern_found

CONTAINS, NOT_CONTAINS, REGEX, IS_JSON = "contains", "not_contains", "regex", "json"
CHECK_KINDS = (CONTAINS, NOT_CONTAINS, REGEX, IS_JSON)


def variables(system: str, user: str) -> list[str]:
    """The `{{variables}}` of the prompt: one test-case column each (the presets' syntax)."""
    return presets.variables(system, user)


def messages_for(system: str, user: str, case: dict) -> list[dict]:
    filled_system = presets.fill(system, case)
    messages = [{"role": "system", "content": filled_system}] if filled_system.strip() else []
    return messages + [{"role": "user", "content": presets.fill(user, case)}]


@dataclass(frozen=True)
class Check:
    kind: str
    value: str = ""

    def label(self) -> str:
        return f"{self.kind}: {self.value}" if self.kind != IS_JSON else self.kind

    def passes(self, text: str, case: dict) -> bool:
        wanted = presets.fill(self.value, case)
        if self.kind == CONTAINS:
            return wanted in text
        if self.kind == NOT_CONTAINS:
            return wanted not in text
        if self.kind == REGEX:
            try:
                return user_pattern_found(wanted, text)
            except UserPatternError:  # a case's values made the pattern invalid: it cannot pass
                return False
        return _is_json(text)


def _is_json(text: str) -> bool:
    """The whole reply is JSON, or one fenced ```json block of it is (models often fence it)."""
    fenced = re.fullmatch(r"\s*```(?:json)?\s*\n(.*)\n```\s*", text, re.DOTALL)
    try:
        json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        return False
    return True


def checks_from(rows: list[dict]) -> list[Check]:
    """The checks a user filled in, without the empty rows a table always has."""
    found = []
    for row in rows:
        kind, value = row.get("kind"), str(row.get("value") or "")
        if kind in CHECK_KINDS and (value or kind == IS_JSON):
            found.append(Check(kind, value))
    return found


def check_problem(check: Check) -> tuple[str, dict] | None:
    """(i18n key, fields) of what is wrong with a check, or None."""
    if check.kind == REGEX:
        if len(check.value) > MAX_PATTERN_CHARS:
            return "workbench.regex_too_long", {"max": MAX_PATTERN_CHARS}
        try:
            compile_user_pattern(check.value)
        except UserPatternError as exc:
            return "workbench.bad_regex", {"pattern": check.value, "error": exc.reason}
    return None
