"""A local, real HTTP twin of the reshi123 API: the app's default backend and every test's.

The official `openai` SDK and the provider's own samples run against it unchanged, but for the
base URL and key. Start it alone with

    python -m lib.sandbox --host 127.0.0.1 --port 8600 [--credits N] [--key KEY ...]
                          [--video-seconds S] [--token-rate R] [--dialect reshi|new-api|openai]

(it prints its base URL, `http://HOST:PORT/api/v1`, when ready, then its control token), or
in-process with `start_sandbox(...)`, which returns a `RunningSandbox`.

API (same paths as the real one; `Authorization: Bearer KEY` on all of them)
- `GET  /api/v1/models`, `POST /api/v1/chat/completions` (also `stream: true`, SSE),
  `POST /api/v1/gemini/images`, `POST /api/v1/videos/generations`,
  `GET  /api/v1/videos/generations/{id}`, `POST /api/upload.php`,
  `GET  /api/v1/dashboard/billing/subscription` and `/usage` (one-api shape; one credit = one
  "usd", so balance = hard_limit_usd - total_usage / 100).
- Key `sk-sandbox` always exists. Missing/unknown key 401, disabled 403, too few credits 402.
  Prices come from `lib.credits.pricing`; a call is charged only when it succeeds (a video task is
  charged at creation and refunded, once, when it fails).
- Video status follows the virtual clock: `queued` for the first 10% of `video_seconds`, then
  `in_progress` with `progress`, then `completed` with an absolute `video_url` (a real H.264
  MP4 of the requested aspect ratio and duration, encoded once per shape and cached).
- Uploads expire 3 days later (`expire_at` is Asia/Shanghai local time, UTC+8); the file is
  served at its `url` until then (virtual clock), 404 after.

Dialects (lib/sandbox/dialects.py; README, "Dialects"): `reshi` (the default: the provider's
document, as below), `new-api` and `openai` change the shapes, task words, progress form,
envelopes, video routes and refusals; the timeline, prices, faults and markers stay the same.

Prompt markers (last user message for chat, `prompt` for images and video)
- `[500]` `[502]` `[503]`: that status with an OpenAI error body; `[429]`: 429 with
  `Retry-After: 1`; `[timeout]`: hangs `hang_seconds` (default 30) then 504; `[badjson]`: 200
  with a body that is not JSON (a chat asking for JSON gets JSON that breaks its schema instead;
  `[notjson]`: text that is not JSON); `[badshape]`: 200 with JSON holding none of the fields
  any answer has; `[html]`: 502 with an HTML page; `[cut]`: a chat stream stops
  halfway without `finish_reason` or `[DONE]`, any other response is a body cut mid-JSON;
  `[fail]`: a video task fails halfway and is refunded; `[filtered]` (images): 200 with an
  empty `data`, as a safety filter answers, and no charge; `[echo_key]`: 401 whose message
  quotes the request's `Authorization` header back, as a careless gateway does; `[no_schema]`: a
  chat asking for structured output (`response_format` JSON) gets 400, as a server without it
  answers (any other request is answered). Markers act after authentication and
  before any charge, so a failed call costs nothing.

Control API (with `start_sandbox(control=True)` and from the command line; otherwise, as in the
app's embedded sandbox, every /sandbox path is 404). Each call needs the header
`X-Sandbox-Control: TOKEN`, a random token made at start (`RunningSandbox.control_token`, printed
by the command line); none gets 401, another 403. `RunningSandbox.control` sends it.
- `POST /sandbox/keys {"credits": N, "key": optional}` -> `{"key"}`
- `GET  /sandbox/keys/{key}` -> `{"credits", "granted", "spent", "disabled"}`;
  `POST /sandbox/keys/{key}/disable`, `/enable`
- `POST /sandbox/speed {token_rate, video_seconds, image_delay, hang_seconds}` (any subset; a
  token rate also paces the rest of the streams already going)
- `POST /sandbox/dialect {"dialect": "reshi"|"new-api"|"openai", "reasoning": optional
  "reasoning_content"|"reasoning"|"think_tag"}`, `GET /sandbox/dialect`
- `POST /sandbox/faults {"endpoint": chat|images|video|video_status|video_content|upload|models|billing|*,
  "kind": 500|502|503|429|timeout|cut|badjson|badshape|html|echo_key|no_schema, "count": N}`: the next N
  matching requests get that fault (same effects as the markers; `no_schema` waits for a chat
  asking for structured output); `DELETE /sandbox/faults` clears them
- `POST /sandbox/clock {"advance_seconds": N}`: moves the virtual clock forward; `{"reset": true}`
  puts it back to real time
- `DELETE /sandbox/videos/{task_id}`: the finished video's file is gone, as when a provider
  expires it: its URL and the content route answer 404 from then on (the task still answers)
- `GET  /sandbox/stats` -> `{"endpoints": {endpoint: n}, "video_polls": {task_id: n},
  "peak_in_flight": {endpoint: n}, "hangs_answered": n, "total"}` (`hangs_answered`: `[timeout]`
  requests whose hang has ended in its 504, for a test that must wait past it);
  `POST /sandbox/stats/reset`
- `GET  /sandbox/requests?n=20` -> `{"requests": [{method, path, endpoint, body, time}]}`
  (bodies only, never headers, so never a key)
- `GET  /sandbox/health`

Request bodies over 32 MB get 413 before they are read (by Content-Length, or as soon as a
chunked body passes the cap), and a call without a valid key gets its 401/403 before its body is
read. Expired uploads are dropped from memory whenever a new file is uploaded.

Keys are never logged (uvicorn's access log is off) nor echoed in any response.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from lib.sandbox.app import create_app
from lib.sandbox.control import TOKEN_HEADER
from lib.sandbox.dialects import DEFAULT_DIALECT, DIALECTS
from lib.sandbox.media import VideoCache
from lib.sandbox.state import DEFAULT_CREDITS, DEFAULT_KEY, SandboxState, Speed

__all__ = ["DEFAULT_KEY", "Control", "RunningSandbox", "start_sandbox"]
STARTUP_TIMEOUT = 15.0


class Control:
    """A small client for the control API (`/sandbox/...`), sending its token."""

    def __init__(self, root_url: str, token: str):
        # A connection per call: uvicorn closes one idle for 5 s, and a call reusing it at that
        # moment fails with "Server disconnected without sending a response" (a test's teardown
        # resetting the clock after a 5-second test did).
        self._http = httpx.Client(
            base_url=root_url + "/sandbox",
            headers={TOKEN_HEADER: token},
            timeout=10,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def _post(self, path: str, body: dict | None = None) -> dict:
        response = self._http.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def _get(self, path: str, **params) -> dict:
        response = self._http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def add_key(self, credits: float = 1000, key: str | None = None) -> str:
        return self._post("/keys", {"credits": credits, "key": key})["key"]

    def disable_key(self, key: str) -> None:
        self._post(f"/keys/{key}/disable")

    def enable_key(self, key: str) -> None:
        self._post(f"/keys/{key}/enable")

    def key_info(self, key: str) -> dict:
        return self._get(f"/keys/{key}")

    def set_speed(
        self,
        token_rate: float | None = None,
        video_seconds: float | None = None,
        image_delay: float | None = None,
        hang_seconds: float | None = None,
    ) -> dict:
        given = {
            "token_rate": token_rate,
            "video_seconds": video_seconds,
            "image_delay": image_delay,
            "hang_seconds": hang_seconds,
        }
        return self._post("/speed", {k: v for k, v in given.items() if v is not None})

    def set_dialect(self, dialect: str, reasoning: str | None = None) -> None:
        """Answer in `dialect` (a key of lib.sandbox.dialects.DIALECTS) from the next call on,
        with thinking in `reasoning` (one of REASONING_SHAPES; None: the dialect's own)."""
        self._post("/dialect", {"dialect": dialect, "reasoning": reasoning})

    def queue_fault(self, endpoint: str, kind: str, count: int = 1) -> None:
        self._post("/faults", {"endpoint": endpoint, "kind": str(kind), "count": count})

    def clear_faults(self) -> None:
        response = self._http.delete("/faults")
        response.raise_for_status()

    def advance_clock(self, seconds: float) -> None:
        self._post("/clock", {"advance_seconds": seconds})

    def reset_clock(self) -> None:
        self._post("/clock", {"reset": True})

    def delete_video(self, task_id: str) -> None:
        """The task's video file is gone, as a provider's expired one is."""
        self._http.delete(f"/videos/{task_id}").raise_for_status()

    def stats(self) -> dict:
        return self._get("/stats")

    def recent_requests(self, n: int = 20) -> list[dict]:
        return self._get("/requests", n=n)["requests"]

    def reset_stats(self) -> None:
        self._post("/stats/reset")

    def close(self) -> None:
        self._http.close()


class RunningSandbox:
    """A sandbox serving on a daemon thread; `stop()` shuts it down. `control` and
    `control_token` are None when it was started without the control API."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
        state: SandboxState,
        control_token: str | None,
    ):
        self._server, self._thread, self.state = server, thread, state
        self.root_url = f"http://{host}:{port}"
        self.base_url = self.root_url + "/api/v1"
        self.upload_url = self.root_url + "/api/upload.php"
        self.control_token = control_token
        self.control = Control(self.root_url, control_token) if control_token else None

    def wait(self) -> None:
        """Block until the server stops (Ctrl+C interrupts the wait)."""
        self._thread.join()

    def stop(self) -> None:
        if self.control:
            self.control.close()
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    credits: float = DEFAULT_CREDITS,
    keys: tuple[str, ...] | list[str] = (),
    token_rate: float = 40.0,
    video_seconds: float = 15.0,
    image_delay: float = 0.0,
    hang_seconds: float = 30.0,
    control: bool = False,
    dialect: str = DEFAULT_DIALECT,
    files_dir: Path | None = None,
) -> RunningSandbox:
    """Serve a fresh sandbox on a pre-bound socket (port 0 = any free port); returns once it
    answers. `control=True` turns on the control API, with a new random token. `dialect` is
    one of lib.sandbox.dialects.DIALECTS. `files_dir` keeps uploads and generated images on disk
    too, so a sandbox started again on the same port still serves the links it gave out."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of: {', '.join(DIALECTS)}")
    control_token = secrets.token_urlsafe(32) if control else None
    state = SandboxState(Speed(token_rate, video_seconds, image_delay, hang_seconds), dialect, files_dir)
    for key in (DEFAULT_KEY, *keys):
        state.add_key(credits, key)
    # proto must be IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on such sockets, and
    # without it every keep-alive request waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen()  # now: a second process binding the same port fails here, not in uvicorn
    except OSError:
        sock.close()
        raise
    config = uvicorn.Config(
        create_app(state, VideoCache(), control_token),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="reshi-sandbox", daemon=True)
    thread.start()
    # A wildcard address is not one a client can dial; loopback reaches the same server.
    url_host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    running = RunningSandbox(server, thread, url_host, sock.getsockname()[1], state, control_token)
    _wait_until_up(running.root_url, thread)
    return running


def _wait_until_up(url: str, thread: threading.Thread) -> None:
    """Any HTTP answer (a 404 at the root) means the server is up."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and thread.is_alive():
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the sandbox did not start answering at {url}")
