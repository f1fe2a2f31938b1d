"""The prompt template, filled per test case, and the checks every reply is held to.

A check's value may use the case's `{{variables}}` too, so each case is checked against its own
values. A check is a must (a failed one fails the cell) or a should (it counts in the cell's
score). Every kind but "judged by a model" is decided here from the reply alone; the judge's
call is in `judge.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from rapidfuzz import fuzz

from lib.chat import structured, tool_chain
from lib.prompts import templating
from lib.workbench.user_patterns import (
    MAX_PATTERN_CHARS,
    UserPatternError,
    compile_user_pattern,
    user_pattern_found,
)

CONTAINS, NOT_CONTAINS, REGEX, IS_JSON = "contains", "not_contains", "regex", "json"
JSON_SCHEMA, JUDGE, SIMILAR = "json_schema", "judge", "similar"
MAX_CREDITS, MAX_SECONDS, MIN_LENGTH, MAX_LENGTH = "max_credits", "max_seconds", "min_length", "max_length"
CALLS_TOOL, TOOL_ARGUMENTS = "calls_tool", "tool_arguments"  # on a run with tools: its chain's calls
CHECK_KINDS = (
    CONTAINS,
    NOT_CONTAINS,
    REGEX,
    IS_JSON,
    JSON_SCHEMA,
    JUDGE,
    SIMILAR,
    MAX_CREDITS,
    MAX_SECONDS,
    MIN_LENGTH,
    MAX_LENGTH,
    CALLS_TOOL,
    TOOL_ARGUMENTS,
)
TOOL_KINDS = (CALLS_TOOL, TOOL_ARGUMENTS)  # the value is a tool's name
NUMBER_KINDS = (MAX_CREDITS, MAX_SECONDS, MIN_LENGTH, MAX_LENGTH)  # the value is a number
THRESHOLD_KINDS = (JUDGE, SIMILAR)  # pass at a score of at least `threshold` (0-1)
NO_VALUE_KINDS = (IS_JSON, JUDGE)  # the value box is not used (a judge has its rubric)
DEFAULT_THRESHOLD = 0.7
OUTPUT = "output"  # the rubric's `{{output}}`: the reply being judged


def variables(system: str, user: str) -> list[str]:
    """The `{{variables}}` of the prompt: one test-case column each (`lib.prompts.templating`'s syntax)."""
    return templating.variables(system, user)


def messages_for(system: str, user: str, case: dict[str, Any]) -> list[dict[str, Any]]:
    filled_system = templating.fill(system, case)
    messages = [{"role": "system", "content": filled_system}] if filled_system.strip() else []
    return messages + [{"role": "user", "content": templating.fill(user, case)}]


@dataclass(frozen=True)
class Reply:
    """What a check looks at: the text, what the call cost and took, and (a run with tools)
    the calls its chain made, each {"name", "arguments", "parsed"}."""

    text: str
    credits: float = 0.0
    latency_s: float | None = None
    calls: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Verdict:
    """One check on one reply: passed or not, a 0-1 score where the kind has one, and why.
    `problem` names why no verdict could be had (a judge that failed or answered nonsense), or
    why a check on tool calls failed (`tool_chain.TOOL_PROBLEMS`, with `reason` its detail)."""

    passed: bool
    score: float | None = None
    reason: str = ""
    problem: str = ""


@dataclass(frozen=True)
class Check:
    kind: str
    value: str = ""
    must: bool = True
    rubric: str = ""  # a judge's instructions, with {{variables}} and {{output}}
    model: str = ""  # a judge's model
    threshold: float = DEFAULT_THRESHOLD
    arguments: str = ""  # "the arguments of a tool match": a JSON subset or a JSON Schema

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        """A stored check; older runs stored only kind and value."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def label(self) -> str:
        if self.kind == JUDGE:
            return f"{self.kind}: {self.model} ≥ {self.threshold:g}"
        if self.kind == SIMILAR:
            return f"{self.kind}: {self.value} ≥ {self.threshold:g}"
        if self.kind == TOOL_ARGUMENTS:
            return f"{self.kind}: {self.value} {self.arguments}"
        return f"{self.kind}: {self.value}" if self.kind != IS_JSON else self.kind

    def passes(self, text: str, case: dict[str, Any]) -> bool:
        return self.verdict(Reply(text), case).passed

    def verdict(self, reply: Reply, case: dict[str, Any]) -> Verdict:
        """Every kind but JUDGE (see `judge.py`), decided from the reply alone."""
        wanted = templating.fill(self.value, case)
        text = reply.text
        if self.kind == CONTAINS:
            return Verdict(wanted in text)
        if self.kind == NOT_CONTAINS:
            return Verdict(wanted not in text)
        if self.kind == REGEX:
            try:
                return Verdict(user_pattern_found(wanted, text))
            except UserPatternError:  # a case's values made the pattern invalid: it cannot pass
                return Verdict(False)
        if self.kind == IS_JSON:
            return Verdict(_is_json(text))
        if self.kind == JSON_SCHEMA:
            failure = structured.first_failure(text, json.loads(self.value))  # a schema is not a template
            return Verdict(failure is None, reason=_where(failure) + f": {failure.reason}" if failure else "")
        if self.kind == CALLS_TOOL:
            return _call_verdict(tool_chain.calls_tool(list(reply.calls), wanted.strip()))
        if self.kind == TOOL_ARGUMENTS:
            expected = templating.fill(self.arguments, case)
            return _call_verdict(tool_chain.arguments_match(list(reply.calls), wanted.strip(), expected))
        if self.kind == SIMILAR:
            score = round(fuzz.ratio(text.strip(), wanted.strip()) / 100, 3)
            return Verdict(score >= self.threshold, score)
        return _bound(self.kind, float(wanted), reply)


def _call_verdict(found: tool_chain.CallCheck) -> Verdict:
    return Verdict(found.passed, reason=found.detail, problem=found.problem)


def _where(problem: structured.Problem) -> str:
    """Where a schema or a reply went wrong: a line and column of text that is not JSON, else a path."""
    return f"line {problem.line}, column {problem.column}" if problem.line else problem.path


def _bound(kind: str, limit: float, reply: Reply) -> Verdict:
    """The number checks: what was measured against the limit."""
    measured = {
        MAX_CREDITS: reply.credits,
        MAX_SECONDS: reply.latency_s,
        MIN_LENGTH: len(reply.text),
        MAX_LENGTH: len(reply.text),
    }[kind]
    if measured is None:
        return Verdict(False, reason="not measured")
    passed = measured >= limit if kind == MIN_LENGTH else measured <= limit
    return Verdict(passed, reason=f"{measured:g}")


def _is_json(text: str) -> bool:
    """The whole reply is JSON, or one fenced ```json block of it is (models often fence it)."""
    try:
        json.loads(structured.unfenced(text))
    except ValueError:
        return False
    return True


def checks_from(rows: list[dict[str, Any]]) -> list[Check]:
    """The checks a user filled in, without the empty rows a table always has."""
    found = []
    for row in rows:
        kind, value = row.get("kind"), str(row.get("value") or "")
        if kind not in CHECK_KINDS or not (value or kind in NO_VALUE_KINDS):
            continue
        if kind == JUDGE and not str(row.get("rubric") or "").strip():
            continue
        found.append(
            Check(
                kind,
                value,
                must=bool(row.get("must", True)),
                rubric=str(row.get("rubric") or ""),
                model=str(row.get("model") or ""),
                threshold=float(row.get("threshold", DEFAULT_THRESHOLD)),
                arguments=str(row.get("arguments") or ""),
            )
        )
    return found


def check_problem(check: Check) -> tuple[str, dict[str, Any]] | None:
    """(i18n key, fields) of what is wrong with a check, or None."""
    if check.kind == REGEX:
        if len(check.value) > MAX_PATTERN_CHARS:
            return "workbench.regex_too_long", {"max": MAX_PATTERN_CHARS}
        try:
            compile_user_pattern(check.value)
        except UserPatternError as exc:
            return "workbench.bad_regex", {"pattern": check.value, "error": exc.reason}
    if check.kind == JSON_SCHEMA:
        problem = structured.schema_problem(check.value)
        if problem:
            return "workbench.bad_schema", {"where": _where(problem), "error": problem.reason}
    if check.kind in NUMBER_KINDS:
        try:
            if float(check.value) < 0:
                raise ValueError
        except ValueError:
            return "workbench.bad_number", {"value": check.value}
    if check.kind == TOOL_ARGUMENTS:
        try:
            json.loads(check.arguments)
        except json.JSONDecodeError as exc:
            return "workbench.bad_tool_arguments", {"error": f"{exc.msg} ({exc.lineno}:{exc.colno})"}
    if check.kind in THRESHOLD_KINDS and not 0 <= check.threshold <= 1:
        return "workbench.bad_threshold", {"value": check.threshold}
    if check.kind == JUDGE:
        if OUTPUT not in templating.variables(check.rubric):
            return "workbench.rubric_without_output", {}
        if not check.model.strip():
            return "workbench.judge_without_model", {}
    return None
