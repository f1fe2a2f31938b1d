"""Video tasks follow the connection they were made on: a task id is quoted into the status URL,
checked before it is stored, and polled only with the base URL and key that made it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lib import errors
from lib.client import ReshiClient
from lib.media import videos
from lib.store import utcnow

USER = "alice"
HOSTILE_ID = "../../sandbox/keys/sk-sandbox/disable?"
STATUS_PATH = "/api/v1/videos/generations/"


class HostileApi(ThreadingHTTPServer):
    """A server that answers a video creation with `task_id`, whatever it is, and records the
    raw request target of every call, as it came on the wire."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _HostileHandler)
        self.task_id, self.paths = HOSTILE_ID, []
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}/api/v1"


class _HostileHandler(BaseHTTPRequestHandler):
    def _answer(self, status: str) -> None:
        self.server.paths.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"id": self.server.task_id, "status": status, "progress": 10}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self._answer("queued")

    def do_GET(self):
        self._answer("in_progress")

    def log_message(self, *args):  # quiet: the test reads `paths`
        pass


@pytest.fixture
def hostile():
    server = HostileApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def later(minutes: float = 1):
    return utcnow() + timedelta(minutes=minutes)


def test_a_hostile_task_id_stays_one_segment_under_the_status_path(store, hostile):
    with ReshiClient(hostile.base_url, "sk-test-preset-by-the-admin") as client:
        task = videos.submit(store, USER, client, videos.VideoRequest("a trap")).task
        assert task.task_id == HOSTILE_ID
        assert videos.poll_due(store, USER, client, later()).polled == [HOSTILE_ID]
    sent = hostile.paths[-1]
    assert sent.startswith(STATUS_PATH)
    assert sent.removeprefix(STATUS_PATH) == "..%2F..%2Fsandbox%2Fkeys%2Fsk-sandbox%2Fdisable%3F"


@pytest.mark.parametrize(
    "task_id",
    ["x" * 129, "line\nbreak", "tab\tid", "with space", "..", ".", "视频"],
    ids=["long", "newline", "tab", "space", "dotdot", "dot", "non-ascii"],
)
def test_a_task_id_that_is_not_plain_printable_is_refused_and_not_stored(store, hostile, task_id):
    hostile.task_id = task_id
    with ReshiClient(hostile.base_url, "sk-test-typed-key") as client:
        with pytest.raises(errors.MalformedResponseError):
            videos.submit(store, USER, client, videos.VideoRequest("a trap"))
    assert store.list_video_tasks(USER, include_hidden=True) == []


@pytest.fixture
def connections(sandbox, api_key):
    """The connection that makes the task, one with another key, and one with another base URL
    (the same server under another name)."""
    other_key = sandbox.control.add_key(credits=100)
    other_url = sandbox.base_url.replace("127.0.0.1", "localhost")
    with (
        ReshiClient(sandbox.base_url, api_key) as maker,
        ReshiClient(sandbox.base_url, other_key) as by_key,
        ReshiClient(other_url, api_key) as by_url,
    ):
        yield maker, by_key, by_url


def polls_of(sandbox, task_id: str) -> int:
    return sandbox.control.stats()["video_polls"].get(task_id, 0)


def test_a_task_is_polled_only_on_the_connection_that_made_it(store, sandbox, connections):
    maker, by_key, by_url = connections
    task = videos.submit(store, USER, maker, videos.VideoRequest("a lighthouse")).task
    assert task.connection == videos.connection_fingerprint(maker)
    for other in (by_key, by_url):
        assert videos.poll_due(store, USER, other, later()).polled == []
    assert polls_of(sandbox, task.task_id) == 0
    assert videos.poll_due(store, USER, maker, later()).polled == [task.task_id]
    assert polls_of(sandbox, task.task_id) == 1


def test_a_task_stored_without_a_connection_is_bound_by_the_first_that_knows_it(store, sandbox, connections):
    maker, by_key, _ = connections
    created = maker.videos.create("an old task", "sora-2", 5, "16:9")
    store.add_video_task(USER, created.id, "an old task", "sora-2", 5, "16:9", credits=15)
    outcome = videos.poll_due(store, USER, by_key, later())
    assert outcome.errors[created.id].kind == "not_found"  # the sandbox knows it for its maker only
    assert store.get_video_task(USER, created.id).connection is None
    assert videos.poll_due(store, USER, maker, later(5)).polled == [created.id]
    assert store.get_video_task(USER, created.id).connection == videos.connection_fingerprint(maker)
    assert videos.poll_due(store, USER, by_key, later(10)).polled == []
