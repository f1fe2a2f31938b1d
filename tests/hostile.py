"""A tiny hostile HTTP server for the client's bounds: each test says what it answers.

The sandbox plays a well-behaved API; these answers (50 MB bodies, endless lines, a byte every
few seconds, the caller's key echoed back) are what a broken or malicious server could send.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = Callable[[BaseHTTPRequestHandler], None]


class HostileServer:
    """Serves `answer` for every request. `finished` tells whether the last answer was written
    whole: False means the client hung up before taking it all."""

    def __init__(self, answer: Answer):
        self.answer = answer
        self.finished: bool | None = None
        self.handled = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                try:
                    owner.answer(self)
                    self.wfile.flush()
                    owner.finished = True
                except (BrokenPipeError, ConnectionResetError):
                    owner.finished = False
                    self.close_connection = True
                finally:
                    owner.handled.set()

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def send_head(handler: BaseHTTPRequestHandler, status: int, content_type: str, length: int | None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    if length is None:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    else:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()


def send_in_pieces(handler: BaseHTTPRequestHandler, data: bytes, piece: int = 1024 * 1024, pause: float = 0.0) -> None:
    for start in range(0, len(data), piece):
        handler.wfile.write(data[start : start + piece])
        handler.wfile.flush()
        if pause:
            time.sleep(pause)


def bearer_key(handler: BaseHTTPRequestHandler) -> str:
    return (handler.headers.get("authorization") or "").removeprefix("Bearer ")
