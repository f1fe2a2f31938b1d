"""The Chat page's model-feature settings: reasoning effort, response format (with its JSON
Schema), token probabilities and extra parameters. No Streamlit here.

They live in the conversation's settings dict beside the sampling parameters (so they are saved
with the conversation, carried to the next new chat and into presets), and each is sent only
when switched on. What a reply did with them (its thinking, its JSON checked against the schema
that was sent, its token probabilities) is read from the stream into the reply's meta here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from lib.chat import extra_params, structured
from lib.client import ChatStream

EFFORT_OFF = "off"
EFFORTS = (EFFORT_OFF, "minimal", "low", "medium", "high")
DEFAULT_TOP_LOGPROBS = 5
MAX_TOP_LOGPROBS = 20
OPTION_KEYS = (
    "reasoning_effort",
    "response_format",
    "schema",
    "schema_name",
    "schema_strict",
    "logprobs",
    "top_logprobs",
    "extra",
)


class ChatOptions(TypedDict):
    """The model-feature part of a conversation's settings (`lib.chat.ChatSettings`)."""

    reasoning_effort: str  # one of EFFORTS
    response_format: str  # one of structured.RESPONSE_FORMATS
    schema: str  # the JSON Schema as typed
    schema_name: str
    schema_strict: bool
    logprobs: bool
    top_logprobs: int  # 0..MAX_TOP_LOGPROBS
    extra: str  # extra parameters, as typed (lib/chat/extra_params.py)


class ReplyExtras(TypedDict, total=False):
    """What a reply's meta keeps of these features (`lib.chat.MessageMeta`)."""

    structured: dict[str, Any]  # `structured.ReplyCheck.as_meta()`, plus the schema sent
    logprobs: list[list[Any]]  # [token, logprob, [[alternative, logprob], ...]] per token


def default_options() -> ChatOptions:
    return {
        "reasoning_effort": EFFORT_OFF,
        "response_format": structured.TEXT,
        "schema": "",
        "schema_name": structured.DEFAULT_SCHEMA_NAME,
        "schema_strict": True,
        "logprobs": False,
        "top_logprobs": DEFAULT_TOP_LOGPROBS,
        "extra": "",
    }


def merged_options(saved: Mapping[str, Any]) -> ChatOptions:
    """Saved options over the defaults; a value of the wrong type keeps the default."""
    chosen: dict[str, Any] = dict(default_options())
    for key, default in chosen.items():
        value = saved.get(key)
        if type(value) is type(default):
            chosen[key] = value
    options = cast(ChatOptions, chosen)  # each value has its default's type
    if options["reasoning_effort"] not in EFFORTS:
        options["reasoning_effort"] = EFFORT_OFF
    if options["response_format"] not in structured.RESPONSE_FORMATS:
        options["response_format"] = structured.TEXT
    options["top_logprobs"] = min(max(options["top_logprobs"], 0), MAX_TOP_LOGPROBS)
    return options


def request_options(settings: Mapping[str, Any]) -> dict:
    """What the options add to a request: only those switched on."""
    sent: dict[str, Any] = {}
    if settings.get("reasoning_effort", EFFORT_OFF) != EFFORT_OFF:
        sent["reasoning_effort"] = settings["reasoning_effort"]
    response_format = structured.response_format(
        settings.get("response_format", structured.TEXT),
        settings.get("schema", ""),
        settings.get("schema_name", ""),
        settings.get("schema_strict", True),
    )
    if response_format:
        sent["response_format"] = response_format
    if settings.get("logprobs"):
        sent.update(logprobs=True, top_logprobs=settings.get("top_logprobs", DEFAULT_TOP_LOGPROBS))
    return sent


def with_extra(params: dict, settings: Mapping[str, Any]) -> dict:
    """`params` with the settings' extra parameters over them (none while they are refused)."""
    return extra_params.merged(params, settings.get("extra", ""))


def options_problem(settings: Mapping[str, Any]) -> tuple[str, structured.Problem] | None:
    """What stops a send: ("schema", why) when a JSON schema is asked for and the one typed is
    not one; ("extra", why) when the extra parameters are refused."""
    if settings.get("response_format") == structured.JSON_SCHEMA:
        problem = structured.schema_problem(settings.get("schema", ""))
        if problem:
            return "schema", problem
    refused = extra_params.parse_extra(settings.get("extra", "")).problem
    return ("extra", refused) if refused else None


MAX_THINKING_CHARS = 200_000


def stored_logprobs_ok(value: Any) -> bool:
    """Whether stored token probabilities have the compact shape `lib.dialects.token_logprobs`
    writes (an imported file may hold anything)."""

    def pair_ok(pair: Any) -> bool:
        return (
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], (int, float))
            and not isinstance(pair[1], bool)
            and pair[1] <= 0
        )

    return isinstance(value, list) and all(
        isinstance(e, list)
        and len(e) == 3
        and pair_ok(e[:2])
        and isinstance(e[2], list)
        and len(e[2]) <= MAX_TOP_LOGPROBS
        and all(pair_ok(a) for a in e[2])
        for e in value
    )


def _sent_schema(body: dict) -> tuple[bool, dict | None]:
    """Whether a request asked for JSON, and the schema it sent."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") not in (
        structured.JSON_OBJECT,
        structured.JSON_SCHEMA,
    ):
        return False, None
    schema = (response_format.get("json_schema") or {}).get("schema")
    return True, schema if isinstance(schema, dict) else None


def reply_extras(stream: ChatStream) -> ReplyExtras:
    """The meta a reply keeps of these features: its JSON checked against the schema that was
    sent (`structured`), and its token probabilities (`logprobs`)."""
    extras: ReplyExtras = {}
    asked, schema = _sent_schema(stream.request_body)
    if asked and stream.text:
        extras["structured"] = {
            **structured.check_reply(stream.text, schema).as_meta(),
            **({"schema": schema} if schema else {}),
        }
    if stream.logprobs:
        extras["logprobs"] = stream.logprobs
    return extras
