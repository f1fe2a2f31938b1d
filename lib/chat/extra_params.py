"""Extra parameters: a JSON object a user types, merged into a request body as it is sent
(`n`, `top_k`, a provider's own keys). No Streamlit here.

The rule, in one place: the text must be a JSON object; it may not set the keys the app itself
owns (`RESERVED`: which model, which messages, streamed or not); every other key it sets goes
into the body as typed, over the value a setting would send (it is the advanced, explicit
choice). A refused text is never merged, and never lost: the UI keeps showing it with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.chat.structured import Problem, parse_json

RESERVED = ("model", "messages", "stream")
NOT_AN_OBJECT, RESERVED_KEYS = "not_an_object", "reserved_keys"


@dataclass(frozen=True)
class ExtraParams:
    """The parsed object (empty when the text is blank or refused) and why it was refused."""

    values: dict
    problem: Problem | None = None


def parse_extra(text: str) -> ExtraParams:
    """Blank text is no extra parameters; anything else must be a JSON object without
    RESERVED keys. Refusals: NOT_JSON (line, column, reason), NOT_AN_OBJECT (the type found),
    RESERVED_KEYS (the keys, comma-separated, in `reason`)."""
    if not (text or "").strip():
        return ExtraParams({})
    value, problem = parse_json(text)
    if problem:
        return ExtraParams({}, problem)
    if not isinstance(value, dict):
        return ExtraParams({}, Problem(NOT_AN_OBJECT, _json_type(value)))
    reserved = [key for key in RESERVED if key in value]
    if reserved:
        return ExtraParams({}, Problem(RESERVED_KEYS, ", ".join(reserved)))
    return ExtraParams(value)


def merged(params: dict, text: str) -> dict:
    """`params` with the extra parameters of `text` over them (none when `text` is refused)."""
    return {**params, **parse_extra(text).values}


def _json_type(value) -> str:
    """The JSON name of a value's type, as a user reads it in their JSON."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(type(value), "value")
