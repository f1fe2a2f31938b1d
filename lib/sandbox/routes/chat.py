"""`POST /chat/completions`: the parameters checked as OpenAI checks them, the reply composed
by lib/sandbox/replies.py (tool calls by lib/sandbox/tool_calls.py), whole or as SSE chunks."""

from __future__ import annotations

import asyncio
import json
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lib.credits import pricing
from lib.sandbox import dialects, replies, tool_calls
from lib.sandbox.http import ApiError, json_object
from lib.sandbox.routes.models import CHAT_MODELS, REASONING_MODELS, VIDEO_MODELS
from lib.sandbox.state import SandboxState
from lib.sandbox.steps import Api

REASONING_EFFORTS = ("minimal", "low", "medium", "high")
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")


def routes(api: Api) -> APIRouter:
    router, state = APIRouter(), api.state

    @router.post("/chat/completions")
    async def chat(request: Request):
        key, body = await api.begin(request, pricing.CHAT)
        params = _chat_params(json_object(body))
        prompt, _ = replies.last_user_content(params["messages"])
        if replies.wants_json(params["response_format"]):  # `[badjson]` then breaks the JSON asked for
            prompt = prompt.replace(replies.BAD_JSON_MARKER, "")
        kind = api.fault(pricing.CHAT, prompt, structured=replies.wants_json(params["response_format"]))
        cut = kind == "cut"
        if kind and not (cut and params["stream"]):
            return await api.fault_response(request, kind)
        cost = pricing.credits_for(pricing.CHAT, params["model"])
        api.require_credits(key, cost)
        reply = replies.compose(
            params["messages"],
            params["model"],
            params["max_tokens"],
            params["stop"],
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            effort=params["effort"],
            response_format=params["response_format"],
        )
        shape = state.reasoning_shape or api.dialect.reasoning_shape
        chat_id, created = "chatcmpl-" + secrets.token_hex(12), int(state.now())
        reply = _with_tool_calls(reply, body, chat_id, api.dialect)
        if params["stream"]:
            chunks = _chat_chunks(state, key, cost, reply, chat_id, created, params, cut, shape)
            return StreamingResponse(chunks, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        state.charge(key, cost)
        return {
            "id": chat_id,
            "object": "chat.completion",
            "created": created,
            "model": params["model"],
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": reply.finish_reason,
                    "logprobs": _logprobs(replies.tokenize(reply.text), params, replies.language_of(reply.text)),
                    "message": {
                        "role": "assistant",
                        "refusal": None,
                        **dialects.thinking_message(shape, reply.thinking, reply.text),
                        **({"tool_calls": reply.tool_calls} if reply.tool_calls else {}),
                    },
                }
            ],
            "usage": _usage(reply),
        }

    return router


def _chat_params(body: dict) -> dict:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, 'model is required, e.g. "gemini-pro".')
    if model in VIDEO_MODELS:
        raise ApiError(400, f"{model} is a video model, not a chat model: use POST /videos/generations.")
    if model not in CHAT_MODELS:
        raise ApiError(400, f"Unknown model '{model}'. Chat models: {', '.join(CHAT_MODELS)}.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages must be a non-empty array of {role, content} objects.")
    if not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and ("content" in m or m.get("tool_calls"))
        for m in messages
    ):
        raise ApiError(400, "Each message needs a 'role' and a 'content'.")
    problem = tool_calls.request_problem(body)
    if problem:
        raise ApiError(400, problem)
    max_tokens = body.get("max_tokens", body.get("max_completion_tokens"))
    if max_tokens is not None and (type(max_tokens) is not int or max_tokens < 1):
        raise ApiError(400, "max_tokens must be a positive integer.")
    stream_options = body.get("stream_options") or {}
    _check_types(body)
    effort = body.get("reasoning_effort")
    return {
        "model": model,
        "messages": messages,
        "stream": bool(body.get("stream")),
        "max_tokens": max_tokens,
        "stop": body.get("stop"),
        "include_usage": isinstance(stream_options, dict) and bool(stream_options.get("include_usage")),
        "effort": (effort or replies.DEFAULT_EFFORT) if model in REASONING_MODELS else None,
        "response_format": body.get("response_format"),
        "top_logprobs": body.get("top_logprobs") or 0 if body.get("logprobs") else None,
    }


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return type(value) is int


# The optional parameters the sandbox reads or knows, each with its check and the reason it
# refuses; any other key is ignored, as OpenAI-compatible servers do.
_PARAM_CHECKS = {
    "temperature": (lambda v: _is_number(v) and 0 <= v <= 2, "a number from 0 to 2"),
    "top_p": (lambda v: _is_number(v) and 0 <= v <= 1, "a number from 0 to 1"),
    "presence_penalty": (lambda v: _is_number(v) and -2 <= v <= 2, "a number from -2 to 2"),
    "frequency_penalty": (lambda v: _is_number(v) and -2 <= v <= 2, "a number from -2 to 2"),
    "seed": (_is_int, "an integer"),
    "n": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "stop": (
        lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(s, str) for s in v)),
        "a string or an array of strings",
    ),
    "stream_options": (lambda v: isinstance(v, dict), "an object"),
    "logprobs": (lambda v: isinstance(v, bool), "a boolean"),
    "top_logprobs": (
        lambda v: _is_int(v) and 0 <= v <= replies.MAX_TOP_LOGPROBS,
        f"an integer from 0 to {replies.MAX_TOP_LOGPROBS}",
    ),
    "reasoning_effort": (lambda v: v in REASONING_EFFORTS, "one of: " + ", ".join(REASONING_EFFORTS)),
    "response_format": (
        lambda v: (
            isinstance(v, dict)
            and v.get("type") in RESPONSE_FORMAT_TYPES
            and (
                v.get("type") != "json_schema"
                or (
                    isinstance(v.get("json_schema"), dict)
                    and isinstance(v["json_schema"].get("schema", {}), dict)
                    and isinstance(v["json_schema"].get("name"), str)
                )
            )
        ),
        (
            'an object: {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", '
            '"json_schema": {"name", "schema"}}'
        ),
    ),
}


def _check_types(body: dict) -> None:
    """400 for a known parameter of the wrong type or range (null is "not sent")."""
    for name, (valid, expected) in _PARAM_CHECKS.items():
        value = body.get(name)
        if value is not None and not valid(value):
            raise ApiError(
                400,
                f"Invalid type for '{name}': expected {expected}, got {json.dumps(value)[:80]}.",
                code="invalid_type",
            )
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        raise ApiError(400, "top_logprobs needs logprobs: true.")


def _with_tool_calls(reply: replies.Reply, body: dict, chat_id: str, dialect: dialects.Dialect) -> replies.Reply:
    """The reply as tool calls when the request's tools are named (lib/sandbox/tool_calls.py),
    in the dialect's shape; else the text reply as it is."""
    calls = tool_calls.plan(
        body["messages"], body.get("tools"), body.get("tool_choice", "auto"), body.get("parallel_tool_calls", True)
    )
    if not calls:
        return reply
    ids = [tool_calls.call_id(chat_id, index) for index in range(len(calls))]
    return replies.Reply(
        "",
        dialect.tool_finish_reason,
        reply.prompt_tokens,
        thinking=reply.thinking,
        tool_deltas=dialect.tool_call_deltas(calls, ids),
        tool_calls=dialect.tool_calls_message(calls, ids),
    )


def _usage(reply: replies.Reply) -> dict:
    thinking = len(replies.tokenize(reply.thinking))
    completion = len(reply.tokens) + thinking
    usage: dict[str, int | dict[str, int]] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    }
    if reply.thinking:
        usage["completion_tokens_details"] = {"reasoning_tokens": thinking}
    return usage


def _logprobs(tokens: list[str], params: dict, lang: str) -> dict | None:
    """OpenAI's `logprobs` object for these answer tokens, when they were asked for."""
    if params["top_logprobs"] is None:
        return None
    return {"content": [replies.token_logprobs(t, params["top_logprobs"], lang) for t in tokens], "refusal": None}


async def _chat_chunks(
    state: SandboxState,
    key: str,
    cost: float,
    reply: replies.Reply,
    chat_id: str,
    created: int,
    params: dict,
    cut: bool,
    shape: str,
):
    """The SSE stream, in OpenAI's chunk format: the thinking first (in `shape`), then the
    answer, each token with its logprobs when asked; a cut stream just stops halfway."""

    def event(choices: list, **extra) -> str:
        chunk = {
            "id": chat_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": params["model"],
            "system_fingerprint": None,
            "choices": choices,
        }
        if params["include_usage"]:
            chunk["usage"] = None
        chunk.update(extra)
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def choice(delta: dict, finish: str | None = None, logprobs: dict | None = None) -> list:
        return [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]

    lang = replies.language_of(reply.text)
    deltas: list[tuple[dict, dict | None]] = [
        (d, None) for d in dialects.thinking_deltas(shape, replies.tokenize(reply.thinking))
    ]
    deltas += [(d, _logprobs([d["content"]], params, lang) if "content" in d else None) for d in reply.deltas()]
    yield event(choice({"role": "assistant", "content": "" if not reply.tool_deltas else None}))
    charged = False
    for delta, logprobs in deltas[: len(deltas) // 2] if cut else deltas:
        rate = state.speed.token_rate  # read per token: a speed set mid-stream applies to the rest of it
        if rate > 0:
            await asyncio.sleep(1 / rate)
        if not charged:  # as providers bill: a call started answering is paid, stopped or cut after
            state.charge(key, cost)
            charged = True
        yield event(choice(delta, logprobs=logprobs))
    if cut:
        return
    if not charged:
        state.charge(key, cost)
    yield event(choice({}, reply.finish_reason))
    if params["include_usage"]:
        yield event([], usage=_usage(reply))
    yield "data: [DONE]\n\n"
