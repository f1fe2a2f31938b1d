"""Deterministic JSON answers for `response_format`: an instance generated from the schema
asked for (types, enums, consts, required keys, nested objects and arrays, local `$ref`s), or,
for the `[badjson]` marker, one that breaks it, so a client's validation can be tested."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

WORDS = ("harbour", "lantern", "ledger", "compass", "meadow", "signal", "orchard", "harvest")
FORMATS = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "time": "09:30:00",
    "email": "ada@example.com",
    "uri": "https://example.com/item",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
}
MAX_DEPTH = 8


def instance_for(schema: Any, rng: random.Random, root: Any = None, depth: int = 0) -> Any:
    """A value valid for `schema` (for the keywords listed above; others are not honoured)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if isinstance(schema.get("$ref"), str):
        return instance_for(_resolve(root, schema["$ref"]), rng, root, depth + 1)
    if "const" in schema:
        return copy.deepcopy(schema["const"])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return copy.deepcopy(rng.choice(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return instance_for(schema[key][0], rng, root, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict = {}
        for part in schema["allOf"]:
            merged.update(part if isinstance(part, dict) else {})
        return instance_for({**merged, **{k: v for k, v in schema.items() if k != "allOf"}}, rng, root, depth + 1)
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, rng, root, depth)
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        low = schema.get("minItems", 1) if isinstance(schema.get("minItems"), int) else 1
        high = schema.get("maxItems", 2) if isinstance(schema.get("maxItems"), int) else 2
        return [instance_for(items, rng, root, depth + 1) for _ in range(max(low, min(2, high)))]
    if kind in ("integer", "number"):
        return _number(schema, rng, kind)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return _string(schema, rng)


def broken_for(schema: Any, rng: random.Random) -> Any:
    """A JSON value that is not valid for `schema`: an object missing its first required key
    (or with its first property of a wrong type), anything else of a wrong type."""
    value = instance_for(schema, rng)
    if isinstance(value, dict) and isinstance(schema, dict):
        required = [k for k in schema.get("required") or [] if k in value]
        if required:
            del value[required[0]]
            return value
        if value:
            key = next(iter(value))
            value[key] = 12345 if isinstance(value[key], str) else "not the right type"
            return value
    return "not the right type" if not isinstance(value, str) else 12345


def answer_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _resolve(root: Any, ref: str) -> Any:
    """A local reference (`#/$defs/name`); anything else resolves to an empty schema."""
    if not ref.startswith("#"):
        return {}
    node = root
    for step in filter(None, ref[1:].split("/")):
        node = node.get(step.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _type_of(schema: dict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _object(schema: dict, rng: random.Random, root: Any, depth: int) -> dict:
    declared = schema.get("properties")
    properties: dict = declared if isinstance(declared, dict) else {}
    value = {name: instance_for(sub, rng, root, depth + 1) for name, sub in properties.items()}
    for name in schema.get("required") or []:
        if isinstance(name, str) and name not in value:
            value[name] = rng.choice(WORDS)
    return value


def _number(schema: dict, rng: random.Random, kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 100))
    low, high = (low, high) if isinstance(low, (int, float)) and isinstance(high, (int, float)) else (0, 100)
    if kind == "integer":
        lo, hi = int(low) + ("exclusiveMinimum" in schema), int(high) - ("exclusiveMaximum" in schema)
        return rng.randint(lo, hi) if lo <= hi else lo
    return round(low + (high - low) * (0.25 + rng.random() / 2), 2)


def _string(schema: dict, rng: random.Random) -> str:
    if schema.get("format") in FORMATS:
        return FORMATS[schema["format"]]
    text = rng.choice(WORDS)
    min_length, max_length = schema.get("minLength"), schema.get("maxLength")
    low = min_length if isinstance(min_length, int) else 0
    high = max_length if isinstance(max_length, int) else None
    while len(text) < low:
        text += " " + rng.choice(WORDS)
    return text[:high] if high is not None else text
