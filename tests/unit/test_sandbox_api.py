"""The sandbox's API over real HTTP: auth, models, billing, chat (plain and streamed), images."""

from __future__ import annotations

import base64
import io
import json
import time

import httpx
import pytest
from PIL import Image

from lib.sandbox import DEFAULT_KEY
from lib.sandbox.replies import tokenize

HELLO = {"model": "gemini-pro", "messages": [{"role": "user", "content": "Hello!"}]}


def chat(http: httpx.Client, **overrides) -> httpx.Response:
    return http.post("/chat/completions", json={**HELLO, **overrides})


def sse_events(response: httpx.Response) -> list:
    """The `data:` payloads of an SSE body: parsed JSON, or the raw string ('[DONE]')."""
    events = []
    for line in response.text.splitlines():
        if line.startswith("data: "):
            payload = line[len("data: ") :]
            events.append(payload if payload == "[DONE]" else json.loads(payload))
    return events


def error_of(response: httpx.Response) -> dict:
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code"}
    return error


# --- auth and credits --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/models", "/dashboard/billing/usage", "/videos/generations/x"])
def test_missing_and_unknown_keys_are_401_without_echo(sandbox, path):
    missing = httpx.get(sandbox.base_url + path)
    assert missing.status_code == 401 and "Authorization" in error_of(missing)["message"]
    unknown = httpx.get(sandbox.base_url + path, headers={"Authorization": "Bearer sk-secret-123"})
    assert unknown.status_code == 401
    assert "sk-secret-123" not in unknown.text


def test_disabled_key_is_403_and_enabled_again(sandbox, sandbox_http, api_key):
    sandbox.control.disable_key(api_key)
    response = chat(sandbox_http)
    assert response.status_code == 403 and error_of(response)["code"] == "key_disabled"
    assert api_key not in response.text
    sandbox.control.enable_key(api_key)
    assert chat(sandbox_http).status_code == 200


def test_insufficient_credits_is_402_and_costs_nothing(sandbox):
    poor = sandbox.control.add_key(credits=5)
    http = httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {poor}"})
    assert http.post("/gemini/images", json={"prompt": "a cat"}).status_code == 402
    assert chat(http).status_code == 200
    assert sandbox.control.key_info(poor) == {"credits": 4, "granted": 5, "spent": 1, "disabled": False}
    broke = sandbox.control.add_key(credits=0)
    response = httpx.post(
        sandbox.base_url + "/chat/completions", json=HELLO, headers={"Authorization": f"Bearer {broke}"}
    )
    assert response.status_code == 402 and error_of(response)["type"] == "insufficient_quota"


def test_default_key_exists(sandbox):
    assert (
        httpx.get(sandbox.base_url + "/models", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}).status_code == 200
    )


# --- models and billing ------------------------------------------------------------------------


def test_models_list_is_openai_shaped(sandbox_http):
    body = sandbox_http.get("/models").json()
    assert body["object"] == "list"
    ids = {m["id"] for m in body["data"]}
    assert {"gpt-4o-mini", "gemini-pro", "deepseek-chat", "sora-2", "sora-2-pro"} <= ids
    assert all(m["object"] == "model" and m["owned_by"] and m["created"] for m in body["data"])


def test_billing_follows_spending(sandbox_http):
    subscription = sandbox_http.get("/dashboard/billing/subscription").json()
    assert subscription["object"] == "billing_subscription"
    assert subscription["hard_limit_usd"] == 1000 and subscription["access_until"] == 0
    assert sandbox_http.get("/dashboard/billing/usage").json() == {"object": "list", "total_usage": 0}
    chat(sandbox_http)
    sandbox_http.post("/gemini/images", json={"prompt": "a dog"})
    usage = sandbox_http.get("/dashboard/billing/usage").json()["total_usage"]
    assert usage == 1100  # 1 + 10 credits, in cents
    assert subscription["hard_limit_usd"] - usage / 100 == 989


# --- chat --------------------------------------------------------------------------------------


def test_chat_completion_shape_and_charge(sandbox, sandbox_http, api_key):
    response = chat(sandbox_http)
    assert response.status_code == 200 and response.headers["x-request-id"]
    body = response.json()
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert body["model"] == "gemini-pro" and isinstance(body["created"], int)
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    assert "Hello!" in choice["message"]["content"] and "\n- " in choice["message"]["content"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert sandbox.control.key_info(api_key)["spent"] == 1


def test_chat_is_deterministic_and_varies_with_input(sandbox_http):
    first, again = chat(sandbox_http).json(), chat(sandbox_http).json()
    assert first["choices"][0]["message"] == again["choices"][0]["message"]
    other = chat(sandbox_http, messages=[{"role": "user", "content": "Tell me a story"}]).json()
    assert other["choices"][0]["message"]["content"] != first["choices"][0]["message"]["content"]


def test_chat_code_chinese_and_images(sandbox_http):
    code = chat(sandbox_http, messages=[{"role": "user", "content": "write python code"}]).json()
    assert "```python\n" in code["choices"][0]["message"]["content"]
    chinese = chat(sandbox_http, messages=[{"role": "user", "content": "写一段代码"}]).json()
    assert "你说" in chinese["choices"][0]["message"]["content"]
    parts = [
        {"type": "text", "text": "What are these?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "image_url", "image_url": {"url": "http://example.com/a.png"}},
    ]
    seen = chat(sandbox_http, messages=[{"role": "user", "content": parts}]).json()
    assert "2 image" in seen["choices"][0]["message"]["content"]


def test_chat_max_tokens_and_stop(sandbox_http):
    full = chat(sandbox_http).json()["choices"][0]["message"]["content"]
    short = chat(sandbox_http, max_tokens=3).json()
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] == 3
    assert short["choices"][0]["message"]["content"] == "".join(tokenize(full)[:3])
    stopped = chat(sandbox_http, stop=["\n\n"]).json()["choices"][0]
    assert stopped["message"]["content"] == full.split("\n\n")[0]
    assert stopped["finish_reason"] == "stop"


@pytest.mark.parametrize(
    "body, words",
    [
        ({**HELLO, "model": "gpt-9"}, "Unknown model"),
        ({**HELLO, "model": "sora-2"}, "video model"),
        ({**HELLO, "model": None}, "model is required"),
        ({**HELLO, "messages": []}, "messages"),
        ({**HELLO, "messages": [{"content": "no role"}]}, "role"),
        ({**HELLO, "max_tokens": 0}, "max_tokens"),
        ([1, 2], "JSON object"),
    ],
)
def test_chat_validation_errors(sandbox, sandbox_http, api_key, body, words):
    response = sandbox_http.post("/chat/completions", json=body)
    assert response.status_code == 400 and words in error_of(response)["message"]
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_chat_bad_json_is_400(sandbox_http):
    response = sandbox_http.post(
        "/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and error_of(response)["type"] == "invalid_request_error"


def test_stream_chunk_format_and_done(sandbox, sandbox_http, api_key):
    plain = chat(sandbox_http).json()["choices"][0]["message"]["content"]
    response = chat(sandbox_http, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    middle = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert "".join(middle) == plain and len(middle) == len(tokenize(plain))  # one token a chunk
    assert sandbox.control.key_info(api_key)["spent"] == 2


def test_stream_include_usage_and_max_tokens(sandbox_http):
    events = sse_events(chat(sandbox_http, stream=True, max_tokens=4, stream_options={"include_usage": True}))
    assert events[-1] == "[DONE]"
    usage_chunk, finish_chunk = events[-2], events[-3]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["completion_tokens"] == 4
    assert finish_chunk["choices"][0]["finish_reason"] == "length"
    assert finish_chunk["usage"] is None


def test_stream_is_paced_by_token_rate(sandbox_http, sandbox_speed):
    sandbox_speed(token_rate=200)
    started = time.monotonic()
    events = sse_events(chat(sandbox_http, stream=True, max_tokens=40))
    assert len(events) == 43 and time.monotonic() - started >= 40 / 200 * 0.9


# --- images ------------------------------------------------------------------------------------


def test_image_is_a_prompt_specific_jpeg(sandbox, sandbox_http, api_key):
    def image(prompt: str) -> Image.Image:
        body = sandbox_http.post("/gemini/images", json={"prompt": prompt}).json()
        assert isinstance(body["created"], int) and len(body["data"]) == 1
        return Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))

    cat, dog = image("我要一个卡通可爱的头像"), image("a dog on the beach")
    assert cat.format == "JPEG" and cat.size == (768, 768)
    assert cat.tobytes() != dog.tobytes()
    assert sandbox.control.key_info(api_key)["spent"] == 20


def test_a_batch_of_four_for_one_prompt_gives_four_different_images(sandbox, sandbox_http):
    """As a real model draws anew each time; the n-th request is variant n mod 4, so the same
    prompt and variant are the same bytes (what a test can compare with what the app shows)."""

    def image(http) -> bytes:
        return base64.b64decode(
            http.post("/gemini/images", json={"prompt": "four foxes"}).json()["data"][0]["b64_json"]
        )

    batch = [image(sandbox_http) for _ in range(4)]
    assert len(set(batch)) == 4
    assert image(sandbox_http) == batch[0]
    other_key = sandbox.control.add_key(credits=100)
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {other_key}"}) as other:
        assert image(other) == batch[0], "another key's first request is variant 0 too"


def test_image_empty_prompt_is_400(sandbox, sandbox_http, api_key):
    for body in ({"prompt": ""}, {"prompt": "   "}, {}):
        response = sandbox_http.post("/gemini/images", json=body)
        assert response.status_code == 400 and "prompt" in error_of(response)["message"]
    assert sandbox.control.key_info(api_key)["spent"] == 0
