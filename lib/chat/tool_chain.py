"""Function calling without a person: a chain of calls answered with the tools' mock results,
and the checks a run holds it to ("calls the tool X", "the arguments of X match"). No
Streamlit; for the Workbench (one chain per cell) and anything else that runs unattended.

`run_chain` asks, answers each call with its tool's mock (a call to a tool that is not
defined, or has no mock, gets an error result the model can read), and asks again, until the
model answers in text or `max_steps` replies have called tools. Every step is one chat call,
so each lands in the ledger on its own row. The checks say why they failed as a problem code
(`TOOL_PROBLEMS`, which the page words in the user's language) and a detail (names, a path).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

from lib.chat import tools
from lib.client import ChatStream, ReshiClient, ToolCall

NOT_CALLED, ARGUMENTS_DIFFER, ARGUMENTS_NOT_JSON = "tool_not_called", "tool_arguments_differ", "tool_arguments_not_json"
TOOL_PROBLEMS = (NOT_CALLED, ARGUMENTS_DIFFER, ARGUMENTS_NOT_JSON)
SCHEMA_KEYS = ("type", "properties", "$schema", "required", "items", "enum", "anyOf", "oneOf", "allOf")


@dataclass
class Chain:
    """What a chain did: its calls (in order, each {"name", "arguments" (text), "parsed"}), the
    final text, and whether it stopped at the step limit or was stopped. `step_messages` are
    the assistant and tool messages of its steps answered so far (after the prompt): a chain
    that ended early goes on from them."""

    calls: list[dict] = field(default_factory=list)
    text: str = ""
    steps: int = 0
    reached_limit: bool = False
    stopped: bool = False
    credits: float = 0.0
    tokens: int = 0
    seconds: float = 0.0
    step_messages: list[dict] = field(default_factory=list)


def mock_result(settings_tools: list[dict], call: ToolCall) -> str:
    """A call's result from its tool's mock, or an error the model can read."""
    tool = tools.find(settings_tools, call.name)
    if tool is None:
        return json.dumps({"error": f"no tool named {call.name}"})
    if not tool["mock"].strip():
        return json.dumps({"error": f"{call.name} has no mock result"})
    return tools.result_text(tools.fill_mock(tool["mock"], call.parsed if call.arguments_ok else {}))


Ask = Callable[[list[dict], dict], ChatStream]  # (messages, request fields) -> a reply streamed to its end


def run_chain(
    client: ReshiClient,
    model: str,
    messages: list[dict],
    settings: Mapping[str, Any],
    params: dict | None = None,
    max_steps: int = tools.DEFAULT_STEPS,
    stop: threading.Event | None = None,
    ask: Ask | None = None,
    chain: Chain | None = None,
) -> Chain:
    """The chain for `messages` with the tools of `settings` (the Chat page's shape,
    `lib.chat.tools.ToolSettings`: `tools`, `tool_choice`, `parallel_tool_calls`); errors of a call are raised as the client raises them.
    `ask` sends one step (the Workbench's: the client's retries, and Stop); by default it is streamed as is.
    `chain` is filled in place (so when a step raises, it holds the steps before); given with
    steps already (an earlier, unfinished run of the chain), it goes on after them."""
    chain = chain if chain is not None else Chain()
    request = {**(params or {}), **tools.request_fields(settings)}
    ask = ask or (lambda step_messages, fields: _drained(client.chat.stream(model, step_messages, **fields)))
    while True:
        if stop is not None and stop.is_set():
            chain.stopped = True
            break
        stream = ask([*messages, *chain.step_messages], request)
        chain.credits, chain.tokens = chain.credits + stream.credits, chain.tokens + (stream.tokens or 0)
        chain.seconds += stream.elapsed or 0.0
        calls = stream.tool_calls
        if not calls:
            chain.text = stream.text
            break
        chain.steps += 1
        chain.calls += [{"name": c.name, "arguments": c.arguments, "parsed": c.parsed} for c in calls]
        if chain.steps >= max_steps:
            chain.reached_limit = True
            break
        chain.step_messages += [
            {"role": "assistant", "content": stream.text or None, "tool_calls": [c.as_message() for c in calls]},
            *({"role": "tool", "tool_call_id": c.id, "content": mock_result(settings["tools"], c)} for c in calls),
        ]
    return chain


def _drained(stream: ChatStream) -> ChatStream:
    for _ in stream:
        pass
    return stream


# ---------------------------------------------------------------- the checks


@dataclass(frozen=True)
class CallCheck:
    """A check's verdict on a chain's calls: `problem` (in TOOL_PROBLEMS) and `detail` say why not."""

    passed: bool
    problem: str = ""
    detail: str = ""


def calls_tool(calls: list[dict], name: str) -> CallCheck:
    """Whether any step called `name`; if not, the detail names what was called ("-": nothing)."""
    if any(call["name"] == name for call in calls):
        return CallCheck(True)
    return CallCheck(False, NOT_CALLED, ", ".join(dict.fromkeys(c["name"] for c in calls)) or "-")


def arguments_match(calls: list[dict], name: str, expected: str) -> CallCheck:
    """Whether some call of `name` has arguments that hold the `expected` JSON: a JSON Schema
    they are valid for, or else a subset of them (every key and value of `expected` found in
    them, nested objects alike). The detail is the first call's first difference."""
    try:
        wanted = json.loads(expected)
    except json.JSONDecodeError as exc:
        return CallCheck(False, ARGUMENTS_DIFFER, f"expected: {exc.msg}")
    own = [c for c in calls if c["name"] == name]
    if not own:
        return calls_tool(calls, name)
    found = []
    for call in own:
        if call["parsed"] is None:
            found.append(CallCheck(False, ARGUMENTS_NOT_JSON, call["arguments"][:80]))
            continue
        reason = (
            _schema_reason(wanted, call["parsed"]) if _is_schema(wanted) else _subset_reason(wanted, call["parsed"])
        )
        if reason is None:
            return CallCheck(True)
        found.append(CallCheck(False, ARGUMENTS_DIFFER, reason))
    return found[0]


def _is_schema(value: Any) -> bool:
    return isinstance(value, dict) and any(key in value for key in SCHEMA_KEYS)


def _schema_reason(schema: dict, arguments: Any) -> str | None:
    try:
        errors = sorted(Draft202012Validator(schema).iter_errors(arguments), key=lambda e: list(map(str, e.path)))
    except SchemaError as exc:
        return f"schema: {exc.message}"
    return f"{tools.json_path(errors[0].absolute_path)}: {errors[0].message}" if errors else None


def _subset_reason(wanted: Any, found: Any, path: tuple = ()) -> str | None:
    if isinstance(wanted, dict):
        if not isinstance(found, dict):
            return f"{tools.json_path(path)}: {json.dumps(found, ensure_ascii=False)[:80]} ≠ {{…}}"
        for key, value in wanted.items():
            if key not in found:
                return f"{tools.json_path((*path, key))}: ∅"
            reason = _subset_reason(value, found[key], (*path, key))
            if reason:
                return reason
        return None
    if wanted != found:
        return f"{tools.json_path(path)}: {json.dumps(found, ensure_ascii=False)[:80]} ≠ {json.dumps(wanted, ensure_ascii=False)[:80]}"
    return None
