"""The client's bounds against a hostile server: sizes, lines, deadlines, and the key kept out
of every error and log line. Each answer here is one the sandbox (a well-behaved twin) never sends."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from lib import errors
from lib.client import ReshiClient
from lib.ui.error_text import error_text, explain
from tests.hostile import HostileServer, bearer_key, send_head, send_in_pieces

MB = 1024 * 1024
KEY = "sk-fake-hostile-echo-0123456789abcdef"
HELLO = [{"role": "user", "content": "hello"}]


def sse(*events: dict | str) -> bytes:
    return b"".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events)


def delta(text: str) -> dict:
    return {"choices": [{"delta": {"content": text}}]}


def client_for(server: HostileServer, **bounds) -> ReshiClient:
    client = ReshiClient(server.base_url, KEY, timeout=5, max_retries=0)
    for name, value in bounds.items():
        setattr(client, name, value)
    return client


# ---------------------------------------------------------------- sizes


def read_in_part(status: int, body: bytes, error: type[errors.ReshiError]) -> errors.ReshiError:
    """Serves `body` as the answer to a call, which must raise `error` and hang up before the
    server could send it all: the client held at most its bound in memory, never the body."""

    def answer(h):
        send_head(h, status, "application/json", len(body))
        send_in_pieces(h, body)

    with HostileServer(answer) as server, client_for(server) as client:
        with pytest.raises(error) as caught:
            client.models.list()
        assert server.handled.wait(30)
    assert not server.finished, "the client read the whole body"
    return caught.value


def test_a_50_mb_json_answer_is_refused_without_reading_it_all():
    refused = read_in_part(200, b'{"data": [{"id": "' + b"a" * (50 * MB) + b'"}]}', errors.ResponseTooLargeError)
    assert "larger than expected" in explain(refused, "en") and "大小" in explain(refused, "zh")


def test_a_huge_error_body_gives_the_status_error_from_its_start_only():
    failed = read_in_part(500, b'{"error": {"message": "overloaded ' + b"x" * (50 * MB) + b'"}}', errors.ServerError)
    assert "overloaded xxx" in failed.server_message and len(failed.server_message) <= errors.MAX_MESSAGE_CHARS


def test_an_sse_line_that_never_ends_is_refused():
    line = b"data: " + b"a" * (5 * MB) + b"\n\n" + sse("[DONE]")

    def answer(h):
        send_head(h, 200, "text/event-stream", None)
        send_in_pieces(h, line)

    with HostileServer(answer) as server, client_for(server) as client:
        with pytest.raises(errors.ResponseTooLargeError, match="line"):
            list(client.chat.stream("gpt-4o-mini", HELLO))


def test_a_stream_past_its_total_keeps_the_text_that_arrived_and_stops():
    events = sse(*[delta("word ") for _ in range(2000)], "[DONE]")

    def answer(h):
        send_head(h, 200, "text/event-stream", None)
        send_in_pieces(h, events, piece=4096)

    with HostileServer(answer) as server, client_for(server, max_stream_bytes=64 * 1024) as client:
        stream = client.chat.stream("gpt-4o-mini", HELLO)
        with pytest.raises(errors.ResponseTooLargeError, match="answer larger"):
            list(stream)
    assert stream.text.startswith("word word") and not stream.done


def test_an_oversized_b64_image_is_refused_before_decoding():
    body = json.dumps({"data": [{"b64_json": "A" * (2 * MB)}]}).encode()

    def answer(h):
        send_head(h, 200, "application/json", len(body))
        h.wfile.write(body)

    with HostileServer(answer) as server, client_for(server, max_image_bytes=MB) as client:
        with pytest.raises(errors.ResponseTooLargeError, match="b64_json"):
            client.images.generate("a fox")


# ---------------------------------------------------------------- deadline


def trickle(content_type: str, body: bytes):
    """An answer sent a byte at a time, 3.5 s in all: every read is quick, the whole is not."""

    def answer(h):
        send_head(h, 200, content_type, len(body))
        send_in_pieces(h, body, piece=1, pause=3.5 / len(body))

    return answer


@pytest.mark.parametrize(
    "content_type, body, call",
    [
        ("application/json", b'{"data": [{"id": "gpt-4o-mini"}]}', lambda c: c.models.list()),
        ("text/event-stream", sse(delta("hi"), "[DONE]"), lambda c: list(c.chat.stream("gpt-4o-mini", HELLO))),
    ],
    ids=["json", "stream"],
)
def test_an_answer_trickling_past_the_deadline_times_out(content_type, body, call):
    with HostileServer(trickle(content_type, body)) as server, client_for(server, deadline_seconds=1.0) as client:
        with pytest.raises(errors.ApiTimeoutError, match="within 1 s"):
            call(client)


# ---------------------------------------------------------------- the key in errors and logs


def echo(status: int, content_type: str, template: str):
    """Answers with the caller's own key in the body, as a careless (or hostile) server might."""

    def answer(h):
        body = template.replace("KEY", bearer_key(h)).encode()
        send_head(h, status, content_type, len(body))
        h.wfile.write(body)

    return answer


def hang_up_mid_stream(h):
    body = sse(delta(f"your key is {bearer_key(h)} and"))
    send_head(h, 200, "text/event-stream", len(body) + 100)
    h.wfile.write(body)


def never_answer(h):
    h.server_gone = h.rfile.read(1)  # waits for bytes the client never sends


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ECHO_PATHS = {
    "401": (
        echo(401, "application/json", '{"error": {"message": "bad key KEY"}}'),
        lambda c: c.models.list(),
        errors.AuthError,
    ),
    "500": (
        echo(500, "text/html", "<h1>500</h1><p>KEY broke us</p>"),
        lambda c: c.chat.create("gpt-4o-mini", HELLO),
        errors.ServerError,
    ),
    "not json": (echo(200, "application/json", "oops KEY"), lambda c: c.models.list(), errors.MalformedResponseError),
    "error event": (
        echo(200, "text/event-stream", 'data: {"error": {"message": "KEY is out of credits"}}\n\n'),
        lambda c: list(c.chat.stream("gpt-4o-mini", HELLO)),
        errors.ServerError,
    ),
    "stream cut": (hang_up_mid_stream, lambda c: list(c.chat.stream("gpt-4o-mini", HELLO)), errors.StreamCutError),
    "upload refused": (
        echo(200, "application/json", '{"success": false, "message": "KEY may not upload"}'),
        lambda c: c.uploads.upload_base64("aGk=", "a.png"),
        errors.BadRequestError,
    ),
    "timeout": (never_answer, lambda c: c.models.list(), errors.ApiTimeoutError),
}


def assert_no_key(exc: errors.ReshiError, log_text: str) -> None:
    for text in (str(exc), repr(exc), exc.server_message, error_text(exc, "en"), error_text(exc, "zh"), log_text):
        assert KEY not in text


@pytest.mark.parametrize("path", ECHO_PATHS)
def test_the_key_never_reaches_an_error_or_a_log_line(path, caplog):
    answer, call, error = ECHO_PATHS[path]
    caplog.set_level(logging.DEBUG, logger="reshi.api")
    with HostileServer(answer) as server, ReshiClient(server.base_url, KEY, timeout=0.5, max_retries=0) as client:
        with pytest.raises(error) as caught:
            call(client)
    assert_no_key(caught.value, caplog.text)
    assert len([r for r in caplog.records if r.levelno == logging.INFO]) == 1, "one line per call"


def test_a_refused_connection_holds_no_key(caplog):
    caplog.set_level(logging.DEBUG, logger="reshi.api")
    with ReshiClient(f"http://127.0.0.1:{refused_port()}/api/v1", KEY, timeout=2, max_retries=0) as client:
        with pytest.raises(errors.ApiConnectionError) as caught:
            client.models.list()
    assert_no_key(caught.value, caplog.text)


# ---------------------------------------------------------------- one log line per call


def test_one_info_line_per_call_and_prompts_only_at_debug(sandbox, api_key, caplog):
    caplog.set_level(logging.INFO, logger="reshi.api")
    with ReshiClient(sandbox.base_url, api_key, timeout=5) as client:
        client.models.list()
        client.chat.create("gpt-4o-mini", [{"role": "user", "content": "secret plans"}])
        list(client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "more secret plans"}]))
        with pytest.raises(errors.ServerError):
            client.chat.create("gpt-4o-mini", [{"role": "user", "content": "[500]"}])
    lines = [r.getMessage() for r in caplog.records if r.name == "reshi.api"]
    assert [line.split()[0] for line in lines] == ["models", "chat", "chat", "chat"]
    assert "status=200" in lines[1] and "credits=1" in lines[1] and "request_id=" in lines[1]
    assert "status=500 error=server" in lines[3]
    assert "secret plans" not in caplog.text and api_key not in caplog.text

    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="reshi.api")
    with ReshiClient(sandbox.base_url, api_key, timeout=5) as client:
        client.chat.create("gpt-4o-mini", [{"role": "user", "content": "secret plans"}])
    assert "secret plans" in caplog.text and api_key not in caplog.text


# ---------------------------------------------------------------- shapes


def answering(status: int, content_type: str, body: bytes):
    def answer(h):
        send_head(h, status, content_type, len(body))
        h.wfile.write(body)

    return answer


ODD_USAGE = [["a list"], "many", {"prompt_tokens": "7", "completion_tokens": -5}, {"prompt_tokens": True}]


@pytest.mark.parametrize("usage", ODD_USAGE)
def test_odd_usage_in_a_reply_counts_as_no_tokens(usage):
    body = json.dumps({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}], "usage": usage})
    with HostileServer(answering(200, "application/json", body.encode())) as server, client_for(server) as client:
        result = client.chat.create("gpt-4o-mini", HELLO)
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("hi", None, None)


@pytest.mark.parametrize("usage", ODD_USAGE)
def test_odd_shapes_in_a_stream_are_skipped_and_the_text_kept(usage):
    events = sse(
        delta("Hel"),
        {"choices": "none"},
        {"choices": [7]},
        {"choices": [{"delta": ["x"]}]},
        {"choices": [{"delta": {"content": 5}, "finish_reason": {"odd": 1}}]},
        delta("lo"),
        {"choices": [], "usage": usage},
        "[DONE]",
    )
    with HostileServer(answering(200, "text/event-stream", events)) as server, client_for(server) as client:
        stream = client.chat.stream("gpt-4o-mini", HELLO)
        assert "".join(stream) == "Hello"
    assert (stream.done, stream.prompt_tokens, stream.completion_tokens, stream.finish_reason) == (
        True,
        None,
        None,
        None,
    )


def test_a_reply_whose_content_is_not_text_is_malformed():
    body = json.dumps({"choices": [{"message": {"content": {"html": "<b>"}}}]}).encode()
    with HostileServer(answering(200, "application/json", body)) as server, client_for(server) as client:
        with pytest.raises(errors.MalformedResponseError):
            client.chat.create("gpt-4o-mini", HELLO)
