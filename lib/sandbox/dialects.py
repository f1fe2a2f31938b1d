"""The dialects the sandbox speaks: one table row per dialect, consulted by the handlers.

Servers of this family answer the same calls with other shapes (docs/API.md, "Dialects"). The
sandbox can answer as each of three, switched at start (`--dialect`, `start_sandbox(dialect=)`)
or at run time (`POST /sandbox/dialect`), so the client's reading of each (lib/dialects.py) is
tested against real HTTP answers:

- `reshi`: the provider's own document, exactly as the sandbox always answered.
- `new-api`: the Go relay most such services run on (QuantumNous/new-api): task answers in its
  `{"code": "success", "data": …}` envelope, UPPER-case task words, `"45%"` progress, the file
  in `metadata.url`, `supported_endpoint_types` on models, 403 `insufficient_user_quota`.
  Its tool calls come as one chunk each, `arguments` an object (not a JSON string), no call
  ids, and `finish_reason: "stop"` (as relays of Gemini-style upstreams send them).
- `openai`: OpenAI's own Sora 2 API: `POST /videos` with `seconds` and `size`, a `video` object
  with no URL (the bytes at `GET /videos/{id}/content`), 429 `insufficient_quota`, image URLs,
  and no legacy billing routes.

Every dialect keeps the sandbox's `/api/v1` prefix, its timeline, prices, faults and markers:
only the words and shapes change.

A reasoning model's thinking streams first, in the dialect's field (`reasoning_shape`):
`reasoning_content` (new-api, DeepSeek, this provider), `reasoning` (OpenRouter, vLLM) or inline
`<think>…</think>` at the start of the content (a model served raw). The control API can set the
shape apart from the dialect, so each one the client reads is tested over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

# The sandbox's own task words (VideoTask.progress_at), which each dialect translates.
QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "in_progress", "completed", "failed"
FAILED_MESSAGE = "Video generation failed: the sandbox was asked to fail this task ([fail])."

# The video routes a dialect serves; a route it does not serve answers its `no_route` error.
GENERATIONS = "generations"  # POST /videos/generations, GET /videos/generations/{id} (the document)
VIDEOS = "videos"  # POST /videos, GET /videos/{id} (OpenAI's Sora 2 API)
CONTENT = "content"  # GET /videos/{id}/content: the MP4 bytes (OpenAI; new-api proxies it)

# Where a reasoning model's thinking goes in a chunk's delta (or a whole reply's message).
REASONING_CONTENT, REASONING, THINK_TAG = "reasoning_content", "reasoning", "think_tag"
REASONING_SHAPES = (REASONING_CONTENT, REASONING, THINK_TAG)
THINK_OPEN, THINK_CLOSE = "<think>\n", "\n</think>\n\n"

# Why an answer is refused: each dialect says it with its own status, words and codes.
MISSING_KEY, UNKNOWN_KEY, DISABLED_KEY = "missing_key", "unknown_key", "disabled_key"
OUT_OF_CREDIT, NO_ROUTE = "out_of_credit", "no_route"


# How a dialect's tool calls carry their arguments: JSON text in fragments, or one object.
ARGUMENTS_TEXT, ARGUMENTS_OBJECT = "text", "object"
ARGUMENT_PIECE_CHARS = 8  # text arguments stream in pieces this long, as real servers split them


@dataclass(frozen=True)
class Refusal:
    """An error answer: `message` may name {cost}, {method} and {path}."""

    status: int
    message: str
    type: str
    code: str | None


@dataclass(frozen=True)
class TaskFacts:
    """What a video task's answer says: `status` and `progress` in the sandbox's words and as a
    0-100 int, until Dialect.task_answer puts them in the dialect's."""

    id: str
    model: str
    prompt: str
    created_at: int
    duration: int
    aspect_ratio: str
    size: str
    status: str
    progress: Any
    video_url: str | None  # the absolute file URL once completed
    completed_at: int | None
    failed: bool


@dataclass(frozen=True)
class Dialect:
    name: str
    status_words: Mapping[str, str]  # sandbox word -> the dialect's word
    progress: Callable[[int], Any]  # a 0-100 percent -> the dialect's form
    task_shape: Callable[[TaskFacts], dict]  # the task object
    envelope: Callable[[Any], Any]  # around a task answer
    models_list: Callable[[list], dict]  # the /models body around its entries
    video_routes: frozenset[str]
    image_format: str  # "JPEG" or "PNG", in b64_json or at a URL
    image_as_url: bool
    model_fields: Callable[[str, str], dict]  # (kind, owner) -> extra fields of a /models entry
    image_models: bool  # whether /models lists the image model too
    serves_billing: bool
    refusals: Mapping[str, Refusal]
    tool_arguments: str = ARGUMENTS_TEXT  # ARGUMENTS_TEXT or ARGUMENTS_OBJECT
    tool_call_ids: bool = True  # whether each call carries an id
    tool_finish_reason: str = "tool_calls"  # the finish_reason of a reply that calls tools

    reasoning_shape: str = REASONING_CONTENT

    def tool_call_deltas(self, calls: list, ids: list[str]) -> list[dict]:
        """The stream's deltas for `calls` (lib/sandbox/tool_calls.PlannedCall): the first of each
        call names it; text arguments follow in pieces, an object comes whole."""
        deltas = []
        for index, (call, call_id) in enumerate(zip(calls, ids)):
            whole = self.tool_arguments == ARGUMENTS_OBJECT and not isinstance(call.arguments, str)
            head = self._tool_call(index, call, call_id, call.arguments if whole else "")
            deltas.append({"tool_calls": [head]})
            text = "" if whole else call.arguments_text()
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": text[i : i + ARGUMENT_PIECE_CHARS]}}]}
                for i in range(0, len(text), ARGUMENT_PIECE_CHARS)
            ]
        return deltas

    def tool_calls_message(self, calls: list, ids: list[str]) -> list[dict]:
        """`message.tool_calls` of a complete (not streamed) reply."""
        return [
            {k: v for k, v in self._tool_call(index, call, call_id, self._arguments(call)).items() if k != "index"}
            for index, (call, call_id) in enumerate(zip(calls, ids))
        ]

    def _arguments(self, call) -> Any:
        if self.tool_arguments == ARGUMENTS_OBJECT and not isinstance(call.arguments, str):
            return call.arguments
        return call.arguments_text()

    def _tool_call(self, index: int, call, call_id: str, arguments: Any) -> dict:
        entry = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": arguments},
        }
        if not self.tool_call_ids:
            del entry["id"]
        return entry

    def task_answer(self, facts: TaskFacts) -> Any:
        """The whole answer about a task (create and poll alike), in this dialect."""
        shown = replace(facts, status=self.status_words[facts.status], progress=self.progress(facts.progress))
        return self.envelope(self.task_shape(shown))


# --- task shapes -------------------------------------------------------------------------------


def _reshi_task(task: TaskFacts) -> dict:
    """The document's task object: `video_url` when completed, `error` (a string) when failed."""
    view = {
        "id": task.id,
        "object": "video.generation",
        "status": task.status,
        "model": task.model,
        "prompt": task.prompt,
        "created_at": task.created_at,
        "progress": task.progress,
        "duration": task.duration,
        "aspect_ratio": task.aspect_ratio,
    }
    if task.video_url:
        view["video_url"] = task.video_url
    if task.failed:
        view["error"] = FAILED_MESSAGE
    return view


def _new_api_task(task: TaskFacts) -> dict:
    """new-api's task DTO: `task_id` (its numeric row `id` is not sent, it is no task id),
    `fail_reason`, `submit_time`/`finish_time`, and the file in `metadata.url`, where its
    OpenAI-video adaptor puts it (the case reported in issue 11)."""
    view = {
        "task_id": task.id,
        "platform": "sora",
        "action": "generate",
        "model": task.model,
        "status": task.status,
        "progress": task.progress,
        "submit_time": task.created_at,
        "finish_time": task.completed_at or 0,
        "fail_reason": FAILED_MESSAGE if task.failed else "",
    }
    if task.video_url:
        view["metadata"] = {"url": task.video_url}
    return view


def _openai_video(task: TaskFacts) -> dict:
    """OpenAI's video object (`GET /v1/videos/{id}`): `seconds` and `size` as strings, an
    `error` object when failed, and never a URL: the bytes are at `/videos/{id}/content`."""
    return {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": task.status,
        "progress": task.progress,
        "created_at": task.created_at,
        "completed_at": task.completed_at,
        "expires_at": None,
        "prompt": task.prompt,
        "seconds": str(task.duration),
        "size": task.size,
        "remixed_from_video_id": None,
        "error": {"code": "video_generation_failed", "message": FAILED_MESSAGE} if task.failed else None,
    }


# --- envelopes, progress forms, models -----------------------------------------------------------


def _bare(payload: Any) -> Any:
    return payload


def _code_success(payload: Any) -> dict:
    """new-api's task routes (TaskResponse): `{"code": "success", "message": "", "data": …}`."""
    return {"code": "success", "message": "", "data": payload}


def _percent_string(percent: int) -> str:
    """new-api's task progress, e.g. "45%"."""
    return f"{percent}%"


def _openai_list(entries: list) -> dict:
    return {"object": "list", "data": entries}


def _new_api_list(entries: list) -> dict:
    """new-api's ListModels adds `success: true` to OpenAI's list."""
    return {"success": True, "object": "list", "data": entries}


def _no_fields(kind: str, owner: str) -> dict:
    return {}


# new-api's /v1/models lists, per model, the endpoint types it serves (constant.EndpointType).
NEW_API_ENDPOINT_TYPES = {"chat": ["openai"], "video": ["openai-video"], "image": ["image-generation"]}


def _new_api_model_fields(kind: str, owner: str) -> dict:
    return {"supported_endpoint_types": NEW_API_ENDPOINT_TYPES[kind]}


# --- the refusals -------------------------------------------------------------------------------

_RESHI_REFUSALS = {
    MISSING_KEY: Refusal(
        401,
        "Missing API key: send the header 'Authorization: Bearer <your key>'.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    UNKNOWN_KEY: Refusal(
        401, "Invalid API key: it is not known to this server.", "invalid_request_error", "invalid_api_key"
    ),
    DISABLED_KEY: Refusal(403, "This API key has been disabled in the console.", "permission_error", "key_disabled"),
    OUT_OF_CREDIT: Refusal(
        402, "Insufficient credits: this call costs {cost:g} credits.", "insufficient_quota", "insufficient_credits"
    ),
    NO_ROUTE: Refusal(404, "Not Found", "invalid_request_error", "not_found"),
}

# new-api's own errors (abortWithOpenAiMessage) are OpenAI-shaped with type "new_api_error"; its
# token check says 未提供令牌 / 无效的令牌 / 该令牌状态不可用, and an empty account is 403
# insufficient_user_quota "用户额度不足" (pre-consume quota check).
_NEW_API_REFUSALS = {
    MISSING_KEY: Refusal(401, "未提供令牌", "new_api_error", None),
    UNKNOWN_KEY: Refusal(401, "无效的令牌", "new_api_error", None),
    DISABLED_KEY: Refusal(403, "该令牌状态不可用", "new_api_error", None),
    OUT_OF_CREDIT: Refusal(
        403, "用户额度不足, 剩余额度不足以支付 {cost:g} 积分", "new_api_error", "insufficient_user_quota"
    ),
    NO_ROUTE: Refusal(404, "Invalid URL ({method} {path})", "invalid_request_error", None),
}

# OpenAI: 401 invalid_api_key, 429 insufficient_quota (waiting never helps), 404 "Invalid URL".
_OPENAI_REFUSALS = {
    MISSING_KEY: Refusal(
        401,
        "You didn't provide an API key. You need to provide your API key in an "
        "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error",
        None,
    ),
    UNKNOWN_KEY: Refusal(
        401,
        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    DISABLED_KEY: Refusal(403, "This API key has been disabled.", "permission_error", "key_disabled"),
    OUT_OF_CREDIT: Refusal(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
        "insufficient_quota",
    ),
    NO_ROUTE: Refusal(404, "Invalid URL ({method} {path})", "invalid_request_error", None),
}

_SAME_WORDS = MappingProxyType({w: w for w in (QUEUED, IN_PROGRESS, COMPLETED, FAILED)})

DIALECTS: Mapping[str, Dialect] = MappingProxyType(
    {
        dialect.name: dialect
        for dialect in (
            Dialect(
                name="reshi",
                status_words=_SAME_WORDS,
                progress=int,
                task_shape=_reshi_task,
                envelope=_bare,
                models_list=_openai_list,
                video_routes=frozenset({GENERATIONS}),
                image_format="JPEG",
                image_as_url=False,
                model_fields=_no_fields,
                image_models=False,
                serves_billing=True,
                refusals=MappingProxyType(_RESHI_REFUSALS),
            ),
            # new-api's task status constants (SUBMITTED, IN_PROGRESS, SUCCESS, FAILURE); its billing
            # routes send hard_limit_usd as remaining + used, as the sandbox always has.
            Dialect(
                name="new-api",
                status_words=MappingProxyType(
                    {QUEUED: "SUBMITTED", IN_PROGRESS: "IN_PROGRESS", COMPLETED: "SUCCESS", FAILED: "FAILURE"}
                ),
                progress=_percent_string,
                task_shape=_new_api_task,
                envelope=_code_success,
                models_list=_new_api_list,
                video_routes=frozenset({GENERATIONS, CONTENT}),
                image_format="PNG",
                image_as_url=False,
                model_fields=_new_api_model_fields,
                image_models=True,
                serves_billing=True,
                refusals=MappingProxyType(_NEW_API_REFUSALS),
                tool_arguments=ARGUMENTS_OBJECT,
                tool_call_ids=False,
                tool_finish_reason="stop",
            ),
            # OpenAI retired the legacy billing routes for API keys: they are unknown URLs there.
            Dialect(
                name="openai",
                status_words=_SAME_WORDS,
                progress=int,
                task_shape=_openai_video,
                envelope=_bare,
                models_list=_openai_list,
                video_routes=frozenset({VIDEOS, CONTENT}),
                image_format="PNG",
                image_as_url=True,
                model_fields=_no_fields,
                image_models=False,
                serves_billing=False,
                refusals=MappingProxyType(_OPENAI_REFUSALS),
                reasoning_shape=REASONING,
            ),
        )
    }
)
DEFAULT_DIALECT = "reshi"


def thinking_deltas(shape: str, tokens: list[str]) -> list[dict]:
    """The deltas that stream a reply's thinking, one token each, in `shape`."""
    if shape == THINK_TAG and tokens:
        return [{"content": text} for text in [THINK_OPEN, *tokens, THINK_CLOSE]]
    return [{shape: token} for token in tokens]


def thinking_message(shape: str, thinking: str, answer: str) -> dict:
    """A whole reply's message with its thinking in `shape`."""
    if not thinking:
        return {"content": answer or None}
    if shape == THINK_TAG:
        return {"content": THINK_OPEN + thinking + THINK_CLOSE + answer}
    return {shape: thinking, "content": answer or None}
