"""The sandbox's HTTP surface: the reshi123 API under /api/v1, upload.php, served files under
/files and the control API under /sandbox. See lib/sandbox/__init__.py for the contract.

Every API handler runs the same steps in the same order: authenticate (from the headers alone,
so a caller without a key never gets its body read), read the body and record the request,
validate it, apply a queued fault or a prompt marker, check credits, do the work, charge. So a
failed call never costs anything (video pays up front and is refunded).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from lib import imagetypes, pricing
from lib.sandbox import dialects, media, replies, tool_calls
from lib.sandbox.control import control_routes
from lib.sandbox.http import NOT_JSON, ApiError, api_error_handler, error_response, json_object
from lib.sandbox.state import FAULT_KINDS, SandboxState, Upload

CHAT_MODELS = {
    "gpt-4o-mini": "openai", "gpt-4o": "openai", "gemini-pro": "google",
    "gemini-2.5-flash": "google", "deepseek-chat": "deepseek", "qwen-plus": "alibaba",
    "claude-3-5-sonnet": "anthropic",
    "deepseek-reasoner": "deepseek", "o4-mini": "openai", "gemini-2.5-pro": "google",
}
# Models that think before they answer (`reasoning_effort`; the others ignore it, as relays do).
REASONING_MODELS = ("deepseek-reasoner", "o4-mini", "gemini-2.5-pro")
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
VIDEO_MODELS = {"sora-2": "openai", "sora-2-pro": "openai"}
# Listed only by dialects that list their image models (new-api): the model behind /gemini/images.
IMAGE_MODELS = {"gemini-2.5-flash-image": "google"}
MODELS_CREATED = 1_700_000_000
ASPECT_RATIOS = tuple(media.VIDEO_SIZES)
MAX_DURATION = 20
UPLOAD_LIFETIME = timedelta(days=3)
# OpenAI's image URLs are valid for 60 minutes.
IMAGE_URL_LIFETIME = timedelta(hours=1)
# OpenAI's Sora 2 sizes ("width x height") by model, and the aspect ratio each is rendered at.
OPENAI_VIDEO_SIZES = {"1280x720": "16:9", "720x1280": "9:16", "1792x1024": "16:9", "1024x1792": "9:16"}
PRO_ONLY_SIZES = ("1792x1024", "1024x1792")
OPENAI_VIDEO_SECONDS = ("4", "8", "12")
SHANGHAI = timezone(timedelta(hours=8))   # Asia/Shanghai has no daylight saving time
MAX_LOGGED_CHARS = 200
# Room for a 10 MB image as base64 JSON, or a chat carrying a few, with a margin.
MAX_BODY_BYTES = 32 * 1024 * 1024
BODY_TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."

FAULT_MESSAGES = {"500": "The sandbox simulated an internal server error.",
                  "502": "The sandbox simulated a bad gateway.",
                  "503": "The sandbox simulated an overloaded upstream (service unavailable).",
                  "429": "Too many requests: the sandbox simulated a rate limit. Retry after 1 second.",
                  "timeout": "The sandbox simulated an upstream timeout."}
# In an image prompt: answer 200 with an empty `data`, as a safety filter does (no charge).
FILTERED_MARKER = "[filtered]"
HTML_PAGE = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
             "</h1></center><hr><center>nginx (reshi sandbox)</center></body></html>")


class RequestIdMiddleware:
    """Adds `x-request-id` to every response, as the real gateway does (plain ASGI, so
    streamed responses are not buffered)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                request_id = "req_" + secrets.token_hex(12)
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuses a body over MAX_BODY_BYTES with 413: by its Content-Length before a byte of it is
    read, and a chunked one as soon as what was read passes the cap."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if int(dict(scope["headers"]).get(b"content-length", b"0")) > MAX_BODY_BYTES:
            response = error_response(Request(scope), 413, BODY_TOO_LARGE)
            return await response(scope, receive, send)
        received = 0

        async def capped_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise ApiError(413, BODY_TOO_LARGE)
            return message

        await self.app(scope, capped_receive, send)


def _loggable(value):
    """The request body for /sandbox/requests, with long strings (base64 images) shortened."""
    if isinstance(value, str) and len(value) > MAX_LOGGED_CHARS:
        return value[:MAX_LOGGED_CHARS] + f"…({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _loggable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loggable(v) for v in value]
    return value


def create_app(state: SandboxState, videos: media.VideoCache, control_token: str | None) -> FastAPI:
    """The whole server; the control API only with a token (without one, /sandbox/* is 404)."""
    app = FastAPI(title="reshi123 sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    api = _api_routes(state, videos)
    app.include_router(api, prefix="/api/v1")
    app.include_router(_upload_routes(state), prefix="/api")
    app.include_router(_file_routes(state, videos), prefix="/files")
    if control_token:
        app.include_router(control_routes(state, control_token), prefix="/sandbox")
    return app


# --- the steps every API handler shares -------------------------------------------------------

async def _json_body(request: Request):
    """The parsed JSON body of a POST, or NOT_JSON (multipart uploads are parsed later)."""
    if request.method != "POST" or "multipart/" in request.headers.get("content-type", ""):
        return NOT_JSON
    try:
        return json.loads(await request.body())
    except ValueError:
        return NOT_JSON


class Api:
    """The shared steps of an API handler, bound to one sandbox's state."""

    def __init__(self, state: SandboxState):
        self.state = state

    @property
    def dialect(self) -> dialects.Dialect:
        return dialects.DIALECTS[self.state.dialect]

    def refusal(self, reason: str, **words) -> ApiError:
        """The error the current dialect answers for `reason`, its message filled with `words`."""
        refusal = self.dialect.refusals[reason]
        return ApiError(refusal.status, refusal.message.format(**words), error_type=refusal.type,
                        code=refusal.code)

    def serve_only(self, request: Request, route: str) -> None:
        """Refuses a video route the current dialect does not have, as an unknown URL."""
        if route not in self.dialect.video_routes:
            raise self.refusal(dialects.NO_ROUTE, method=request.method, path=request.url.path)

    async def begin(self, request: Request, endpoint: str):
        """Authenticate, then read the body, and record the call either way. Returns (key,
        parsed JSON body or NOT_JSON). A caller without a valid key gets its 401 or 403 before
        any of its body is read, so it cannot make the sandbox hold a large body."""
        body = NOT_JSON
        try:
            key = self.authenticate(request)
            body = await _json_body(request)
        finally:
            self.state.record(request.method, request.url.path, endpoint,
                              None if body is NOT_JSON else _loggable(body))
        return key, body

    def authenticate(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self.refusal(dialects.MISSING_KEY)
        key = self.state.key(token)
        if key is None:   # never echo the key back
            raise self.refusal(dialects.UNKNOWN_KEY)
        if key.disabled:
            raise self.refusal(dialects.DISABLED_KEY)
        return token

    def fault(self, endpoint: str, prompt: str = "") -> str | None:
        """The queued fault for this endpoint, else the first fault marker in the prompt."""
        kind = self.state.take_fault(endpoint)
        if kind is None:
            kind = next((k for k in FAULT_KINDS if f"[{k}]" in prompt), None)
        return kind

    async def fault_response(self, request: Request, kind: str) -> Response:
        if kind == "timeout":
            await asyncio.sleep(self.state.speed.hang_seconds)
            return error_response(request, 504, FAULT_MESSAGES[kind])
        if kind == "cut":
            whole = json.dumps({"id": "cut_" + secrets.token_hex(6), "object": "partial",
                                "data": [{"note": "the connection dropped in the middle of this body"}]})
            return Response(whole[: len(whole) // 2], 200, media_type="application/json")
        if kind == "badjson":
            return Response("upstream said: OK <not json>", 200, media_type="application/json")
        if kind == "badshape":   # JSON, but none of the fields an answer of any endpoint has
            return {"object": "unexpected", "note": "a gateway answered in a shape of its own"}
        if kind == "html":
            return Response(HTML_PAGE, 502, media_type="text/html")
        if kind == "echo_key":  # as careless gateways do: the credential quoted back in the refusal
            return error_response(request, 401, f"Invalid token: {request.headers.get('authorization', '')}")
        headers = {"Retry-After": "1"} if kind == "429" else None
        return error_response(request, int(kind), FAULT_MESSAGES[kind], headers)

    def require_credits(self, key: str, amount: float) -> None:
        if not self.state.can_pay(key, amount):
            raise self.refusal(dialects.OUT_OF_CREDIT, cost=amount)

    def charge_up_front(self, key: str, amount: float) -> None:
        """Video pays at creation: check and charge in one step."""
        if not self.state.charge_if_possible(key, amount):
            raise self.refusal(dialects.OUT_OF_CREDIT, cost=amount)


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# --- /api/v1 ---------------------------------------------------------------------------------

def _api_routes(state: SandboxState, videos: media.VideoCache) -> APIRouter:
    router, api = APIRouter(), Api(state)

    @router.get("/models")
    async def models(request: Request):
        await api.begin(request, pricing.MODELS)
        if kind := api.fault(pricing.MODELS):
            return await api.fault_response(request, kind)
        dialect = api.dialect
        kinds = {"chat": CHAT_MODELS, "video": VIDEO_MODELS, "image": IMAGE_MODELS if dialect.image_models else {}}
        data = [{"id": m, "object": "model", "created": MODELS_CREATED, "owned_by": owner,
                 **dialect.model_fields(kind, owner)}
                for kind, models in kinds.items() for m, owner in models.items()]
        return dialect.models_list(data)

    def billing_begin(request: Request):
        if not api.dialect.serves_billing:
            raise api.refusal(dialects.NO_ROUTE, method=request.method, path=request.url.path)
        return api.begin(request, pricing.BILLING)

    @router.get("/dashboard/billing/subscription")
    async def subscription(request: Request):
        key, _ = await billing_begin(request)
        if kind := api.fault(pricing.BILLING):
            return await api.fault_response(request, kind)
        granted = state.key_info(key)["granted"]
        return {"object": "billing_subscription", "has_payment_method": True,
                "soft_limit_usd": granted, "hard_limit_usd": granted,
                "system_hard_limit_usd": granted, "access_until": 0}

    @router.get("/dashboard/billing/usage")
    async def usage(request: Request):
        key, _ = await billing_begin(request)
        if kind := api.fault(pricing.BILLING):
            return await api.fault_response(request, kind)
        return {"object": "list", "total_usage": state.key_info(key)["spent"] * 100}

    @router.post("/chat/completions")
    async def chat(request: Request):
        key, body = await api.begin(request, pricing.CHAT)
        params = _chat_params(json_object(body))
        prompt, _ = replies.last_user_content(params["messages"])
        if replies.wants_json(params["response_format"]):   # `[badjson]` then breaks the JSON asked for
            prompt = prompt.replace(replies.BAD_JSON_MARKER, "")
        kind = api.fault(pricing.CHAT, prompt)
        cut = kind == "cut"
        if kind and not (cut and params["stream"]):
            return await api.fault_response(request, kind)
        cost = pricing.credits_for(pricing.CHAT, params["model"])
        api.require_credits(key, cost)
        reply = replies.compose(params["messages"], params["model"], params["max_tokens"],
                                params["stop"], temperature=body.get("temperature"),
                                top_p=body.get("top_p"), effort=params["effort"],
                                response_format=params["response_format"])
        shape = state.reasoning_shape or api.dialect.reasoning_shape
        chat_id, created = "chatcmpl-" + secrets.token_hex(12), int(state.now())
        reply = _with_tool_calls(reply, body, chat_id, api.dialect)
        if params["stream"]:
            chunks = _chat_chunks(state, key, cost, reply, chat_id, created, params, cut, shape)
            return StreamingResponse(chunks, media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        state.charge(key, cost)
        return {"id": chat_id, "object": "chat.completion", "created": created,
                "model": params["model"], "system_fingerprint": None,
                "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                             "logprobs": _logprobs(replies.tokenize(reply.text), params, replies.language_of(reply.text)),
                             "message": {"role": "assistant", "refusal": None,
                                         **dialects.thinking_message(shape, reply.thinking, reply.text),
                                         **({"tool_calls": reply.tool_calls} if reply.tool_calls else {})}}],
                "usage": _usage(reply)}

    @router.post("/gemini/images")
    async def images(request: Request):
        key, body = await api.begin(request, pricing.IMAGES)
        prompt = json_object(body).get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ApiError(400, "prompt is required: a non-empty string describing the image.")
        if kind := api.fault(pricing.IMAGES, prompt):
            return await api.fault_response(request, kind)
        if FILTERED_MARKER in prompt:   # a safety filter drops the image and still answers 200
            return {"created": int(state.now()), "data": []}
        cost = pricing.credits_for(pricing.IMAGES)
        api.require_credits(key, cost)
        dialect = api.dialect
        with state.working_on(pricing.IMAGES):
            if state.speed.image_delay > 0:
                await asyncio.sleep(state.speed.image_delay)
            variant = state.next_image_variant(key, prompt)
            picture = await run_in_threadpool(media.make_image, prompt, dialect.image_format, variant=variant)
        state.charge(key, cost)
        item = ({"url": _image_url(request, state, picture, dialect.image_format)} if dialect.image_as_url
                else {"b64_json": base64.b64encode(picture).decode("ascii")})
        return {"created": int(state.now()), "data": [item]}

    async def start_task(request: Request, key: str, params: dict):
        """The steps after reading a create call: fault or marker, charge, the task's first answer."""
        if kind := api.fault(pricing.VIDEO, params["prompt"]):
            return await api.fault_response(request, kind)
        cost = pricing.credits_for(pricing.VIDEO, params["model"])
        api.charge_up_front(key, cost)
        fails = "[fail]" in params["prompt"]
        task = state.add_task(key=key, cost=cost, fails=fails, **params)
        if not fails:   # start encoding now, so the file is ready by completion
            videos.request(task.aspect_ratio, task.duration)
        return api.dialect.task_answer(_task_facts(request, task, dialects.QUEUED, 0))

    async def task_answer(request: Request, task_id: str):
        key, _ = await api.begin(request, "video_status")
        state.count_poll(task_id)
        if kind := api.fault("video_status"):
            return await api.fault_response(request, kind)
        task, status, progress = _own_task(state, task_id, key)
        if status == dialects.COMPLETED:
            await asyncio.wrap_future(videos.request(task.aspect_ratio, task.duration))
        return api.dialect.task_answer(_task_facts(request, task, status, progress))

    @router.post("/videos/generations")
    async def create_video(request: Request):
        api.serve_only(request, dialects.GENERATIONS)
        key, body = await api.begin(request, pricing.VIDEO)
        return await start_task(request, key, _video_params(json_object(body)))

    @router.get("/videos/generations/{task_id}")
    async def video_status(request: Request, task_id: str):
        api.serve_only(request, dialects.GENERATIONS)
        return await task_answer(request, task_id)

    @router.post("/videos")
    async def create_openai_video(request: Request):
        """OpenAI's `POST /v1/videos`: the SDK sends multipart/form-data, curl samples JSON."""
        api.serve_only(request, dialects.VIDEOS)
        key, body = await api.begin(request, pricing.VIDEO)
        fields = dict(await request.form()) if body is NOT_JSON else json_object(body)
        return await start_task(request, key, _openai_video_params(fields))

    @router.get("/videos/{task_id}")
    async def openai_video_status(request: Request, task_id: str):
        api.serve_only(request, dialects.VIDEOS)
        return await task_answer(request, task_id)

    @router.get("/videos/{task_id}/content")
    async def video_content(request: Request, task_id: str):
        """The MP4 itself, with the API key (OpenAI's Sora objects carry no URL)."""
        api.serve_only(request, dialects.CONTENT)
        key, _ = await api.begin(request, "video_content")
        if kind := api.fault("video_content"):
            return await api.fault_response(request, kind)
        task, status, _ = _own_task(state, task_id, key)
        if status != dialects.COMPLETED:
            raise ApiError(404, f"The video is not ready: the task is {status}.")
        if task.file_deleted:
            raise ApiError(404, "The video has expired and was deleted.")
        path = await asyncio.wrap_future(videos.request(task.aspect_ratio, task.duration))
        return FileResponse(path, media_type="video/mp4")

    return router


def _chat_params(body: dict) -> dict:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "model is required, e.g. \"gemini-pro\".")
    if model in VIDEO_MODELS:
        raise ApiError(400, f"{model} is a video model, not a chat model: use POST /videos/generations.")
    if model not in CHAT_MODELS:
        raise ApiError(400, f"Unknown model '{model}'. Chat models: {', '.join(CHAT_MODELS)}.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages must be a non-empty array of {role, content} objects.")
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) and ("content" in m or m.get("tool_calls"))
               for m in messages):
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
    return {"model": model, "messages": messages, "stream": bool(body.get("stream")),
            "max_tokens": max_tokens, "stop": body.get("stop"),
            "include_usage": isinstance(stream_options, dict)
            and bool(stream_options.get("include_usage")),
            "effort": (effort or replies.DEFAULT_EFFORT) if model in REASONING_MODELS else None,
            "response_format": body.get("response_format"),
            "top_logprobs": body.get("top_logprobs") or 0 if body.get("logprobs") else None}


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
    "stop": (lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(s, str) for s in v)),
             "a string or an array of strings"),
    "stream_options": (lambda v: isinstance(v, dict), "an object"),
    "logprobs": (lambda v: isinstance(v, bool), "a boolean"),
    "top_logprobs": (lambda v: _is_int(v) and 0 <= v <= replies.MAX_TOP_LOGPROBS,
                     f"an integer from 0 to {replies.MAX_TOP_LOGPROBS}"),
    "reasoning_effort": (lambda v: v in REASONING_EFFORTS, "one of: " + ", ".join(REASONING_EFFORTS)),
    "response_format": (lambda v: isinstance(v, dict) and v.get("type") in RESPONSE_FORMAT_TYPES and (
        v.get("type") != "json_schema" or (isinstance(v.get("json_schema"), dict)
                                           and isinstance(v["json_schema"].get("schema", {}), dict)
                                           and isinstance(v["json_schema"].get("name"), str))),
                        ('an object: {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", '
                        '"json_schema": {"name", "schema"}}')),
}


def _check_types(body: dict) -> None:
    """400 for a known parameter of the wrong type or range (null is "not sent")."""
    for name, (valid, expected) in _PARAM_CHECKS.items():
        value = body.get(name)
        if value is not None and not valid(value):
            raise ApiError(400, f"Invalid type for '{name}': expected {expected}, got {json.dumps(value)[:80]}.",
                           code="invalid_type")
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        raise ApiError(400, "top_logprobs needs logprobs: true.")


def _with_tool_calls(reply: replies.Reply, body: dict, chat_id: str, dialect: dialects.Dialect) -> replies.Reply:
    """The reply as tool calls when the request's tools are named (lib/sandbox/tool_calls.py),
    in the dialect's shape; else the text reply as it is."""
    calls = tool_calls.plan(body["messages"], body.get("tools"), body.get("tool_choice", "auto"),
                            body.get("parallel_tool_calls", True))
    if not calls:
        return reply
    ids = [tool_calls.call_id(chat_id, index) for index in range(len(calls))]
    return replies.Reply("", dialect.tool_finish_reason, reply.prompt_tokens, thinking=reply.thinking,
                         tool_deltas=dialect.tool_call_deltas(calls, ids),
                         tool_calls=dialect.tool_calls_message(calls, ids))


def _usage(reply: replies.Reply) -> dict:
    thinking = len(replies.tokenize(reply.thinking))
    completion = len(reply.tokens) + thinking
    usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": completion,
             "total_tokens": reply.prompt_tokens + completion}
    if reply.thinking:
        usage["completion_tokens_details"] = {"reasoning_tokens": thinking}
    return usage


def _logprobs(tokens: list[str], params: dict, lang: str) -> dict | None:
    """OpenAI's `logprobs` object for these answer tokens, when they were asked for."""
    if params["top_logprobs"] is None:
        return None
    return {"content": [replies.token_logprobs(t, params["top_logprobs"], lang) for t in tokens], "refusal": None}


async def _chat_chunks(state: SandboxState, key: str, cost: float, reply: replies.Reply,
                       chat_id: str, created: int, params: dict, cut: bool, shape: str):
    """The SSE stream, in OpenAI's chunk format: the thinking first (in `shape`), then the
    answer, each token with its logprobs when asked; a cut stream just stops halfway."""
    def event(choices: list, **extra) -> str:
        chunk = {"id": chat_id, "object": "chat.completion.chunk", "created": created,
                 "model": params["model"], "system_fingerprint": None, "choices": choices}
        if params["include_usage"]:
            chunk["usage"] = None
        chunk.update(extra)
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def choice(delta: dict, finish: str | None = None, logprobs: dict | None = None) -> list:
        return [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]

    lang = replies.language_of(reply.text)
    deltas = [(d, None) for d in dialects.thinking_deltas(shape, replies.tokenize(reply.thinking))]
    deltas += [(d, _logprobs([d["content"]], params, lang) if "content" in d else None) for d in reply.deltas()]
    rate = state.speed.token_rate
    yield event(choice({"role": "assistant", "content": "" if not reply.tool_deltas else None}))
    charged = False
    for delta, logprobs in deltas[: len(deltas) // 2] if cut else deltas:
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


def _video_params(body: dict) -> dict:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "prompt is required: a non-empty string describing the video.")
    model = body.get("model", "sora-2")
    if model not in VIDEO_MODELS:
        raise ApiError(400, f"model must be one of: {', '.join(VIDEO_MODELS)}.")
    duration = body.get("duration", 5)
    if type(duration) is not int or not 1 <= duration <= MAX_DURATION:
        raise ApiError(400, f"duration must be a whole number of seconds from 1 to {MAX_DURATION}.")
    aspect_ratio = body.get("aspect_ratio", "16:9")
    if aspect_ratio not in ASPECT_RATIOS:
        raise ApiError(400, f"aspect_ratio must be one of: {', '.join(ASPECT_RATIOS)}.")
    return {"prompt": prompt, "model": model, "duration": duration, "aspect_ratio": aspect_ratio}


def _openai_video_params(fields: dict) -> dict:
    """OpenAI's create fields: `seconds` "4", "8" or "12" (a string), `size` by model."""
    prompt, model = fields.get("prompt"), fields.get("model", "sora-2")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "prompt is required: a non-empty string describing the video.")
    if model not in VIDEO_MODELS:
        raise ApiError(400, f"model must be one of: {', '.join(VIDEO_MODELS)}.")
    seconds = fields.get("seconds", OPENAI_VIDEO_SECONDS[0])
    if seconds not in OPENAI_VIDEO_SECONDS:
        raise ApiError(400, f"seconds must be one of: {', '.join(OPENAI_VIDEO_SECONDS)} (a string).")
    size = fields.get("size", "720x1280")
    sizes = [s for s in OPENAI_VIDEO_SIZES if model == "sora-2-pro" or s not in PRO_ONLY_SIZES]
    if size not in sizes:
        raise ApiError(400, f"size must be one of: {', '.join(sizes)} for {model}.")
    return {"prompt": prompt, "model": model, "duration": int(seconds),
            "aspect_ratio": OPENAI_VIDEO_SIZES[size], "size": size}


def _own_task(state: SandboxState, task_id: str, key: str):
    """(task, status, progress) of a task of this key's; another key's is as unknown as none."""
    found = state.task_status(task_id, key)
    if found is None:
        raise ApiError(404, "No video task with this id for this API key.")
    return found


def _task_facts(request: Request, task, status: str, progress: int) -> dialects.TaskFacts:
    done = status == dialects.COMPLETED
    width, height = media.VIDEO_SIZES[task.aspect_ratio]
    return dialects.TaskFacts(
        id=task.id, model=task.model, prompt=task.prompt, created_at=int(task.created_at),
        duration=task.duration, aspect_ratio=task.aspect_ratio, size=task.size or f"{width}x{height}",
        status=status, progress=progress, failed=status == dialects.FAILED,
        video_url=f"{_origin(request)}/files/videos/{task.id}.mp4" if done else None,
        completed_at=int(task.created_at + task.seconds) if done else None)


def _image_url(request: Request, state: SandboxState, picture: bytes, image_format: str) -> str:
    """Keeps a generated image for an hour and answers where it is served (OpenAI's `url`)."""
    kind = imagetypes.sniff(picture)
    name = f"{secrets.token_hex(8)}.{imagetypes.EXTENSION[kind]}"
    expires = state.now() + IMAGE_URL_LIFETIME.total_seconds()
    state.add_upload(name, Upload(picture, imagetypes.MIME[kind], expires))
    return f"{_origin(request)}/files/images/{name}"


# --- /api/upload.php -------------------------------------------------------------------------

def _decode_base64(text) -> bytes:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "image_base64 is required: a data URL or a base64 string.")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "image_base64 is not valid base64.") from None


async def _upload_bytes(request: Request, body) -> bytes:
    if "multipart/form-data" in request.headers.get("content-type", ""):
        form = await request.form(max_part_size=imagetypes.MAX_UPLOAD_BYTES + 1)
        field = form.get("image")
        if field is None or isinstance(field, str):
            raise ApiError(400, "No file: send the image in the multipart field 'image'.")
        return await field.read()
    if body is NOT_JSON:
        raise ApiError(400, "Send multipart/form-data with field 'image', or JSON with 'image_base64'.")
    return _decode_base64(json_object(body).get("image_base64"))


def _upload_routes(state: SandboxState) -> APIRouter:
    router, api = APIRouter(), Api(state)

    @router.post("/upload.php")
    async def upload(request: Request):
        _, body = await api.begin(request, pricing.UPLOAD)
        if kind := api.fault(pricing.UPLOAD):
            return await api.fault_response(request, kind)
        data = await _upload_bytes(request, body)
        if not data:
            raise ApiError(400, "The file is empty.")
        if len(data) > imagetypes.MAX_UPLOAD_BYTES:
            raise ApiError(413, "The file is larger than 10 MB.")
        kind = imagetypes.sniff(data)
        if kind is None:
            raise ApiError(400, "Unsupported file type: only JPG, PNG, GIF and WebP images are accepted.")
        name = f"{secrets.token_hex(8)}.{imagetypes.EXTENSION[kind]}"   # the client's file name is never a path
        expires = state.now() + UPLOAD_LIFETIME.total_seconds()
        state.add_upload(name, Upload(data, imagetypes.MIME[kind], expires))
        expire_at = datetime.fromtimestamp(expires, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return {"success": True, "message": "上传成功",
                "data": {"url": f"{_origin(request)}/files/uploads/{name}", "filename": name,
                         "size": len(data), "expire_at": expire_at}}

    return router


# --- /files ----------------------------------------------------------------------------------

def _file_routes(state: SandboxState, videos: media.VideoCache) -> APIRouter:
    router = APIRouter()

    @router.get("/videos/{task_id}.mp4")
    async def video_file(task_id: str):
        task = state.task(task_id)
        if task is None or task.fails or task.file_deleted:
            return Response("Not Found", 404, media_type="text/plain")
        path = await asyncio.wrap_future(videos.request(task.aspect_ratio, task.duration))
        return FileResponse(path, media_type="video/mp4")

    @router.get("/uploads/{name}")
    @router.get("/images/{name}")   # generated images served by URL (the openai dialect)
    async def upload_file(name: str):
        upload = state.live_upload(name)
        if upload is None:
            return Response("Not Found (files are deleted when they expire)", 404, media_type="text/plain")
        return Response(upload.data, media_type=upload.content_type)

    return router
