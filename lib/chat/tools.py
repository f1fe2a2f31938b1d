"""Function calling in a conversation's settings: the tools as the user typed them, what the API
is sent, the OpenAI `tools` array in and out, mock results, and a call's arguments checked
against its tool's schema. No Streamlit here.

A tool in the settings is a plain dict, kept as typed so nothing is lost while it is wrong:
{"name", "description", "parameters" (JSON Schema as text), "mock" (a result template where
`{{argument}}` is filled from the call)}. Only tools without a problem are sent.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from jsonschema import Draft202012Validator, SchemaError

from lib.chat.tool_turns import after_last_question as after_last_question
from lib.chat.tool_turns import chain_steps as chain_steps
from lib.chat.tool_turns import continuing_columns as continuing_columns
from lib.chat.tool_turns import latest_replies as latest_replies
from lib.chat.tool_turns import open_reply_ids as open_reply_ids
from lib.chat.tool_turns import with_call_fields as with_call_fields
from lib.i18n import key_family, t

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TOOLS = 32
MAX_SCHEMA_CHARS = 20_000
DEFAULT_STEPS = 5
MAX_STEPS = 20
CHOICES = ("auto", "none", "required")  # or the name of one tool
BLANK_PARAMETERS = '{\n  "type": "object",\n  "properties": {},\n  "required": []\n}'
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")

PROBLEMS = ("name", "duplicate", "schema_json", "schema_type", "schema_invalid", "schema_long")
PROBLEM_KEY = key_family("tools.problem", PROBLEMS)


def _tool(name: str, description: str, parameters: dict, mock: str) -> dict:
    return {
        "name": name,
        "description": description,
        "parameters": json.dumps(parameters, indent=2, ensure_ascii=False),
        "mock": mock,
    }


STARTERS = {
    "weather": _tool(
        "get_weather",
        "Get the current weather for a city.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
        '{"city": "{{city}}", "temperature": 21, "unit": "celsius", "conditions": "sunny"}',
    ),
    "search": _tool(
        "search_documents",
        "Search the document library and return the best passages.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for"},
                "top_k": {"type": "integer", "minimum": 1, "maximum": 10},
            },
            "required": ["query"],
            "additionalProperties": False,
        },
        '{"results": [{"title": "Refund policy", "snippet": "Refunds within 30 days for {{query}}."}]}',
    ),
    "calculator": _tool(
        "calculator",
        "Calculate an arithmetic expression.",
        {
            "type": "object",
            "properties": {"expression": {"type": "string", "description": "e.g. 12 * (3 + 4)"}},
            "required": ["expression"],
            "additionalProperties": False,
        },
        '{"expression": "{{expression}}", "result": 84}',
    ),
}
STARTER_KEY = key_family("tools.starter", STARTERS)
_STARTER_DESCRIPTION = key_family("tools.describe", STARTERS)


def starter(key: str, lang: str) -> dict:
    """An example tool, its description in the user's language (the model reads it, and the
    sandbox matches a question against its words)."""
    return {**STARTERS[key], "description": t(_STARTER_DESCRIPTION(key), lang)}


class ToolSettings(TypedDict):
    """The function-calling part of a conversation's settings (`lib.chat.ChatSettings`)."""

    tools: list[dict[str, str]]  # each {"name", "description", "parameters", "mock"}, as typed
    tool_choice: str  # one of CHOICES or a tool's name
    parallel_tool_calls: bool
    auto_mock: bool  # answer calls with their mock results by itself
    auto_steps: int  # up to how many such steps, 1..MAX_STEPS


def default_settings() -> ToolSettings:
    return {
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "auto_mock": False,
        "auto_steps": DEFAULT_STEPS,
    }


def settings_of(settings: Mapping[str, Any]) -> dict:
    """The tool settings alone (a copy), as a preset keeps them."""
    return copy.deepcopy({key: settings[key] for key in default_settings() if key in settings})


def merged(saved: Mapping[str, Any]) -> ToolSettings:
    """The tool settings of a saved settings dict over the defaults; wrong types are dropped."""
    settings = default_settings()
    tools = saved.get("tools")
    if isinstance(tools, list):
        settings["tools"] = [_clean(t) for t in tools if isinstance(t, dict)][:MAX_TOOLS]
    if isinstance(saved.get("tool_choice"), str):
        settings["tool_choice"] = saved["tool_choice"]
    for flag in ("parallel_tool_calls", "auto_mock"):
        if isinstance(saved.get(flag), bool):
            settings[flag] = saved[flag]
    steps = saved.get("auto_steps")
    if isinstance(steps, int) and not isinstance(steps, bool):
        settings["auto_steps"] = min(max(steps, 1), MAX_STEPS)
    return settings


def _clean(tool: dict) -> dict:
    return {field: str(tool.get(field) or "") for field in ("name", "description", "parameters", "mock")}


# ---------------------------------------------------------------- checking what was typed


@dataclass(frozen=True)
class Problem:
    """What is wrong with one tool: `index` in the list, `code` in PROBLEMS, `detail` (a path
    or the parser's words, not translated: it quotes the schema)."""

    index: int
    code: str
    detail: str = ""


def problems(tools: list[dict]) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    for index, tool in enumerate(tools):
        name = tool.get("name", "").strip()
        if not NAME_PATTERN.match(name):
            found.append(Problem(index, "name", name))
        elif name in seen:
            found.append(Problem(index, "duplicate", name))
        seen.add(name)
        problem = schema_problem(tool.get("parameters", ""))
        if problem:
            found.append(Problem(index, *problem))
    return found


def schema_problem(text: str) -> tuple[str, str] | None:
    """(code, detail) when the parameters text is not a JSON Schema object; None when it is
    (empty text means no parameters)."""
    if len(text) > MAX_SCHEMA_CHARS:
        return "schema_long", str(MAX_SCHEMA_CHARS)
    if not text.strip():
        return None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return "schema_json", f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return "schema_type", ""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return "schema_invalid", f"{json_path(exc.absolute_path)}: {exc.message}"
    return None


def json_path(parts) -> str:
    """`$.a.b[0]`: where in a JSON document something is."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parameters_of(tool: dict) -> dict:
    text = tool.get("parameters", "")
    return json.loads(text) if text.strip() else {"type": "object", "properties": {}}


def valid_tools(tools: list[dict]) -> list[dict]:
    broken = {p.index for p in problems(tools)}
    return [t for i, t in enumerate(tools) if i not in broken]


# ---------------------------------------------------------------- the request


def to_openai(tools: list[dict]) -> list[dict]:
    """The OpenAI `tools` array of the tools without a problem."""
    return [
        {
            "type": "function",
            "function": {"name": t["name"].strip(), "description": t["description"], "parameters": parameters_of(t)},
        }
        for t in valid_tools(tools)
    ]


def names(openai_tools: Any) -> list[str]:
    """The function names of an OpenAI `tools` array (as a share's parameters keep it)."""
    return [str(t.get("function", {}).get("name")) for t in openai_tools or [] if isinstance(t, dict)]


def request_fields(settings: Mapping[str, Any]) -> dict:
    """`tools`, `tool_choice` and `parallel_tool_calls` for a request; {} without tools."""
    tools = to_openai(settings.get("tools") or [])
    if not tools:
        return {}
    fields: dict[str, Any] = {"tools": tools}
    choice = settings.get("tool_choice", "auto")
    names = [t["function"]["name"] for t in tools]
    if choice in names:
        fields["tool_choice"] = {"type": "function", "function": {"name": choice}}
    elif choice in CHOICES and choice != "auto":
        fields["tool_choice"] = choice
    if not settings.get("parallel_tool_calls", True):
        fields["parallel_tool_calls"] = False
    return fields


# ---------------------------------------------------------------- import and export


class ImportProblem(ValueError):
    """Why a `tools` array was refused: `key` a catalog key, `fields` its placeholders."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key, self.fields = key, fields


def export_json(tools: list[dict]) -> str:
    return json.dumps(to_openai(tools), indent=2, ensure_ascii=False)


def import_json(text: str) -> list[dict]:
    """Tools from an OpenAI `tools` array (or `{"tools": [...]}`, or one tool); mock results
    are kept when a tool carries `x-mock`. Raises ImportProblem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblem("tools.import_not_json", detail=f"line {exc.lineno}, column {exc.colno}") from None
    if isinstance(data, dict):
        data = data.get("tools", [data])
    if not isinstance(data, list) or not data:
        raise ImportProblem("tools.import_not_list")
    if len(data) > MAX_TOOLS:
        raise ImportProblem("tools.import_too_many", limit=MAX_TOOLS)
    imported = []
    for index, item in enumerate(data):
        function = item.get("function", item) if isinstance(item, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise ImportProblem("tools.import_bad_item", path=f"$[{index}]")
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        imported.append(
            {
                "name": function["name"],
                "description": str(function.get("description") or ""),
                "parameters": json.dumps(parameters, indent=2, ensure_ascii=False),
                "mock": str(item.get("x-mock") or function.get("x-mock") or ""),
            }
        )
    return imported


# ---------------------------------------------------------------- calls and results


def fill_mock(template: str, arguments: Any) -> str:
    """The mock result of a call: each `{{name}}` (or `{{a.b}}`) replaced by that argument
    (text as it is, anything else as JSON); a name the call lacks becomes empty."""

    def value(match: re.Match) -> str:
        found: Any = arguments
        for part in match.group(1).split("."):
            found = found.get(part) if isinstance(found, dict) else None
        if found is None:
            return ""
        return found if isinstance(found, str) else json.dumps(found, ensure_ascii=False)

    return _PLACEHOLDER.sub(value, template)


def find(tools: list[dict], name: str) -> dict | None:
    return next((t for t in valid_tools(tools) if t["name"].strip() == name), None)


def argument_problems(tool: dict | None, arguments: Any) -> list[tuple[str, str]]:
    """(path, message) for each way the call's parsed arguments break the tool's schema."""
    if tool is None:
        return []
    validator = Draft202012Validator(parameters_of(tool))
    return [
        (json_path(e.absolute_path), e.message)
        for e in sorted(validator.iter_errors(arguments), key=lambda e: list(map(str, e.absolute_path)))
    ]


def result_text(typed: str) -> str:
    """A typed result as sent: JSON is sent compact, anything else as the text it is."""
    try:
        return json.dumps(json.loads(typed), ensure_ascii=False)
    except ValueError:
        return typed


# ---------------------------------------------------------------- stored calls, as files carry them

MAX_ARGUMENTS_CHARS = 100_000


def stored_calls_ok(value: Any) -> bool:
    """Whether an imported message's `tool_calls` are what a reply stores: a list of
    {"id", "type": "function", "function": {"name", "arguments" (text)}}."""
    return (
        isinstance(value, list)
        and len(value) <= MAX_TOOLS
        and all(
            isinstance(c, dict)
            and isinstance(c.get("id"), str)
            and len(c["id"]) <= 200
            and isinstance(c.get("function"), dict)
            and isinstance(c["function"].get("name"), str)
            and len(c["function"]["name"]) <= 200
            and isinstance(c["function"].get("arguments"), str)
            and len(c["function"]["arguments"]) <= MAX_ARGUMENTS_CHARS
            for c in value
        )
    )


def calls_markdown(calls: list[dict]) -> list[str]:
    """A reply's calls as Markdown lines: `name(arguments)`, one a line."""
    return [f"- 🔧 `{c['function']['name']}({c['function'].get('arguments') or ''})`" for c in calls]


@dataclass(frozen=True)
class CallStep:
    """A call as read-only views show it (share links, presentation mode): `result` None until
    answered."""

    id: str
    name: str
    arguments: str
    result: str | None = None


def call_steps(calls: list[dict], results: dict) -> tuple[CallStep, ...]:
    """A reply's stored calls with their results (`results`: tool_call_id -> content)."""
    return tuple(
        CallStep(
            str(c.get("id")), c["function"]["name"], c["function"].get("arguments") or "", results.get(c.get("id"))
        )
        for c in calls
    )
