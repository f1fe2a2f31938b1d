"""Deterministic function calling: which tools the sandbox's model calls, with which arguments,
and what it says once the results are back. Pure functions; the dialect shapes them
(lib/sandbox/dialects.py) and lib/sandbox/routes/chat.py streams them.

When a request carries `tools`, the last user message is cut into clauses ("weather in Paris
and Tokyo" is two); a clause that names a tool (its name, a word of its name or of its
description, or `[tool:name]` anywhere in the message) calls it, and a clause that names only a
thing ("Tokyo") calls the tool of the clause before. The arguments are built from the tool's
JSON Schema, filled from the clause (a quoted or capitalised name, a number, an arithmetic
expression), so they are valid for the schema. After tool results the reply quotes them.

Markers: `[tool:name]` calls that tool (even one not given: a model calling a tool that does
not exist); `[tool-bad-args]` sends arguments that are not JSON; `[tool-loop]` calls the tools
again after every result (a chain that does not end).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_HAS_CJK = re.compile(f"[{_CJK}]")
MARKER = re.compile(r"\[tool:([A-Za-z0-9_.-]{1,64})\]")
BAD_ARGS, LOOP = "[tool-bad-args]", "[tool-loop]"
BAD_ARGUMENTS_TEXT = '{"oops": '  # what `[tool-bad-args]` sends: JSON cut off
MAX_CALLS = 5
_CLAUSES = re.compile(r"\s+and\s+|\s+&\s+|[,;，；、和及]|以及|\s+also\s+")
_QUOTED = re.compile(r"[\"“「『']([^\"”」』']{1,80})[\"”」』']")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_EXPRESSION = re.compile(r"[-+*/%^().\d\s]*\d[-+*/%^().\d\s]*")
_CJK_LEAD = re.compile(r"^(?:请|帮我|帮忙|查一下|查查|查询|搜索|搜一下|计算|算一下|告诉我|看看)*")
# Capitalised only because they start a sentence: never the thing asked about.
_STARTERS = frozenset(
    "what what's whats how tell is are can could would please get find search show give "
    "look calculate compute i the and also hi hello".split()
)
_STOP_WORDS = frozenset(
    "get set the for with from about which their there these given current value return returns "
    "result results string number function using other into that this what when where your some "
    "make find lookup look list".split()
)


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict | str  # a str only for `[tool-bad-args]`: text that is not JSON

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


def plan(messages: list[dict], tools: Any, tool_choice: Any = "auto", parallel: Any = True) -> list[PlannedCall]:
    """The calls the model makes now ([] when it answers in text)."""
    functions = _functions(tools)
    if not functions or tool_choice == "none" or not messages:
        return []
    text = _last_user_text(messages)
    last_role = messages[-1].get("role")
    if last_role not in ("user", "tool") or (last_role == "tool" and LOOP not in text):
        return []
    forced = _forced_name(tool_choice)
    calls = _calls_for(text, functions, forced)
    if not calls and (forced or tool_choice == "required"):
        name = forced or next(iter(functions))
        calls = [PlannedCall(name, arguments_for(functions.get(name, {}), text))]
    if BAD_ARGS in text:
        calls = [PlannedCall(call.name, BAD_ARGUMENTS_TEXT) for call in calls]
    return calls[:1] if parallel is False else calls[:MAX_CALLS]


def call_id(seed: str, index: int) -> str:
    return "call_" + hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()[:24]


def _functions(tools: Any) -> dict[str, dict]:
    """name -> parameters schema of each function tool, in order."""
    found: dict[str, dict] = {}
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            params = function.get("parameters")
            found[function["name"]] = {
                "parameters": params if isinstance(params, dict) else {},
                "description": str(function.get("description") or ""),
            }
    return found


def _forced_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, dict):
        function = tool_choice.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return function["name"]
    return None


def _last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content if isinstance(content, str) else ""
    return ""


def _calls_for(text: str, functions: dict[str, dict], forced: str | None) -> list[PlannedCall]:
    named = MARKER.findall(text)
    bare = MARKER.sub(" ", text).replace(BAD_ARGS, " ").replace(LOOP, " ")
    if named:
        return [PlannedCall(name, arguments_for(functions.get(name, {}), bare)) for name in dict.fromkeys(named)]
    clauses = [c for c in _CLAUSES.split(bare) if c and c.strip()]
    matched = [next((name for name in functions if _names(name, functions[name], c)), None) for c in clauses]
    calls: list[PlannedCall] = []
    for clause, own, tool in zip(clauses, matched, _carried(matched)):
        if tool is None or (own is None and not _entity(clause)) or (forced and tool != forced):
            continue
        call = PlannedCall(tool, arguments_for(functions[tool], clause))
        if call not in calls:
            calls.append(call)
    return calls


def _carried(matched: list[str | None]) -> list[str | None]:
    """Each clause's tool: its own, else the one named before it, else the first named after
    ("北京和上海的天气": the weather of both)."""
    carried, current = [], None
    for name in matched:
        current = name or current
        carried.append(current)
    first = next((name for name in matched if name), None)
    return [name or first for name in carried]


def _names(name: str, function: dict, clause: str) -> bool:
    lowered = clause.lower()
    if name.lower() in lowered or name.lower().replace("_", " ") in lowered:
        return True
    words = {_stem(w) for w in re.findall(r"[a-z]+", lowered)}
    return bool(_keywords(name, function["description"]) & (words | _bigrams(clause)))


def _stem(word: str) -> str:
    """Words alike in their first six letters are one ("calculate", "calculator")."""
    return word[:6]


def _keywords(name: str, description: str) -> set[str]:
    parts = re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower())
    words = re.findall(r"[a-z]+", description.lower())
    latin = {w for w in parts if len(w) >= 4} | {w for w in words if len(w) >= 5}
    return {_stem(w) for w in latin - _STOP_WORDS} | _bigrams(description)


def _bigrams(text: str) -> set[str]:
    runs = re.findall(f"[{_CJK}]+", text)
    return {run[i : i + 2] for run in runs for i in range(len(run) - 1)}


def _entity(clause: str) -> str | None:
    """The thing a clause is about: quoted text, a capitalised name, or a Chinese name."""
    quoted = _QUOTED.search(clause)
    if quoted:
        return quoted.group(1).strip()
    words = clause.strip()
    names = [
        m.group(0) for m in _CAPITALISED.finditer(words) if m.group(0).split()[0].lower().strip("'’") not in _STARTERS
    ]
    if names:
        return names[-1].strip()
    if _HAS_CJK.search(clause):
        lead = _CJK_LEAD.sub("", re.sub(f"^[^{_CJK}]+", "", clause.strip()))
        return re.split(r"[的在是吗呢？?。!！ ]", lead)[0][:8] or None
    return None


def arguments_for(function: dict, clause: str) -> dict:
    """Arguments valid for the function's parameters schema, filled from the clause."""
    value = _value(function.get("parameters") or {"type": "object"}, "", clause)
    return value if isinstance(value, dict) else {}


def _value(schema: Any, name: str, clause: str) -> Any:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return next((v for v in schema["enum"] if str(v).lower() in clause.lower()), schema["enum"][0])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _value(schema[key][0], name, clause)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _BY_TYPE.get(kind, lambda s, n, c: None)(schema, name, clause)


def _object(schema: dict, name: str, clause: str) -> dict:
    declared = schema.get("properties")
    properties: dict = declared if isinstance(declared, dict) else {}
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    names = required or list(properties)
    return {key: _value(properties.get(key, {"type": "string"}), key, clause) for key in names}


def _string(schema: dict, name: str, clause: str) -> str:
    expression = _expression(clause) if re.search(r"expr|formula|math|calc", name, re.IGNORECASE) else None
    text = expression or _entity(clause) or " ".join(clause.split())[:60] or name or "x"
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    text = text.ljust(low, "x") if isinstance(low, int) else text
    return text[:high] if isinstance(high, int) and high >= 0 else text


def _expression(clause: str) -> str | None:
    found = [m.group(0).strip() for m in _EXPRESSION.finditer(clause)]
    with_operator = [e for e in found if re.search(r"\d\s*[-+*/%^]\s*[\d(]", e)]
    return max(with_operator, key=len) if with_operator else None


def _number(schema: dict, name: str, clause: str) -> float | int:
    found = _NUMBER.findall(clause)
    value = float(found[0]) if found else schema.get("minimum", 1)
    if isinstance(schema.get("minimum"), (int, float)):
        value = max(value, schema["minimum"])
    if isinstance(schema.get("maximum"), (int, float)):
        value = min(value, schema["maximum"])
    return int(value) if schema.get("type") == "integer" or float(value).is_integer() else value


def _array(schema: dict, name: str, clause: str) -> list:
    count = max(1, schema.get("minItems", 1) if isinstance(schema.get("minItems"), int) else 1)
    return [_value(schema.get("items") or {"type": "string"}, name, clause) for _ in range(count)]


_BY_TYPE = {
    "object": _object,
    "string": _string,
    "number": _number,
    "integer": _number,
    "boolean": lambda s, n, c: False,
    "array": _array,
    "null": lambda s, n, c: None,
}


# ---------------------------------------------------------------- after the results

ANSWER = {
    "en": {
        "intro": "Here is what the tools returned:",
        "empty": "(an empty result)",
        "end": "That is everything the tools said; ask me to look anything else up.",
    },
    "zh": {
        "intro": "工具返回的结果如下：",
        "empty": "（空结果）",
        "end": "以上就是工具给出的全部信息，还需要查什么尽管说。",
    },
}
QUOTE_CHARS = 300


def results_answer(messages: list[dict]) -> str | None:
    """The text answer to the tool results at the end of `messages`, quoting each; None when the
    conversation does not end with tool results."""
    results = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(message)
    if not results:
        return None
    names = _call_names(messages[-len(results) - 1] if len(messages) > len(results) else {})
    words = ANSWER["zh" if _HAS_CJK.search(_last_user_text(messages)) else "en"]
    lines = [words["intro"], ""]
    for message in reversed(results):
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        text = " ".join(text.split())[:QUOTE_CHARS] or words["empty"]
        name = names.get(message.get("tool_call_id"), "tool")
        lines.append(f"- **{name}**: {text}")
    return "\n".join([*lines, "", words["end"]])


def _call_names(assistant: dict) -> dict[str | None, str]:
    calls = assistant.get("tool_calls") if isinstance(assistant, dict) else None
    names: dict[str | None, str] = {}
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict) and isinstance(call.get("function"), dict):
            names[call.get("id")] = str(call["function"].get("name") or "tool")
    return names


# ---------------------------------------------------------------- what OpenAI refuses

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def request_problem(body: dict) -> str | None:
    """Why OpenAI would answer 400 to the request's tools, tool_choice or tool messages."""
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        return "tools must be an array of {type: function, function: {...}}."
    names = []
    for index, tool in enumerate(tools or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            return f'tools[{index}] must be {{"type": "function", "function": {{...}}}}.'
        if not isinstance(function.get("name"), str) or not _NAME.match(function["name"]):
            return f"tools[{index}].function.name must be 1-64 letters, digits, '_' or '-'."
        if "parameters" in function and not isinstance(function["parameters"], dict):
            return f"tools[{index}].function.parameters must be a JSON Schema object."
        names.append(function["name"])
    forced = _forced_name(body.get("tool_choice"))
    if forced is not None and forced not in names:
        return f"tool_choice names '{forced}', which is not among the tools."
    if body.get("tool_choice") not in (None, "auto", "none", "required") and forced is None:
        return "tool_choice must be 'auto', 'none', 'required' or {type: function, function: {name}}."
    return _tool_messages_problem(body.get("messages") or [])


def _tool_messages_problem(messages: list) -> str | None:
    asked: set = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant":
            asked = {c.get("id") for c in message.get("tool_calls") or [] if isinstance(c, dict)}
        elif message.get("role") == "tool" and message.get("tool_call_id") not in asked:
            return (
                "messages with role 'tool' must be a response to a preceding message with "
                "'tool_calls' (no call has the id in tool_call_id)."
            )
    return None
