"""The base client finishes every call in one place: one ledger row per call, whatever happened
(a success, an HTTP error, an answer the client cannot read, a cut), for every resource, and the
credits in that row are what the sandbox charged the key. Faults come from the sandbox's fault
injection over real HTTP; the ledger is a real Store, written by the hook the app uses."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict

import pytest

from lib import dialects, errors
from lib.client import ReshiClient, retries
from lib.credits import pricing
from lib.store import Store
from tests.imagefiles import image_bytes

HELLO = [{"role": "user", "content": "Say hello"}]
_users = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    opened = Store(f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'store.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def user() -> str:
    return f"user{next(_users)}"


@pytest.fixture
def client(sandbox, api_key, store, user):
    """Wired as the app wires a session's client (lib.ui.store_status.record_call)."""
    with ReshiClient(
        sandbox.base_url, api_key, timeout=10, on_call=lambda record: store.record_usage(user, **asdict(record))
    ) as made:
        yield made


def rows(store: Store, user: str, endpoint: str) -> list[dict]:
    """The user's ledger rows for `endpoint`, oldest first, a missing error kind as None."""
    records = store.usage_ledger(user).calls().to_dict("records")[::-1]
    return [
        {**row, "error_kind": row["error_kind"] if isinstance(row["error_kind"], str) else None}
        for row in records
        if row["endpoint"] == endpoint
    ]


def _chat_stream(client: ReshiClient) -> None:
    stream = client.chat.stream("gpt-4o-mini", HELLO)
    "".join(stream)


def _video_status(client: ReshiClient, task_id: str) -> None:
    client.videos.get(task_id)


# endpoint under test -> (its sandbox fault endpoint, the ledger's endpoint, the call)
CALLS = {
    "chat": ("chat", pricing.CHAT, lambda c: c.chat.create("gpt-4o-mini", HELLO)),
    "chat_stream": ("chat", pricing.CHAT, _chat_stream),
    "images": ("images", pricing.IMAGES, lambda c: c.images.generate("a red fox")),
    "video": ("video", pricing.VIDEO, lambda c: c.videos.create("a red fox running")),
    "video_status": ("video_status", pricing.VIDEO_STATUS, None),
    "upload": ("upload", pricing.UPLOAD, lambda c: c.uploads.upload_file(image_bytes("PNG"), "fox.png")),
    "models": ("models", pricing.MODELS, lambda c: c.models.list()),
}
# outcome -> (the fault queued, how many of it, the error, the ledger's error kind)
OUTCOMES = {
    "success": (None, 0, None, None),
    "http_error": ("500", 3, errors.ServerError, "server"),  # 3: a GET is retried, still one call
    "not_json": ("badjson", 1, errors.MalformedResponseError, "malformed"),
    "malformed": ("badshape", 1, errors.MalformedResponseError, "malformed"),
    "cut": ("cut", 1, errors.MalformedResponseError, "malformed"),
}


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("name", CALLS)
def test_each_call_is_one_ledger_row_charged_as_the_sandbox_charged(
    sandbox, api_key, client, store, user, name, outcome
):
    fault_endpoint, endpoint, send = CALLS[name]
    if name == "video_status":
        task_id = client.videos.create("a red fox running").id
        send = lambda c: _video_status(c, task_id)  # noqa: E731
    fault, count, error, kind = OUTCOMES[outcome]
    if name == "chat_stream" and outcome == "cut":  # a stream cut halfway keeps what arrived
        error, kind = errors.StreamCutError, "stream_cut"
    before = sandbox.control.key_info(api_key)["credits"]
    if fault:
        sandbox.control.queue_fault(fault_endpoint, fault, count)
    if error is None:
        send(client)
    else:
        with pytest.raises(error):
            send(client)
    charged = before - sandbox.control.key_info(api_key)["credits"]
    [row] = rows(store, user, endpoint)
    assert row["error_kind"] == kind
    assert row["credits"] == pytest.approx(charged), "the ledger holds what the server charged"
    if outcome == "success" and name not in ("models", "video_status", "upload"):
        assert row["credits"] > 0 and row["status"] == 200
    if kind == "stream_cut":
        assert row["credits"] > 0, "a stream that started answering is billed"


def test_a_filtered_image_costs_nothing_and_is_one_failed_row(sandbox, api_key, client, store, user):
    before = sandbox.control.key_info(api_key)["credits"]
    with pytest.raises(errors.ContentFilteredError):
        client.images.generate("a red fox [filtered]")
    [row] = rows(store, user, pricing.IMAGES)
    assert row["error_kind"] == "filtered" and row["credits"] == 0
    assert sandbox.control.key_info(api_key)["credits"] == before


def test_a_stopped_stream_is_one_row(client, store, user, sandbox_speed):
    sandbox_speed(token_rate=50)
    stream = client.chat.stream("gpt-4o-mini", HELLO)
    for _ in stream:
        stream.close()
    stream.close()
    [row] = rows(store, user, pricing.CHAT)
    assert row["error_kind"] == "stopped"


# --- one retry policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, body, transient",
    [
        (429, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}, True),
        (429, {"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}}, False),
        (503, {"error": {"message": "overloaded"}}, True),
        (500, {"error": {"message": "boom"}}, True),
        (402, {"error": {"message": "insufficient credits"}}, False),
        (400, {"error": {"message": "bad"}}, False),
    ],
)
def test_only_failures_that_charged_nothing_are_retried(status, body, transient):
    import json

    assert retries.is_transient(dialects.error_for(status, json.dumps(body))) is transient


def test_a_post_is_sent_again_only_when_its_caller_asks(client, sandbox, store, user):
    sandbox.control.queue_fault("chat", "503", 1)
    with pytest.raises(errors.ServerError):
        client.chat.create("gpt-4o-mini", HELLO)
    sandbox.control.queue_fault("chat", "503", 1)
    stream = client.chat.stream("gpt-4o-mini", HELLO, retry=True)
    assert "".join(stream) and stream.attempts == 2
    assert [r["error_kind"] for r in rows(store, user, pricing.CHAT)] == ["server", None]


def test_a_stop_ends_the_pause_between_attempts(client, sandbox):
    sandbox.control.queue_fault("chat", "429", 1)  # Retry-After: 1
    stream = client.chat.stream("gpt-4o-mini", HELLO, retry=True)
    started = time.monotonic()
    threading.Timer(0.2, stream.close).start()
    assert "".join(stream) == ""
    assert stream.stopped and time.monotonic() - started < 0.9
