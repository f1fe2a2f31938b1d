"""The sandbox cannot be made to grow without bound: expired uploads leave memory, oversized
bodies and callers without a key are answered before their body is read.

The body tests speak raw HTTP on a socket, so they can declare a body they never send: a server
that waited for it would never answer, and the socket's timeout turns that into a failure.
"""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlparse

import httpx

from lib.sandbox.app import MAX_BODY_BYTES
from tests.imagefiles import image_bytes

THREE_DAYS = 3 * 24 * 3600
NEVER_ANSWERED = 10  # seconds: only ends a test whose server waits for a body that never comes


def raw_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """POST `body` under the given headers (Content-Length is the caller's, whatever `body`
    is), and return the answer's status and body."""
    parts = urlparse(url)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((parts.hostname, parts.port), timeout=NEVER_ANSWERED) as sock:
        sock.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode() + body)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, answer.read()


def test_expired_uploads_leave_memory_at_the_next_upload(sandbox, api_key):
    def upload() -> str:
        response = httpx.post(
            sandbox.upload_url,
            headers={"Authorization": f"Bearer {api_key}"},
            files={"image": ("a.png", image_bytes())},
        )
        return response.json()["data"]["filename"]

    old = upload()
    assert old in sandbox.state.uploads
    sandbox.control.advance_clock(THREE_DAYS + 1)
    new = upload()
    assert old not in sandbox.state.uploads and new in sandbox.state.uploads


def test_a_declared_oversized_body_is_refused_before_it_is_read(sandbox, api_key):
    status, answer = raw_post(
        sandbox.upload_url,
        {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Content-Length": str(MAX_BODY_BYTES + 1),
        },
        b'{"image_',
    )
    assert status == 413 and b'"success":false' in answer


def test_a_chunked_body_is_cut_off_at_the_cap(sandbox, sandbox_http):
    """No Content-Length to go by: the read stops once it passes the cap."""
    megabyte = b"a" * (1024 * 1024)
    chunks = (megabyte for _ in range(MAX_BODY_BYTES // len(megabyte) + 1))
    response = sandbox_http.post("/chat/completions", content=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_caller_without_a_key_is_refused_before_its_body_is_read(sandbox):
    status, answer = raw_post(
        sandbox.upload_url, {"Content-Type": "application/json", "Content-Length": "1000"}, b'{"image_'
    )
    assert status == 401 and b"API key" in answer
