"""lib.client against the sandbox over real HTTP: every endpoint, every typed error, the ledger hook."""

from __future__ import annotations

import base64
import contextlib
import io
import logging

import pytest
from PIL import Image

from lib import errors
from lib.client import CallRecord, ReshiClient, derive_upload_url, is_chat_model, mask_key
from lib.ui.error_text import error_text, explain

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def calls() -> list[CallRecord]:
    return []


@pytest.fixture
def client(sandbox, api_key, calls):
    with ReshiClient(sandbox.base_url, api_key, on_call=calls.append, timeout=5) as c:
        yield c


def test_derive_upload_url_strips_v1():
    assert derive_upload_url("https://www.reshi123.com/api/v1") == "https://www.reshi123.com/api/upload.php"
    assert derive_upload_url("http://h:1/api/v1/") == "http://h:1/api/upload.php"


def test_key_is_masked_in_repr_and_errors(sandbox, api_key):
    """The sandbox quotes the Authorization header back in its refusal: the client must mask it."""
    client = ReshiClient(sandbox.base_url, api_key)
    assert api_key not in repr(client) and mask_key(api_key) in repr(client)
    sandbox.control.queue_fault("models", "echo_key")
    with pytest.raises(errors.AuthError) as caught:
        client.models.list()
    error = caught.value
    assert f"Bearer {mask_key(api_key)}" in error.server_message, "the key came back, masked"
    for text in (str(error), repr(error), error.server_message, error_text(error, "en"), error_text(error, "zh")):
        assert api_key not in text


def test_models_list_and_chat_filter(client, calls):
    ids = [m.id for m in client.models.list()]
    assert {"gemini-pro", "gpt-4o-mini", "sora-2", "sora-2-pro"} <= set(ids)
    assert not is_chat_model("sora-2") and is_chat_model("gemini-pro")
    assert calls[-1].endpoint == "models" and calls[-1].status == 200


def test_chat_create_records_usage_and_credits(client, calls, sandbox, api_key):
    before = sandbox.control.key_info(api_key)["credits"]
    result = client.chat.create("gpt-4o-mini", [{"role": "user", "content": "Hello!"}])
    assert result.text and result.prompt_tokens and result.completion_tokens
    record = calls[-1]
    assert (record.endpoint, record.model, record.status, record.credits) == ("chat", "gpt-4o-mini", 200, 1)
    assert sandbox.control.key_info(api_key)["credits"] == before - record.credits


def test_chat_stream_yields_deltas_usage_and_timing(client, calls):
    stream = client.chat.stream("gemini-pro", [{"role": "user", "content": "Give me a list"}])
    deltas = list(stream)
    assert len(deltas) > 3 and "".join(deltas) == stream.text
    assert stream.done and stream.finish_reason == "stop"
    assert stream.completion_tokens and stream.ttft is not None
    assert calls[-1].completion_tokens == stream.completion_tokens and calls[-1].credits == 1


def test_stream_matches_non_stream_reply(client):
    messages = [{"role": "user", "content": "Write python code"}]
    assert "".join(client.chat.stream("gpt-4o-mini", messages)) == client.chat.create("gpt-4o-mini", messages).text


def test_stream_cut_keeps_partial_text(client, calls):
    stream = client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "tell me a story [cut]"}])
    received = []
    with pytest.raises(errors.StreamCutError) as caught:
        for delta in stream:
            received.append(delta)
    assert received and caught.value.partial_text == "".join(received) == stream.text
    assert calls[-1].error_kind == "stream_cut"


@pytest.mark.parametrize(
    "marker, error",
    [("[500]", errors.ServerError), ("[429]", errors.RateLimitError), ("[badjson]", errors.MalformedResponseError)],
)
def test_chat_fault_markers_raise_typed_errors(client, calls, marker, error):
    with pytest.raises(error):
        client.chat.create("gpt-4o-mini", [{"role": "user", "content": f"hi {marker}"}])
    assert calls[-1].error_kind == error.kind and calls[-1].credits == 0


def test_timeout_is_typed(sandbox, api_key, sandbox_speed):
    sandbox_speed(hang_seconds=3)
    with ReshiClient(sandbox.base_url, api_key, timeout=0.5) as client:
        with pytest.raises(errors.ApiTimeoutError):
            client.chat.create("gpt-4o-mini", [{"role": "user", "content": "[timeout]"}])


def test_refused_connection_is_typed():
    with socket_free_port() as port:
        pass
    with ReshiClient(f"http://127.0.0.1:{port}/api/v1", "sk-x", timeout=2, max_retries=0) as client:
        with pytest.raises(errors.ApiConnectionError):
            client.models.list()


def socket_free_port():
    import contextlib
    import socket

    @contextlib.contextmanager
    def bound():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            yield sock.getsockname()[1]

    return bound()


def test_auth_credits_and_disabled_keys(sandbox):
    with ReshiClient(sandbox.base_url, "sk-unknown") as client:
        with pytest.raises(errors.AuthError) as caught:
            client.chat.create("gpt-4o-mini", [{"role": "user", "content": "hi"}])
        assert caught.value.status == 401 and caught.value.server_message
    poor = sandbox.control.add_key(credits=5)
    with ReshiClient(sandbox.base_url, poor) as client:
        with pytest.raises(errors.CreditsError):
            client.images.generate("a cat")
    sandbox.control.disable_key(poor)
    with ReshiClient(sandbox.base_url, poor) as client:
        with pytest.raises(errors.KeyDisabledError):
            client.models.list()


def test_each_error_explains_itself_in_both_languages():
    for status in (400, 401, 402, 403, 404, 429, 500, 503):
        err = errors.error_for_status(status, "server words")
        assert explain(err, "en") != explain(err, "zh")
        assert "server words" in error_text(err, "zh")


def test_get_retries_on_queued_503_but_post_never_does(client, sandbox, calls):
    sandbox.control.queue_fault("models", "503", count=1)
    assert client.models.list()
    sandbox.control.queue_fault("images", "503", count=1)
    sandbox.control.reset_stats()
    with pytest.raises(errors.ServerError):
        client.images.generate("a red fox")
    assert sandbox.control.stats()["endpoints"].get("images", 0) == 1


def test_html_error_body_gives_readable_message(client, sandbox):
    sandbox.control.queue_fault("chat", "html", count=1)
    with pytest.raises(errors.ServerError) as caught:
        client.chat.create("gpt-4o-mini", [{"role": "user", "content": "hi"}])
    assert "<" not in caught.value.server_message


def test_image_generate_returns_jpeg(client, calls):
    result = client.images.generate("a lighthouse at dusk")
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "JPEG" and min(image.size) >= 512 and result.mime == "image/jpeg"
    assert calls[-1].credits == 10


def test_video_lifecycle_and_refund(client, sandbox, api_key):
    task = client.videos.create("a cat in a garden", model="sora-2", duration=2, aspect_ratio="1:1")
    assert task.id and task.status in ("queued", "running")
    sandbox.control.advance_clock(60)
    done = client.videos.get(task.id)
    assert done.status == "completed" and done.progress == 100 and done.video_url
    assert client.fetch_bytes(done.video_url, "video")[4:8] == b"ftyp"
    before = sandbox.control.key_info(api_key)["credits"]
    failing = client.videos.create("a storm [fail]", model="sora-2")
    sandbox.control.advance_clock(60)
    failed = client.videos.get(failing.id)
    assert failed.status == "failed" and failed.error
    assert sandbox.control.key_info(api_key)["credits"] == before


def test_video_bad_parameters_are_400(client):
    with pytest.raises(errors.BadRequestError) as caught:
        client.videos.create("x", aspect_ratio="4:3")
    assert "aspect_ratio" in caught.value.server_message


def test_upload_file_and_base64(client):
    uploaded = client.uploads.upload_file(PNG_1PX, "../../etc/pass wd 图.png")
    assert uploaded.url and uploaded.size == len(PNG_1PX) and uploaded.expire_at is not None
    assert client.fetch_bytes(uploaded.url, "image") == PNG_1PX
    data_url = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert client.uploads.upload_base64(data_url, "x.png").size == len(PNG_1PX)


def test_upload_refusal_is_bad_request_with_server_reason(client):
    with pytest.raises(errors.BadRequestError) as caught:
        client.uploads.upload_file(b"#!/bin/sh\necho hi\n", "evil.png")
    assert caught.value.server_message


def test_billing_balance_follows_spending(client):
    first = client.billing.balance()
    client.chat.create("gpt-4o-mini", [{"role": "user", "content": "hi"}])
    second = client.billing.balance()
    assert first.remaining - second.remaining == 1


def test_balance_is_none_when_server_does_not_answer(sandbox, api_key):
    sandbox.control.queue_fault("billing", "500", count=10)
    with ReshiClient(sandbox.base_url, api_key, max_retries=0) as client:
        assert client.billing.balance() is None


def test_key_never_logged(sandbox, caplog):
    secret = "sk-test-logged-key-should-not-appear-9999"
    caplog.set_level(logging.DEBUG)
    with ReshiClient(sandbox.base_url, secret, max_retries=0) as client:
        with pytest.raises(errors.AuthError):
            client.chat.create("gpt-4o-mini", [{"role": "user", "content": "hi"}])
    assert secret not in caplog.text


@pytest.mark.parametrize("how", ["stopped", "cut"])
def test_a_call_started_answering_is_billed_as_the_sandbox_bills_it(client, calls, sandbox, api_key, how):
    """Providers charge a call once they start answering, stopped or broken after (issue 31)."""
    before = sandbox.control.key_info(api_key)["spent"]
    stream = client.chat.stream(
        "gpt-4o-mini", [{"role": "user", "content": f"a long story {'[cut]' * (how == 'cut')}"}]
    )
    with contextlib.suppress(errors.StreamCutError):
        for _ in stream:
            if how == "stopped":
                stream.close()
    assert calls[-1].error_kind == ("stopped" if how == "stopped" else "stream_cut")
    assert calls[-1].credits == stream.credits == 1
    # The sandbox charged before it sent the first token, so before the client could stop.
    assert sandbox.control.key_info(api_key)["spent"] == before + 1


def test_a_call_stopped_before_its_first_token_costs_nothing(client, calls, sandbox, api_key):
    before = sandbox.control.key_info(api_key)["spent"]
    stream = client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "never mind"}])
    stream.close()
    assert calls[-1].error_kind == "stopped" and calls[-1].credits == 0
    assert sandbox.control.key_info(api_key)["spent"] == before
