"""The dialects of the relay family, read into one meaning: pure functions, no HTTP.

The provider's own document (docs/API.md) is one dialect. Servers built on new-api or one-api,
and OpenAI's own Sora video API, answer the same calls with other field names, other envelopes,
other status words and other error codes. Each variant is one row in a table below; the first
row that matches wins, so a table's order is its rule where dialects conflict. docs/API.md,
"Dialects", is the same tables in prose.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote

from lib import errors
from lib.jsonpaths import Path, dig, first
from lib.video_status import COMPLETED, QUEUED, parse_progress

# ---------------------------------------------------------------------------------- envelopes

# (field, values that mean success). {"code": "success", "data": ...} is new-api's task route
# (TaskResponse); {"success": true, "data": ...} its management routes and this provider's upload.
# Values are matched with their type: `0` and `False` are different answers.
_ENVELOPES: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("code", ("success", 0, "0", 200, "200")),
    ("success", (True,)),
)


def unwrap_envelope(body: Any) -> Any:
    """The payload inside a success envelope; a bare object (or anything else) as it came.

    An envelope that says failure (`success: false`, or a `code` that is not a success value
    with no `data`) raises the typed error its code and message name, whatever the HTTP status:
    new-api answers some failures with 200.
    """
    if not isinstance(body, dict):
        return body
    for field, ok_values in _ENVELOPES:
        if field not in body:
            continue
        if _is_one_of(body[field], ok_values):
            return body.get("data", body)
        if body.get("data") is None and "message" in body:
            raise _error_inside(body)
    return body


def _is_one_of(value: Any, accepted: tuple[Any, ...]) -> bool:
    return any(type(value) is type(ok) and value == ok for ok in accepted)


# ---------------------------------------------------------------------------------- video tasks

# Where each field of a task lives, best first. The provider's own names lead, then OpenAI's
# video object (`id`, `status`, `progress`, `error.message`), then new-api's task DTO
# (`task_id`, `status` "SUCCESS", `progress` "100%", `fail_reason`).
_ID_PATHS: tuple[Path, ...] = (("id",), ("task_id",), ("data", "id"), ("data", "task_id"), ("request_id",))
_STATUS_PATHS: tuple[Path, ...] = (("status",), ("state",), ("task_status",))
_PROGRESS_PATHS: tuple[Path, ...] = (("progress",),)
# The documented `video_url` wins over every generic name; new-api's /v1/videos route puts the
# file in `metadata.url`; OpenAI's Sora object has no URL at all (see video_content_url).
_VIDEO_URL_PATHS: tuple[Path, ...] = (
    ("video_url",), ("url",), ("result_url",), ("metadata", "url"), ("data", 0, "url"),
    ("results", 0), ("results", 0, "url"), ("output",), ("output", 0), ("outputs", 0), ("outputs", 0, "url"),
)
# When the server took the task and when it finished it, in Unix seconds: OpenAI's video object
# (`created_at`, `completed_at`), new-api's task DTO (`submit_time`, `finish_time`, 0 until done).
_SUBMITTED_PATHS: tuple[Path, ...] = (("created_at",), ("submit_time",))
_FINISHED_PATHS: tuple[Path, ...] = (("completed_at",), ("finish_time",), ("finished_at",))
_LONGEST_TASK_SECONDS = 7 * 24 * 3600   # a longer "took" is a wrong clock, not a task
_ERROR_PATHS: tuple[Path, ...] = (
    ("error", "message"), ("error",), ("fail_reason",), ("failure_reason",), ("error_message",), ("error", "code"),
)


class TaskFields(NamedTuple):
    id: str
    raw_status: str
    progress: float | None
    video_url: str | None
    error: str | None
    took_seconds: float | None = None   # finished - submitted, by the server's own clock


def task_from_body(body: Any) -> TaskFields:
    """A video task's id, raw status, progress (0-100), video URL and failure reason.

    With no status at all a task is `queued`, or `completed` when it already names its video.
    Raises MalformedResponseError when no id can be found.
    """
    outer = unwrap_envelope(body)
    if not isinstance(outer, dict):
        raise errors.MalformedResponseError("video: the answer is not an object")
    id_path, task_id = first(outer, _ID_PATHS, _is_id)
    if id_path is None:
        raise errors.MalformedResponseError("video: no task id in the answer")
    # A task id found under `data` means the task itself is `data`: read the rest there too.
    task = outer["data"] if id_path[0] == "data" else outer
    video_url = first(task, _VIDEO_URL_PATHS, _is_http_url)[1]
    raw_status = first(task, _STATUS_PATHS, _is_text)[1] or (COMPLETED if video_url else QUEUED)
    progress = parse_progress(first(task, _PROGRESS_PATHS, _is_progress)[1])
    return TaskFields(id=str(task_id), raw_status=str(raw_status), progress=progress,
                      video_url=video_url, error=first(task, _ERROR_PATHS, _is_text)[1],
                      took_seconds=_took_seconds(task))


def _took_seconds(task: dict[str, Any]) -> float | None:
    """How long the server says the task ran, when it sends both of its times (both on its own
    clock, so ours may differ); None without them or when they make no sense."""
    submitted = first(task, _SUBMITTED_PATHS, _is_unix_time)[1]
    finished = first(task, _FINISHED_PATHS, _is_unix_time)[1]
    if submitted is None or finished is None or not 0 <= finished - submitted <= _LONGEST_TASK_SECONDS:
        return None
    return float(finished - submitted)


class VideoRoute(NamedTuple):
    """Where a dialect creates and polls video tasks, and the body it creates them with."""
    create: str
    status: str  # with {id}
    body: Callable[[str, str, int, str], dict[str, Any]]


def _generations_body(prompt: str, model: str, duration: int, aspect_ratio: str) -> dict[str, Any]:
    return {"prompt": prompt, "model": model, "duration": duration, "aspect_ratio": aspect_ratio}


# OpenAI's Sora 2 API takes `seconds` as one of three strings and `size` in pixels; it has no square.
_OPENAI_SECONDS = (4, 8, 12)
_OPENAI_SIZES = {"16:9": "1280x720", "9:16": "720x1280"}


def _openai_videos_body(prompt: str, model: str, duration: int, aspect_ratio: str) -> dict[str, Any]:
    if aspect_ratio not in _OPENAI_SIZES:
        raise errors.BadRequestError(f"this server's video API (OpenAI's) has no {aspect_ratio} size: "
                                     f"choose {' or '.join(_OPENAI_SIZES)}")
    seconds = min(_OPENAI_SECONDS, key=lambda allowed: abs(allowed - duration))
    return {"prompt": prompt, "model": model, "seconds": str(seconds), "size": _OPENAI_SIZES[aspect_ratio]}


# Tried in order until one is not a 404: the provider's documented route (new-api serves it
# too), then OpenAI's `/videos`, which has no `/videos/generations`.
VIDEO_ROUTES: tuple[VideoRoute, ...] = (
    VideoRoute("/videos/generations", "/videos/generations/{id}", _generations_body),
    VideoRoute("/videos", "/videos/{id}", _openai_videos_body),
)


def video_content_url(base_url: str, task_id: str) -> str:
    """Where the bytes of a finished video are when the task names no URL.

    OpenAI's Sora API (`GET /v1/videos/{id}/content`) and new-api's `/v1/videos` route serve the
    file here, with the same Authorization as the API itself.
    """
    return f"{base_url.rstrip('/')}/videos/{quote(task_id, safe='')}/content"


def _is_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != ""


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_http_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _is_unix_time(value: Any) -> bool:
    """Seconds since 1970 as a number; 0 (new-api's "not yet") and other types are not a time."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _is_progress(value: Any) -> bool:
    return parse_progress(value) is not None


# ---------------------------------------------------------------------------------- errors

class _ErrorRule(NamedTuple):
    statuses: tuple[int, ...]        # empty: any status
    codes: tuple[str, ...]           # any of the body's codes (error.code, error.type, flat code)
    markers: tuple[str, ...]         # or any of these in the server's message, case-insensitive
    error: type[errors.ReshiError]


# First match wins; no match falls back to the HTTP status (lib.errors.class_for_status).
_ERROR_RULES: tuple[_ErrorRule, ...] = (
    # new-api and one-api: 403 `insufficient_user_quota`, "用户额度不足" (the account is empty).
    _ErrorRule((), ("insufficient_user_quota",), ("用户额度不足",), errors.CreditsError),
    # OpenAI: 429 `insufficient_quota`, "You exceeded your current quota": waiting never helps.
    _ErrorRule((429,), ("insufficient_quota",), (), errors.CreditsError),
    # new-api and one-api token checks (ValidateUserToken) answer 401 with these words, and new-api's
    # pre-charge 403 `pre_consume_token_quota_failed`: the key itself, not the account. Only on
    # 401/403: a 5xx may relay an upstream's own "token expired", which is no fault of this key.
    _ErrorRule((401, 403), (), ("令牌已过期", "token has expired", "token expired"), errors.TokenExpiredError),
    _ErrorRule((401, 403), ("pre_consume_token_quota_failed",), ("令牌额度已用尽", "token quota exhausted"),
               errors.TokenExhaustedError),
    # OpenAI images: 400 `content_policy_violation` when the safety system refuses the prompt.
    _ErrorRule((), ("content_policy_violation",), (), errors.ContentFilteredError),
    # A 200 with an error inside: new-api/one-api billing routes report their own failures so.
    _ErrorRule((200,), ("upstream_error", "new_api_error", "one_api_error"), (), errors.ServerError),
)
_CODE_PATHS: tuple[Path, ...] = (("error", "code"), ("error", "type"), ("code",))


def error_kind_for(status: int, body: bytes | str) -> tuple[type[errors.ReshiError], str]:
    """The typed error an answer means, from its status, its code and its message."""
    message = errors.server_message_from(body)
    codes = _codes_of(body)
    lowered = message.lower()
    for rule in _ERROR_RULES:
        if rule.statuses and status not in rule.statuses:
            continue
        if codes.intersection(rule.codes) or any(marker.lower() in lowered for marker in rule.markers):
            return rule.error, message
    return errors.class_for_status(status), message


def error_for(status: int, body: bytes | str, *, request_id: str | None = None,
              retry_after: float | None = None, scrub: Callable[[str], str] = str) -> errors.ReshiError:
    """The error instance for an answer; `scrub` cleans the server's words (the client masks keys)."""
    cls, message = error_kind_for(status, body)
    extra = {"retry_after": retry_after} if issubclass(cls, errors.RateLimitError) else {}
    return cls(scrub(message), status=status, request_id=request_id, **extra)


def _error_inside(body: dict[str, Any]) -> errors.ReshiError:
    """The error a 200 answer carries in its body (a failure envelope, a billing `error`)."""
    return error_for(200, json.dumps(body, ensure_ascii=False))


def _codes_of(body: bytes | str) -> set[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    found = (dig(data, path) for path in _CODE_PATHS)
    return {str(code).lower() for code in found if isinstance(code, (str, int)) and not isinstance(code, bool)}


# ---------------------------------------------------------------------------------- images

_IMAGE_LIST_PATH: Path = ("data",)
_IMAGE_B64_PATHS: tuple[Path, ...] = (("data", 0, "b64_json"), ("data", 0, "b64"))
_IMAGE_URL_PATHS: tuple[Path, ...] = (("data", 0, "url"),)


def image_from_body(body: Any, max_bytes: float = math.inf) -> tuple[bytes | None, str | None]:
    """The first image of an answer: its decoded bytes, or else its URL (one of the two is set).

    `b64_json` carries no type (OpenAI's images API and the provider's Gemini route): the bytes
    tell PNG from JPEG (lib.imagetypes), never a declared type. A `data:` prefix is dropped.
    An empty `data` list is a safety filter's silence (OpenAI and Gemini relays drop filtered
    images and answer 200): ContentFilteredError. An image over `max_bytes` is refused on the
    length of its text, before anything is decoded.
    """
    body = unwrap_envelope(body)
    if dig(body, _IMAGE_LIST_PATH) == []:
        raise errors.ContentFilteredError("images: the answer holds no image")
    encoded = first(body, _IMAGE_B64_PATHS, _is_text)[1]
    if encoded:
        return _decode_base64(encoded, max_bytes), None
    url = first(body, _IMAGE_URL_PATHS, _is_http_url)[1]
    if url:
        return None, url
    raise errors.MalformedResponseError("images: neither b64_json nor url in data[0]")


def _decode_base64(encoded: str, max_bytes: float) -> bytes:
    payload = encoded.split(",", 1)[1] if encoded.startswith("data:") else encoded
    if len(payload) > max_bytes * 4 / 3 + 4:  # base64: 4 characters for every 3 bytes
        raise errors.ResponseTooLargeError(f"images: b64_json image larger than {max_bytes:.0f} bytes")
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        raise errors.MalformedResponseError("images: b64_json is not base64") from None


# ---------------------------------------------------------------------------------- billing

# new-api and one-api write this figure for a key with unlimited quota (token.UnlimitedQuota).
UNLIMITED_USD = 100_000_000
# What `hard_limit_usd` counts: new-api sends remaining + used, one-api the remaining alone.
HARD_LIMIT_IS_TOTAL, HARD_LIMIT_IS_REMAINING = "total", "remaining"


@dataclass(frozen=True)
class BillingFigures:
    """A balance in the server's unit: `remaining` is math.inf when the key is unlimited."""
    remaining: float
    used: float
    unlimited: bool = False

    @property
    def total(self) -> float:
        return self.remaining + self.used


def billing_from(subscription: Any, usage: Any, hard_limit_is: str = HARD_LIMIT_IS_TOTAL) -> BillingFigures:
    """The balance from the legacy billing pair (`/dashboard/billing/subscription` and `/usage`).

    `total_usage` is in cents of the unit in both new-api and one-api. The bodies cannot tell
    which of the two meanings `hard_limit_usd` has, so `hard_limit_is` says (default: total,
    as new-api and this provider's sandbox send it); a total smaller than what was used can
    only be a remaining, and is read so. Either body carrying an `error` (new-api and one-api
    answer their own failures with 200) raises that typed error; a missing figure raises
    MalformedResponseError.
    """
    subscription, usage = (_billing_body(body) for body in (subscription, usage))
    used = _figure(usage, "total_usage") / 100
    hard_limit = _figure(subscription, "hard_limit_usd")
    if hard_limit >= UNLIMITED_USD:
        return BillingFigures(remaining=math.inf, used=used, unlimited=True)
    as_total = hard_limit_is == HARD_LIMIT_IS_TOTAL and hard_limit >= used
    return BillingFigures(remaining=hard_limit - used if as_total else hard_limit, used=used)


def _billing_body(body: Any) -> dict[str, Any]:
    body = unwrap_envelope(body)
    if isinstance(body, dict) and body.get("error"):
        raise _error_inside(body)
    if not isinstance(body, dict):
        raise errors.MalformedResponseError("billing: the answer is not an object")
    return body


def _figure(body: dict[str, Any], field: str) -> float:
    try:
        value = float(body[field])
    except (KeyError, TypeError, ValueError):
        raise errors.MalformedResponseError(f"billing: no number in '{field}'") from None
    if not math.isfinite(value):
        raise errors.MalformedResponseError(f"billing: '{field}' is not a finite number")
    return value


# ---------------------------------------------------------------------------------- models

# new-api lists, per model, the endpoints it serves (`supported_endpoint_types`). These serve chat.
CHAT_ENDPOINT_TYPES = frozenset({"openai", "openai-response", "anthropic", "gemini"})
# Owners whose models make only images, video or music, as relays label them in `owned_by`.
MEDIA_OWNERS = frozenset({"midjourney", "mj", "suno", "kling", "jimeng", "vidu", "runway", "luma"})
# With neither field, the model's name says what it is.
NON_CHAT_NAME_MARKERS = ("sora", "dall-e", "imagen", "whisper", "tts", "embedding", "image", "veo")


def is_chat_model(model: dict[str, Any]) -> bool:
    """Whether a `/models` entry belongs in the chat picker: its endpoints, else its owner, else its name.

    A model that lists its endpoints is chat when any of them is a chat endpoint, whatever its
    name: the list keeps out models whose names carry no marker (new-api lists
    `nano-banana-pro-preview` under image-generation, rerankers under jina-rerank).
    """
    endpoints = model.get("supported_endpoint_types")
    if isinstance(endpoints, list) and endpoints:
        return any(str(kind).lower() in CHAT_ENDPOINT_TYPES for kind in endpoints)
    if str(model.get("owned_by") or "").lower() in MEDIA_OWNERS:
        return False
    name = str(model.get("id") or "").lower()
    return not any(marker in name for marker in NON_CHAT_NAME_MARKERS)


# ---------------------------------------------------------------------------------- tool calls

class ToolCallPiece(NamedTuple):
    """One fragment of a streamed (or one whole) tool call, in one meaning whatever the server."""
    index: int  # type: ignore[assignment]  # a field named like tuple.index: the wire's own name
    id: str | None
    name: str | None
    arguments: str          # text to append, or the whole arguments when `whole`
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
            return [piece for position, entry in enumerate(entries)
                    if (piece := _tool_call_piece(entry, position, is_list)) is not None]
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
    return ToolCallPiece(index, call_id if _is_text(call_id) else None, name if _is_text(name) else None,
                         arguments, whole)


def _arguments_text(value: Any) -> tuple[str, bool]:
    for form, whole in _ARGUMENT_FORMS:
        if isinstance(value, form):
            return (json.dumps(value, ensure_ascii=False) if whole else str(value)), whole
    return "", False


def finish_reason_with_calls(reason: str | None, has_calls: bool) -> str | None:
    """The finish_reason in OpenAI's word: `tool_calls` when the reply called tools."""
    return "tool_calls" if has_calls and reason in TOOL_CALL_FINISH_REASONS else reason


# ---------------------------------------------------------------------------------- chat streams

# What a piece of a streamed reply is: the model's thinking (shown apart, never sent back) or
# its answer. A new kind (tool calls) is a new value and new rows below.
THINKING, ANSWER = "thinking", "answer"


class DeltaField(NamedTuple):
    kind: str
    path: Path   # inside a chunk's `choices[0].delta`, or a whole reply's `choices[0].message`


# Where each kind of text is in a chunk's delta. Of the rows of one kind, the first with text
# wins, so a server that sends the same thinking under two names is read once.
DELTA_FIELDS: tuple[DeltaField, ...] = (
    DeltaField(THINKING, ("reasoning_content",)),   # new-api, DeepSeek, this provider
    DeltaField(THINKING, ("reasoning",)),           # OpenRouter, vLLM, Ollama's OpenAI route
    DeltaField(ANSWER, ("content",)),
)
# Thinking written inline at the start of the answer (DeepSeek-R1 and Qwen served raw, vLLM
# without a reasoning parser): (opening tag, closing tag).
INLINE_THINKING_TAGS: tuple[tuple[str, str], ...] = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
# Where a reply's `usage` counts its thinking tokens (part of completion_tokens).
REASONING_TOKEN_PATHS: tuple[Path, ...] = (
    ("usage", "completion_tokens_details", "reasoning_tokens"), ("usage", "reasoning_tokens"),
)


def delta_texts(delta: Any) -> list[tuple[str, str]]:
    """The (kind, text) pieces of one chunk's delta (or a whole reply's message), in the order
    they are shown: thinking before answer."""
    if not isinstance(delta, dict):
        return []
    found: dict[str, str] = {}
    for row in DELTA_FIELDS:
        value = dig(delta, row.path)
        if row.kind not in found and isinstance(value, str) and value:
            found[row.kind] = value
    return list(found.items())


# Where a choice carries its tokens' probabilities (OpenAI's shape, which relays pass through).
LOGPROBS_PATHS: tuple[Path, ...] = (("logprobs", "content"),)
MAX_ALTERNATIVES = 20


def token_logprobs(choice: Any) -> list[list[Any]]:
    """A choice's token probabilities, compact: [token, logprob, [[alternative, logprob], ...]]
    for each token; entries that are not OpenAI-shaped are left out."""
    entries = first(choice, LOGPROBS_PATHS, lambda v: isinstance(v, list))[1] or []
    return [[e["token"], e["logprob"], [[a["token"], a["logprob"]] for a in (e.get("top_logprobs") or [])[:MAX_ALTERNATIVES]
                                        if _is_logprob_entry(a)]]
            for e in entries if _is_logprob_entry(e)]


def _is_logprob_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("token"), str) and isinstance(entry.get("logprob"), (int, float))
            and not isinstance(entry.get("logprob"), bool) and math.isfinite(entry["logprob"]) and entry["logprob"] <= 0)


def reasoning_tokens(body: Any) -> int | None:
    """The thinking tokens a reply's usage reports, when it does, as a whole number >= 0."""
    tokens = first(body, REASONING_TOKEN_PATHS, lambda n: isinstance(n, int) and not isinstance(n, bool) and n >= 0)[1]
    return tokens if isinstance(tokens, int) else None


class InlineThinking:
    """Splits an answer whose first words are `<think>…</think>` into thinking and answer, as
    the text streams in (a tag may come split over chunks). Only a tag at the very start (after
    whitespace) opens thinking: a tag later in an answer is the answer's own text."""

    def __init__(self) -> None:
        self._held = ""                  # the start of the answer, until it is known to open a tag or not
        self._closing: str | None = None  # inside thinking: the tag that ends it
        self._decided = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        if self._decided and self._closing is None:
            return [(ANSWER, text)] if text else []
        self._held += text
        if not self._decided:
            start = self._held.lstrip()
            opening = next(((o, c) for o, c in INLINE_THINKING_TAGS if start.startswith(o)), None)
            if opening is None:
                if any(o.startswith(start) for o, _ in INLINE_THINKING_TAGS) and start != "":
                    return []   # "<thi": maybe a tag, wait for more
                if not start:
                    return []
                self._decided, held, self._held = True, self._held, ""
                return [(ANSWER, held)]
            self._decided, self._closing = True, opening[1]
            self._held = start[len(opening[0]):].lstrip()
        return self._inside()

    def _inside(self) -> list[tuple[str, str]]:
        closing = self._closing
        assert closing is not None   # only called inside thinking
        end = self._held.find(closing)
        if end < 0:
            # Keep back what could be the start of the closing tag; the rest is thinking.
            keep = next((n for n in range(len(closing) - 1, 0, -1) if self._held.endswith(closing[:n])), 0)
            thought, self._held = self._held[:len(self._held) - keep], self._held[len(self._held) - keep:]
            return [(THINKING, thought)] if thought else []
        thought, rest = self._held[:end], self._held[end + len(closing):].lstrip("\n")
        self._held, self._closing = "", None
        return [(kind, text) for kind, text in ((THINKING, thought), (ANSWER, rest)) if text]

    def flush(self) -> list[tuple[str, str]]:
        """What is held back when the stream ends: a lone "<thi" is answer text; thinking never
        closed stays thinking."""
        held, self._held = self._held, ""
        if not held:
            return []
        return [(THINKING if self._closing else ANSWER, held)]
