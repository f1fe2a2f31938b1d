"""Chat: a conversation's settings and history, turned into what the API is sent. No Streamlit
in this package. This module is its core; beside it are sending a message (`send_flow`), 1-3
models streaming at once (`compare`), replies kept as they stream (`reply_saving`), a
conversation as a file (`transcripts`), images attached (`attached_images`), the model features
(`features`, with `structured` and `extra_params`), function calling (`tools`, `tool_turns`,
`tool_chain`) and a request as code (`code_export`).

A conversation's settings are a plain dict stored with it (`ChatSettings`): the model, the system
prompt, and each sampling parameter with an on/off switch, so that a parameter that is off is not
sent at all. A message's `meta` is a plain dict too (`MessageMeta`). Both are TypedDicts: types
for the checker over the JSON the store keeps, not a different shape at run time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, cast

from lib.chat import attached_images, features, tools
from lib.client import ChatStream

HISTORY_PAGE = 50
TITLE_CHARS = 48
DEFAULT_MODEL = "gpt-4o-mini"
# What a model id looks like across the relay family ("gpt-4o-mini", "Qwen/Qwen2.5-72B-Instruct",
# "meta-llama/llama-3.1-8b:free", "models/gemini-2.5-pro"): no spaces, no control characters.
MODEL_NAME = re.compile(r"\w[\w.:/@+-]{0,199}")


def is_model_name(value: object) -> bool:
    return isinstance(value, str) and MODEL_NAME.fullmatch(value) is not None


@dataclass(frozen=True)
class Param:
    name: str
    default: float | int | str
    low: float | int | None = None
    high: float | int | None = None
    step: float | int | None = None


PARAMS = (
    Param("temperature", 1.0, 0.0, 2.0, 0.05),
    Param("top_p", 1.0, 0.0, 1.0, 0.01),
    Param("max_tokens", 1024, 1, 32768, 1),
    Param("presence_penalty", 0.0, -2.0, 2.0, 0.1),
    Param("frequency_penalty", 0.0, -2.0, 2.0, 0.1),
    Param("seed", 42, 0, 2**31 - 1, 1),
    Param("stop", ""),
)


class ParamSetting(TypedDict):
    on: bool  # sent only when on
    value: float | int | str  # the type of the Param's default


class ChatSettings(tools.ToolSettings, features.ChatOptions):
    """A conversation's settings as `merged_settings` gives them: every key there (older saved
    settings lack some, so readers of a saved dict take it as a Mapping)."""

    model: str
    system: str  # the system prompt's template, with `{{variables}}`
    params: dict[str, ParamSetting]  # by Param name
    compare_on: bool
    compare: list[str]  # up to MAX_COMPARE models
    blind: bool
    variables: dict[str, str]
    imported_sha256: str | None
    prompt: dict[str, Any] | None  # `lib.prompts.reference`


class MessageMeta(features.ReplyExtras, total=False):
    """What a message keeps beside its text; every key is optional (a user's message has few)."""

    # a reply's figures (`reply_meta`)
    model: str
    ttft: float | None
    tps: float | None
    tokens: int
    prompt_tokens: int | None
    credits: float
    finish_reason: str | None
    request_id: str | None
    elapsed: float | None
    stopped: bool
    thinking: str
    thinking_seconds: float | None
    first_thinking: float | None
    reasoning_tokens: int
    tool_calls: list[dict[str, Any]]  # as the API's assistant message carries them
    # how it ended
    incomplete: bool
    interrupted: bool  # saved while streaming (lib/chat/reply_saving.py)
    failed: bool
    error: str  # the error kind
    server_message: str
    # where it sits
    compare_group: int
    column: int  # of a comparison, 0..MAX_COMPARE-1
    tool_call_id: str  # a tool result's call
    name: str  # a tool result's tool
    chain_limit: int
    variables: dict[str, str]  # a user message's filled `{{variables}}`
    attachments: list[dict[str, Any]]  # lib/chat/attached_images.py
    versions: list[dict[str, Any]]  # a reply's answers, each {"content", "meta"}
    version: int  # the one shown


MAX_COMPARE = 3
MAX_SERVER_MESSAGE_CHARS = 500  # the server's own words kept with a failed turn
# Why a reply ended early, as the API says it; each gets a note under the reply and a Continue.
UNFINISHED_REASONS = ("length", "content_filter")


def default_settings(model: str = DEFAULT_MODEL) -> ChatSettings:
    """`compare_on`/`compare`: the models answering side by side (`blind`: as "Model A/B/C" until
    the user votes); `variables`: the values last
    filled in for the system prompt's `{{variables}}`; `imported_sha256`: the hash of the file an
    imported conversation came from, so the same file is not imported twice; `prompt`: the prompt
    version the conversation was opened with (`lib.prompts.reference`), or None."""
    return {
        "model": model,
        "system": "",
        "params": {p.name: {"on": False, "value": p.default} for p in PARAMS},
        "compare_on": False,
        "compare": [],
        "blind": False,
        "variables": {},
        "imported_sha256": None,
        "prompt": None,
        **tools.default_settings(),
        **features.default_options(),
    }


def merged_settings(saved: Mapping[str, Any] | None) -> ChatSettings:
    """Saved settings over the defaults, so settings written by older versions still load."""
    settings = default_settings()
    saved = saved or {}
    settings["model"] = saved.get("model") or settings["model"]
    settings["system"] = saved.get("system") or ""
    for name, value in (saved.get("params") or {}).items():
        if name in settings["params"] and isinstance(value, dict):
            settings["params"][name] = cast(ParamSetting, {**settings["params"][name], **value})
    settings["compare_on"] = bool(saved.get("compare_on"))
    settings.update(features.merged_options(saved))
    settings["blind"] = bool(saved.get("blind"))
    compare = saved.get("compare")
    if isinstance(compare, list):
        settings["compare"] = [str(m) for m in compare if isinstance(m, str)][:MAX_COMPARE]
    variables = saved.get("variables")
    if isinstance(variables, dict):
        settings["variables"] = {str(k): str(v) for k, v in variables.items()}
    if isinstance(saved.get("imported_sha256"), str):
        settings["imported_sha256"] = saved["imported_sha256"]
    settings.update(tools.merged(saved))
    if isinstance(saved.get("prompt"), dict):
        settings["prompt"] = saved["prompt"]
    return settings


def compare_models(settings: Mapping[str, Any]) -> list[str]:
    """The models of a side-by-side send, or [] when the next send goes to one model."""
    models = settings["compare"] if settings["compare_on"] else []
    return models if len(models) >= 2 else []


def reply_models(settings: Mapping[str, Any]) -> list[str]:
    """The models the next send asks: the comparison's, or the one model."""
    return compare_models(settings) or [settings["model"]]


def request_params(settings: Mapping[str, Any]) -> dict:
    """Only the parameters switched on, in the types the API expects, then the model-feature
    options switched on (lib/chat/features.py) and the extra parameters over them all."""
    sent: dict[str, Any] = {}
    for param in PARAMS:
        entry = settings["params"][param.name]
        if not entry["on"]:
            continue
        value = entry["value"]
        if param.name == "stop":
            stops = [s for s in str(value).split("\n") if s]
            if stops:
                sent["stop"] = stops
        elif isinstance(param.default, int):
            sent[param.name] = int(value)
        else:
            sent[param.name] = float(value)
    sent.update(tools.request_fields(settings))
    return features.with_extra({**sent, **features.request_options(settings)}, settings)


def api_messages(system: str, history: list, *, column: int = 0, now: datetime | None = None) -> list[dict]:
    """The message list for the API: the system prompt, then every answered turn.

    A turn whose reply failed outright (or never came: the user stopped it before any text) is
    not part of the conversation the model sees, its question included, until it is retried;
    the last message, the one being sent, always is. A reply cut short is kept, since the user
    read it. Of a side-by-side comparison, each column continues its own answers (`column`); a
    one-model send continues the first column's. Images are sent as `image_url` parts, except
    uploads past their expiry: the provider has deleted them.
    """
    turns = [
        m for m in history if m.role in ("user", "assistant", "tool") and (m.meta or {}).get("column", column) == column
    ]
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system.strip() else []
    answered = {(m.meta or {}).get("tool_call_id") for m in turns if m.role == "tool"}
    for message, following in zip(turns, [*turns[1:], None]):
        meta = message.meta or {}
        if meta.get("failed") or (
            message.role == "user"
            and following is not None
            and (following.role == "user" or (following.meta or {}).get("failed"))
        ):
            continue
        messages.append({"role": message.role, "content": _content(message.content, meta, now)})
        tools.with_call_fields(messages, meta, answered)
    return messages


def _content(text: str, meta: dict, now: datetime | None) -> str | list[dict]:
    urls = attached_images.sendable_urls(meta.get("attachments") or [], now or datetime.now(UTC))
    if not urls:
        return text
    return [{"type": "text", "text": text}, *({"type": "image_url", "image_url": {"url": u}} for u in urls)]


def title_from(prompt: str) -> str:
    line = " ".join(prompt.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def reply_meta(stream: ChatStream) -> MessageMeta:
    """What is shown under a reply and kept with it."""
    meta: MessageMeta = {
        "model": stream.model,
        "ttft": stream.ttft,
        "tps": stream.tokens_per_second,
        "tokens": stream.tokens,
        "prompt_tokens": stream.prompt_tokens,
        "credits": stream.credits,
        "finish_reason": stream.finish_reason,
        "request_id": stream.request_id,
        "elapsed": stream.elapsed,
    }
    if stream.stopped:
        meta["stopped"] = True
    if stream.thinking.strip():
        meta["thinking"] = stream.thinking.strip()
        meta["thinking_seconds"] = stream.thinking_seconds
        meta["first_thinking"] = stream.first_thinking
    if stream.reasoning_tokens:
        meta["reasoning_tokens"] = stream.reasoning_tokens
    if stream.tool_calls:
        meta["tool_calls"] = [c.as_message() for c in stream.tool_calls]
    meta.update(features.reply_extras(stream))
    return meta


DATE_GROUPS = ("today", "yesterday", "week", "older")
LONG_MESSAGE_CHARS, LONG_MESSAGE_LINES = 1500, 25


def date_group(moment: datetime, now: datetime) -> str:
    """Where a conversation last changed, as the sidebar groups them (both times in the user's
    zone): today, yesterday, the last 7 days, or older."""
    days = (now.date() - moment.date()).days
    return "today" if days <= 0 else "yesterday" if days == 1 else "week" if days < 7 else "older"


def is_long(text: str) -> bool:
    """A message long enough to be shown folded (a pasted document)."""
    return len(text) > LONG_MESSAGE_CHARS or text.count("\n") >= LONG_MESSAGE_LINES


_ADDED_UP = ("tokens", "credits", "elapsed")


def continued(
    content: str, meta: Mapping[str, Any], more: str, more_meta: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A cut reply extended in place by its continuation: one text, one meta line (tokens,
    credits and time added up; how the continuation ended is how the reply ends now). A reply
    with versions keeps the extended text as the version shown."""
    merged = {
        **{k: v for k, v in meta.items() if k not in ("stopped", "incomplete", "error", "server_message")},
        **{k: v for k, v in more_meta.items() if k not in ("ttft", "prompt_tokens")},
    }
    for name in _ADDED_UP:
        if meta.get(name) is not None or more_meta.get(name) is not None:
            merged[name] = (meta.get(name) or 0) + (more_meta.get(name) or 0)
    text = content + more
    if merged.get("versions"):
        shown = merged.get("version", 0)
        merged["versions"] = [
            {"content": text, "meta": _bare(merged)} if i == shown else v for i, v in enumerate(merged["versions"])
        ]
    return text, merged


def group_turns(history: list) -> list[list]:
    """Messages as shown: each alone, except a comparison's replies, which sit side by side."""
    groups: list[list] = []
    for message in history:
        group_id = (message.meta or {}).get("compare_group")
        if group_id is not None and groups and (groups[-1][0].meta or {}).get("compare_group") == group_id:
            groups[-1].append(message)
        else:
            groups.append([message])
    return groups


# ---------------------------------------------------------------- a reply's versions


def versions_of(message) -> list[dict]:
    """A reply's answers so far, each {"content", "meta"}: the ones regenerated before it, and
    itself. Failed answers are left out: they have nothing to go back to."""
    meta = message.meta or {}
    versions = meta.get("versions") or [{"content": message.content, "meta": meta}]
    return [v for v in versions if not v["meta"].get("failed")]


def showing(versions: list[dict], index: int) -> tuple[str, dict]:
    """The content and meta of a reply showing `versions[index]` and carrying them all. The
    message's own content is the one shown, so the context sent next follows what is on screen."""
    chosen = versions[index]
    return chosen["content"], {**chosen["meta"], "versions": versions, "version": index}


def with_new_version(earlier: list[dict], content: str, meta: dict) -> tuple[str, dict]:
    """A new answer added after the `earlier` ones, and shown."""
    return showing([*earlier, {"content": content, "meta": _bare(meta)}], len(earlier))


def _bare(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k not in ("versions", "version")}
