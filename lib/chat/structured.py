"""Structured output: JSON Schemas typed by a user, inferred from an example, sent as
`response_format`, and replies checked against them. No Streamlit here.

Everything a user typed or a model answered is kept as it came: these functions only say what
is wrong with it, where (a line and column of the text, or a path in the JSON) and why, so the
Chat page and the Workbench can show it in the user's words and never lose the raw text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from genson import SchemaBuilder
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

TEXT, JSON_OBJECT, JSON_SCHEMA = "text", "json_object", "json_schema"
RESPONSE_FORMATS = (TEXT, JSON_OBJECT, JSON_SCHEMA)
DEFAULT_SCHEMA_NAME = "reply"
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenAI's rule for json_schema.name
# A reply in a Markdown fence (```json ... ```), as models wrap JSON when not held to a format.
_FENCE = re.compile(r"^\s*```[A-Za-z]*\s*\n(?P<body>.*?)\n?```\s*$", re.DOTALL)
ROOT = "$"
MAX_STORED_PROBLEMS = 50

# What the reasons are about, for the UI's words: the text is not JSON; the JSON is not a
# schema; the reply does not match the schema.
NOT_JSON, NOT_A_SCHEMA, NOT_AN_OBJECT, MISMATCH, MATCHES = (
    "not_json",
    "not_a_schema",
    "not_an_object",
    "mismatch",
    "matches",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: `where` is "line 3, column 7" text position (line/column set) or a JSON
    path such as `$.items[0].name`; `reason` is the parser's or validator's own words."""

    kind: str
    reason: str
    path: str = ROOT
    line: int | None = None
    column: int | None = None


def parse_json(text: str) -> tuple[Any, Problem | None]:
    """The JSON value of `text`, or None with where and why it is not JSON."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, Problem(NOT_JSON, exc.msg, line=exc.lineno, column=exc.colno)


def json_path(steps) -> str:
    """`$.a.b[0]` for the steps ("a", "b", 0) of a jsonschema error's path."""
    out = ROOT
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if _plain(step) else f"[{json.dumps(step)}]")
    return out


def _plain(key: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key))


def schema_problem(text: str) -> Problem | None:
    """Why `text` is not a JSON Schema a reply can be checked against (None when it is): not
    JSON (line, column, reason), not an object, or not valid under the 2020-12 metaschema (the
    path in the schema and the reason)."""
    schema, problem = parse_json(text)
    if problem:
        return problem
    if not isinstance(schema, dict):
        return Problem(NOT_AN_OBJECT, type(schema).__name__)
    error = best_match(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
    if error is not None:
        return Problem(NOT_A_SCHEMA, error.message, path=json_path(error.absolute_path))
    return None


def infer_schema(example_text: str) -> tuple[dict | None, Problem | None]:
    """A schema that an example JSON value matches (types, nested objects and arrays, every key
    seen required), or where and why the example is not JSON."""
    example, problem = parse_json(example_text)
    if problem:
        return None, problem
    builder = SchemaBuilder(schema_uri=None)
    builder.add_object(example)
    schema = builder.to_schema()
    schema.pop("$schema", None)
    return schema, None


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def schema_name(name: str) -> str:
    """The `json_schema.name` to send: the user's, when it fits OpenAI's rule, else "reply"."""
    return name if _SCHEMA_NAME.match(name or "") else DEFAULT_SCHEMA_NAME


def response_format(
    kind: str, schema_text: str = "", name: str = DEFAULT_SCHEMA_NAME, strict: bool = True
) -> dict | None:
    """The `response_format` to send for a setting, or None (text: nothing is sent). A schema
    that does not parse is never sent: `schema_problem` says why first."""
    if kind == JSON_OBJECT:
        return {"type": JSON_OBJECT}
    if kind == JSON_SCHEMA and schema_problem(schema_text) is None:
        return {
            "type": JSON_SCHEMA,
            "json_schema": {"name": schema_name(name), "schema": json.loads(schema_text), "strict": bool(strict)},
        }
    return None


@dataclass
class ReplyCheck:
    """A reply read as JSON and checked: `kind` is MATCHES, NOT_JSON or MISMATCH; `value` the
    parsed JSON (None when not JSON); `problems` every failure, the first one first."""

    kind: str
    value: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind == MATCHES

    def as_meta(self) -> dict:
        """What is stored with the reply (JSON-safe; the first MAX_STORED_PROBLEMS problems)."""
        return {"kind": self.kind, "problems": [vars(p) for p in self.problems[:MAX_STORED_PROBLEMS]]}


def unfenced(text: str) -> str:
    """The reply without a Markdown code fence around it."""
    match = _FENCE.match(text)
    return match.group("body") if match else text


def check_reply(text: str, schema: dict | None) -> ReplyCheck:
    """Whether a reply is JSON and, with a schema, valid for it. A fenced reply is read inside
    its fence. Failures are listed as paths in the reply with the validator's reasons, deepest
    and most relevant first (jsonschema's own relevance order)."""
    value, problem = parse_json(unfenced(text).strip())
    if problem:
        return ReplyCheck(NOT_JSON, problems=[problem])
    if not schema:
        return ReplyCheck(MATCHES, value)
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return ReplyCheck(MATCHES, value)
    first = best_match(errors)
    ordered = [first, *(e for e in errors if e is not first)]
    return ReplyCheck(MISMATCH, value, [Problem(MISMATCH, e.message, path=json_path(e.absolute_path)) for e in ordered])


def stored_check_ok(value: Any) -> bool:
    """Whether a reply's stored check (`ReplyCheck.as_meta`, plus the schema sent) has the shape
    this module writes: an imported file may hold anything."""
    if not isinstance(value, dict) or value.get("kind") not in (MATCHES, NOT_JSON, MISMATCH):
        return False
    problems = value.get("problems")
    fields: dict[str, type | tuple[type, ...]] = {
        "kind": str,
        "reason": str,
        "path": str,
        "line": (int, type(None)),
        "column": (int, type(None)),
    }
    return (
        isinstance(problems, list)
        and len(problems) <= MAX_STORED_PROBLEMS
        and all(
            isinstance(p, dict) and set(p) <= set(fields) and all(isinstance(p.get(k), t) for k, t in fields.items())
            for p in problems
        )
        and isinstance(value.get("schema", {}), dict)
    )


def first_failure(text: str, schema: dict | None) -> Problem | None:
    """The first reason a reply does not match (the Workbench's check), or None when it does."""
    check = check_reply(text, schema)
    return None if check.ok else check.problems[0]


# Starter schemas for the editor: small, realistic, valid in OpenAI's strict mode (every key
# required, no additional properties).
STARTER_SCHEMAS: dict[str, dict] = {
    "sentiment": {
        "type": "object",
        "properties": {
            "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "reason": {"type": "string"},
        },
        "required": ["sentiment", "confidence", "reason"],
        "additionalProperties": False,
    },
    "extraction": {
        "type": "object",
        "properties": {
            "people": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
                    "required": ["name", "role"],
                    "additionalProperties": False,
                },
            },
            "date": {"type": "string"},
            "place": {"type": "string"},
        },
        "required": ["people", "date", "place"],
        "additionalProperties": False,
    },
    "steps": {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                    "required": ["explanation", "output"],
                    "additionalProperties": False,
                },
            },
            "final_answer": {"type": "string"},
        },
        "required": ["steps", "final_answer"],
        "additionalProperties": False,
    },
}
