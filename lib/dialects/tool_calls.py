"""Tool calls, whole or in a stream's fragments, in one meaning whatever the server sends
(lib/client/tool_calls.py puts the fragments together)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from lib.dialects._values import is_text
from lib.jsonpaths import Path, dig


class ToolCallPiece(NamedTuple):
    """One fragment of a streamed (or one whole) tool call, in one meaning whatever the server."""

    index: int  # type: ignore[assignment]  # a field named like tuple.index: the wire's own name
    id: str | None
    name: str | None
    arguments: str  # text to append, or the whole arguments when `whole`
    whole: bool


# Where a delta (or a complete message) carries its calls: OpenAI's `tool_calls` list, then the
# legacy single `function_call` (one call, index 0). First path with a value wins.
_TOOL_CALL_PATHS: tuple[tuple[Path, bool], ...] = ((("tool_calls",), True), (("function_call",), False))
# How each server sends `arguments`: JSON text in fragments (OpenAI, and most relays), or the
# whole arguments as an object or array at once (relays of Gemini-style upstreams, Ollama).
_ARGUMENT_FORMS: tuple[tuple[type, bool], ...] = ((str, False), (dict, True), (list, True))
# A reply that carries tool calls ends with one of these: OpenAI's `tool_calls`, the legacy
# `function_call`, or `stop` (relays that do not translate their upstream's word): all mean
# "the model called tools".
TOOL_CALL_FINISH_REASONS = ("tool_calls", "function_call", "stop")


def tool_call_pieces(holder: Any) -> list[ToolCallPiece]:
    """The tool-call fragments in a stream's `delta` or a reply's `message`. A fragment without
    `index` is placed by its position; one without `id` gets none (the client makes one)."""
    for path, is_list in _TOOL_CALL_PATHS:
        found = dig(holder, path)
        if found:
            entries = found if is_list and isinstance(found, list) else [found]
            return [
                piece
                for position, entry in enumerate(entries)
                if (piece := _tool_call_piece(entry, position, is_list)) is not None
            ]
    return []


def _tool_call_piece(entry: Any, position: int, is_list: bool) -> ToolCallPiece | None:
    if not isinstance(entry, dict):
        return None
    function = entry.get("function") if is_list else entry
    function = function if isinstance(function, dict) else {}
    index = entry.get("index")
    index = index if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 128 else position
    call_id, name = entry.get("id"), function.get("name")
    arguments, whole = _arguments_text(function.get("arguments"))
    return ToolCallPiece(
        index, call_id if is_text(call_id) else None, name if is_text(name) else None, arguments, whole
    )


def _arguments_text(value: Any) -> tuple[str, bool]:
    for form, whole in _ARGUMENT_FORMS:
        if isinstance(value, form):
            return (json.dumps(value, ensure_ascii=False) if whole else str(value)), whole
    return "", False


def finish_reason_with_calls(reason: str | None, has_calls: bool) -> str | None:
    """The finish_reason in OpenAI's word: `tool_calls` when the reply called tools."""
    return "tool_calls" if has_calls and reason in TOOL_CALL_FINISH_REASONS else reason
