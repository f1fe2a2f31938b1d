"""The control API and the sandbox's own helpers: keys, speed, stats, request log, start/stop."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from lib.sandbox import DEFAULT_KEY, start_sandbox
from lib.sandbox.control import TOKEN_HEADER
from lib.sandbox.replies import compose, tokenize


def test_keys_can_be_named_inspected_and_toggled(sandbox, control_http):
    key = sandbox.control.add_key(credits=42, key="sk-named-for-test")
    assert key == "sk-named-for-test"
    assert sandbox.control.key_info(key) == {"credits": 42, "granted": 42, "spent": 0, "disabled": False}
    sandbox.control.disable_key(key)
    assert sandbox.control.key_info(key)["disabled"] is True
    sandbox.control.enable_key(key)
    assert sandbox.control.key_info(key)["disabled"] is False
    assert control_http.get("/keys/sk-nobody").status_code == 404


@pytest.mark.parametrize(
    "headers, status", [({}, 401), ({TOKEN_HEADER: "not-the-token"}, 403)], ids=["no-token", "wrong-token"]
)
def test_control_api_needs_the_token(sandbox, api_key, headers, status):
    """From loopback too: the app itself calls any base URL a user types, from loopback."""
    for method, path in [
        ("POST", f"/keys/{api_key}/disable"),
        ("POST", "/keys"),
        ("GET", "/stats"),
        ("GET", f"/keys/{api_key}"),
        ("POST", "/clock"),
        ("GET", "/health"),
    ]:
        response = httpx.request(method, f"{sandbox.root_url}/sandbox{path}", headers=headers, json={})
        assert response.status_code == status, path
    assert sandbox.control.key_info(api_key)["disabled"] is False


def test_without_control_every_sandbox_path_is_404():
    """As the app's embedded sandbox runs: not even the token (there is none) opens it."""
    plain = start_sandbox(token_rate=0)
    try:
        assert plain.control is None and plain.control_token is None
        for path in ("/keys/sk-sandbox/disable", "/keys", "/health"):
            assert httpx.post(f"{plain.root_url}/sandbox{path}", json={}).status_code == 404
        assert (
            httpx.get(plain.base_url + "/models", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}).status_code == 200
        )
    finally:
        plain.stop()


def test_speed_accepts_any_subset_and_rejects_nonsense(sandbox, sandbox_speed, control_http):
    speed = sandbox_speed(video_seconds=7)
    assert speed["video_seconds"] == 7 and speed["token_rate"] == 0
    response = control_http.post("/speed", json={"token_rate": -1})
    assert response.status_code == 400


def test_a_speed_set_mid_stream_paces_the_rest_of_it(sandbox, sandbox_speed, sandbox_http):
    """Browser tests speed up a long reply once they have seen what they wait for. At 0.01
    tokens/s the rest of this reply (about 400 tokens) would take 13 minutes, past the test's
    time limit: it ends in time only if the new speed applies."""
    sandbox_speed(token_rate=0.5)
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "Tell me a long story"}]}
    with sandbox_http.stream("POST", "/chat/completions", json=body, timeout=600) as response:
        lines = response.iter_lines()
        assert next(line for line in lines if line.startswith("data: "))  # the role, before any pacing
        sandbox_speed(token_rate=0)
        assert [line for line in lines if line.startswith("data: ")][-1] == "data: [DONE]"


def test_stats_and_request_log_never_hold_keys(sandbox, sandbox_http, api_key):
    sandbox.control.reset_stats()
    sandbox_http.get("/models")
    sandbox_http.post("/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    stats = sandbox.control.stats()
    assert stats["endpoints"] == {"models": 1, "chat": 1} and stats["total"] == 2
    log = sandbox.control.recent_requests(5)
    assert [(r["method"], r["path"]) for r in log] == [("GET", "/api/v1/models"), ("POST", "/api/v1/chat/completions")]
    assert log[1]["body"]["messages"][0]["content"] == "hi"
    assert api_key not in json.dumps(log)
    assert len(sandbox.control.recent_requests(1)) == 1
    sandbox.control.reset_stats()
    assert sandbox.control.stats()["total"] == 0 and sandbox.control.recent_requests(5) == []


def test_long_bodies_are_shortened_in_the_log(sandbox, sandbox_http):
    sandbox_http.post("/gemini/images", json={"prompt": "x" * 5000})
    logged = sandbox.control.recent_requests(1)[0]["body"]["prompt"]
    assert len(logged) < 300 and "5000 chars" in logged


def test_two_sandboxes_are_independent_and_stop(sandbox):
    other = start_sandbox(credits=3, keys=("sk-extra",), token_rate=0, control=True)
    try:
        assert other.root_url != sandbox.root_url
        assert other.base_url == other.root_url + "/api/v1"
        assert other.upload_url == other.root_url + "/api/upload.php"
        assert other.control.key_info("sk-extra")["credits"] == 3
        assert other.control.key_info("sk-sandbox")["credits"] == 3
    finally:
        other.stop()
    try:
        httpx.get(other.root_url + "/sandbox/health", timeout=1)
        raise AssertionError("the stopped sandbox still answers")
    except httpx.TransportError:
        pass


def test_command_line_prints_base_url_and_control_token_but_no_key():
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib.sandbox", "--port", "0", "--credits", "7", "--key", "sk-cli"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        token_line = proc.stdout.readline()
        assert "sk-cli" not in token_line and DEFAULT_KEY not in token_line
        token = token_line.rstrip().rstrip("'").rpartition(" ")[2]
        root = base_url.removesuffix("/api/v1")
        assert httpx.get(root + "/sandbox/keys/sk-cli", headers={TOKEN_HEADER: token}).json()["granted"] == 7
        response = httpx.get(base_url + "/dashboard/billing/subscription", headers={"Authorization": "Bearer sk-cli"})
        assert response.json()["hard_limit_usd"] == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_tokens_join_back_to_the_text():
    for text in ["Hello, world!\n\n- a\n- b  ", "你好，世界 mixed 中文 text\n```python\n  x = 1\n```"]:
        assert "".join(tokenize(text)) == text


def test_replies_are_deterministic_per_input():
    messages = [{"role": "user", "content": "hello"}]
    assert compose(messages, "gpt-4o").text == compose(messages, "gpt-4o").text
    assert compose(messages, "gpt-4o").text != compose(messages, "gemini-pro").text
