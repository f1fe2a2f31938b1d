"""Fault injection: prompt markers and queued faults, each kind, and that failures cost nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.unit.test_sandbox_api import chat, sse_events


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def assert_fault(response: httpx.Response, kind: str) -> None:
    """The response has the shape that fault `kind` promises."""
    if kind in ("500", "502", "503", "429"):
        assert response.status_code == int(kind)
        assert response.json()["error"]["message"]
        if kind == "429":
            assert response.headers["retry-after"] == "1"
    elif kind == "timeout":
        assert response.status_code == 504 and response.json()["error"]["code"] == "gateway_timeout"
    elif kind == "html":
        assert response.status_code == 502 and response.headers["content-type"].startswith("text/html")
        assert "<h1>502 Bad Gateway</h1>" in response.text
    elif kind == "echo_key":
        authorization = response.request.headers["authorization"]
        assert response.status_code == 401 and authorization in response.json()["error"]["message"]
    elif kind == "badshape":
        assert response.status_code == 200 and response.json()["object"] == "unexpected"
    else:  # cut and badjson: a 200 whose body is not JSON
        assert response.status_code == 200
        with pytest.raises(ValueError):
            json.loads(response.text)


KINDS = ["500", "502", "503", "429", "timeout", "cut", "badjson", "badshape", "html", "echo_key"]


@pytest.fixture
def quick_hang(sandbox_speed):
    sandbox_speed(hang_seconds=0.2)


@pytest.mark.parametrize("kind", KINDS)
def test_chat_marker_fails_and_costs_nothing(sandbox, sandbox_http, api_key, quick_hang, kind):
    response = chat(sandbox_http, messages=user(f"please [{kind}] now"))
    assert_fault(response, kind)
    assert sandbox.control.key_info(api_key)["spent"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_queued_fault_hits_next_request_only(sandbox, sandbox_http, quick_hang, kind):
    sandbox.control.queue_fault("models", kind)
    assert_fault(sandbox_http.get("/models"), kind)
    assert sandbox_http.get("/models").status_code == 200


def test_cut_stream_stops_halfway_without_finish_or_done(sandbox, sandbox_http, api_key):
    whole = sse_events(chat(sandbox_http, stream=True, messages=user("hi there")))
    cut = sse_events(chat(sandbox_http, stream=True, messages=user("hi there [cut]")))
    assert cut and "[DONE]" not in cut
    assert all(c["choices"][0]["finish_reason"] is None for c in cut)
    assert 2 < len(cut) < len(whole) - 2
    # Both were charged, as providers charge a call they started answering (issue 31).
    assert sandbox.control.key_info(api_key)["spent"] == 2


def test_queued_cut_applies_to_streams_too(sandbox, sandbox_http):
    sandbox.control.queue_fault("chat", "cut")
    assert "[DONE]" not in sse_events(chat(sandbox_http, stream=True))
    assert sse_events(chat(sandbox_http, stream=True))[-1] == "[DONE]"


def test_markers_on_images_and_video(sandbox, sandbox_http, api_key):
    assert_fault(sandbox_http.post("/gemini/images", json={"prompt": "cat [500]"}), "500")
    assert_fault(sandbox_http.post("/videos/generations", json={"prompt": "cat [429]"}), "429")
    assert_fault(sandbox_http.post("/videos/generations", json={"prompt": "cat [badjson]"}), "badjson")
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_count_star_and_other_endpoints(sandbox, sandbox_http):
    sandbox.control.queue_fault("billing", "503", count=2)
    assert sandbox_http.get("/dashboard/billing/usage").status_code == 503
    assert sandbox_http.get("/dashboard/billing/subscription").status_code == 503
    assert sandbox_http.get("/dashboard/billing/usage").status_code == 200
    sandbox.control.queue_fault("*", "500")
    assert sandbox_http.post("/gemini/images", json={"prompt": "x"}).status_code == 500
    assert sandbox_http.post("/gemini/images", json={"prompt": "x"}).status_code == 200


def test_video_status_fault(sandbox, sandbox_http):
    task = sandbox_http.post("/videos/generations", json={"prompt": "a boat"}).json()
    sandbox.control.queue_fault("video_status", "502")
    assert sandbox_http.get(f"/videos/generations/{task['id']}").status_code == 502
    assert sandbox_http.get(f"/videos/generations/{task['id']}").status_code == 200


def test_upload_faults_use_the_upload_error_shape(sandbox, api_key):
    sandbox.control.queue_fault("upload", "500")
    response = httpx.post(
        sandbox.upload_url,
        headers={"Authorization": f"Bearer {api_key}"},
        files={"image": ("a.png", b"\x89PNG\r\n\x1a\n...")},
    )
    assert response.status_code == 500
    assert response.json()["success"] is False and response.json()["message"]


def test_bad_fault_requests_are_refused(sandbox, control_http):
    for body in (
        {"endpoint": "nope", "kind": "500"},
        {"endpoint": "chat", "kind": "418"},
        {"endpoint": "chat", "kind": "500", "count": 0},
    ):
        response = control_http.post("/faults", json=body)
        assert response.status_code == 400
    assert httpx.get(sandbox.base_url + "/models", headers={"Authorization": "Bearer sk-sandbox"}).status_code == 200


def test_queued_faults_can_be_cleared(sandbox, sandbox_http):
    sandbox.control.queue_fault("models", "500", count=5)
    sandbox.control.clear_faults()
    assert sandbox_http.get("/models").status_code == 200


SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}


def test_no_schema_refuses_only_a_chat_asking_for_structured_output(sandbox, sandbox_http, api_key):
    """As a server without structured output: 400 for `response_format` JSON, costing nothing; the
    same chat without it is answered. Queued, it waits for such a chat (a plain one passes)."""
    refused = chat(sandbox_http, messages=user("grade this [no_schema]"), response_format=SCHEMA_FORMAT)
    assert refused.status_code == 400 and "response_format is not supported" in refused.json()["error"]["message"]
    assert sandbox.control.key_info(api_key)["spent"] == 0
    assert chat(sandbox_http, messages=user("grade this [no_schema]")).status_code == 200
    assert (
        chat(sandbox_http, messages=user("grade this [no_schema]"), response_format={"type": "text"}).status_code == 200
    )

    sandbox.control.queue_fault("chat", "no_schema")
    assert chat(sandbox_http, messages=user("plain")).status_code == 200
    assert sandbox_http.get("/models").status_code == 200
    assert chat(sandbox_http, messages=user("json"), response_format={"type": "json_object"}).status_code == 400
    assert chat(sandbox_http, messages=user("json"), response_format={"type": "json_object"}).status_code == 200
