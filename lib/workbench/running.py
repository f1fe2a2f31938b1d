"""Running the grid cases x models: each cell one streamed chat call, in a bounded thread pool.

Each cell goes through the session's client (so it lands in the usage ledger like any other
call, and the sandbox paces it like any other reply); cells are handed back as they finish.
Failures that happen before the server produced anything (429, 5xx, timeouts, dropped
connections) are retried with backoff, since such a call was not charged; a failure after text
arrived is kept as it is.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Iterator

from lib import chat, errors, pricing
from lib.client import ReshiClient
from lib.workbench.prompt import Check, messages_for

MAX_MODELS = 3
DEFAULT_POOL = 4
MAX_POOL = 16
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0, 2.0)
MAX_WAIT_SECONDS = 10.0
# Failures that leave no reply behind: the server refused or never answered, so nothing was
# charged and sending again is safe. A stream cut after text arrived (possibly charged) is not.
SAFE_TO_RETRY = (errors.RateLimitError, errors.ServerError, errors.ApiTimeoutError, errors.ApiConnectionError)
OK, FAILED = "ok", "failed"


@dataclass
class RunSpec:
    """What a run sends: the templates, the models, the chat parameters (as the Chat page keeps
    them), the checks and the pool size."""
    system: str
    user: str
    models: list[str]
    params: dict
    checks: list[Check] = field(default_factory=list)
    pool: int = DEFAULT_POOL

    def settings(self) -> dict:
        return {"models": self.models, "params": self.params, "pool": self.pool,
                "checks": [asdict(c) for c in self.checks]}

    @classmethod
    def from_run(cls, run: dict) -> "RunSpec":
        settings = run["settings"]
        return cls(system=run["prompt"]["system"], user=run["prompt"]["user"], models=list(settings["models"]),
                   params=settings["params"], checks=[Check(**c) for c in settings.get("checks", [])],
                   pool=int(settings.get("pool", DEFAULT_POOL)))


@dataclass
class Cell:
    """One case on one model, as shown, exported and stored."""
    case: int
    model: str
    status: str
    output: str = ""
    error_kind: str | None = None
    error_message: str = ""
    latency_s: float | None = None
    tokens: int | None = None
    credits: float = 0.0
    attempts: int = 1
    checks: list[bool] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """All checks passed; None when there were no checks or no reply to check."""
        if self.status != OK or not self.checks:
            return None
        return all(self.checks)


def estimate_credits(client: ReshiClient, models: list[str], case_count: int) -> float:
    """Per-call prices only: the replies' tokens (and their per-1K-token price) are not known yet."""
    return case_count * sum(client.credits_for(pricing.CHAT, model) for model in models)


def run_cells(client: ReshiClient, spec: RunSpec, cases: list[dict],
              stop: threading.Event | None = None) -> Iterator[Cell]:
    """Every cell of the grid, each yielded the moment it finishes, `spec.pool` at a time.

    Closing the generator (the page's Stop, or its script run ending) stops the run: cells not
    started never start, replies being streamed are closed, and what finished was yielded.
    """
    stop = stop or threading.Event()
    streams: set = set()
    pool = ThreadPoolExecutor(max_workers=max(1, min(spec.pool, MAX_POOL)), thread_name_prefix="workbench")
    try:
        futures = [pool.submit(_run_cell, client, spec, index, case, model, stop, streams)
                   for index, case in enumerate(cases) for model in spec.models]
        for future in as_completed(futures):
            cell = future.result()
            if cell is not None:
                yield cell
    finally:
        stop.set()
        for stream in list(streams):
            stream.close()
        pool.shutdown(wait=False, cancel_futures=True)


def _run_cell(client: ReshiClient, spec: RunSpec, index: int, case: dict, model: str,
              stop: threading.Event, streams: set) -> Cell | None:
    """One cell, retried while safe; None when the run was stopped before it finished."""
    params = chat.request_params({"params": spec.params})
    messages = messages_for(spec.system, spec.user, case)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if stop.is_set():
            return None
        stream = client.chat.stream(model, messages, **params)
        streams.add(stream)
        try:
            for _ in stream:
                pass
        except SAFE_TO_RETRY as exc:
            if attempt == MAX_ATTEMPTS:
                return _failed(index, model, exc, attempt)
            stop.wait(_backoff(attempt, exc))
            continue
        except errors.ReshiError as exc:
            return _failed(index, model, exc, attempt, output=getattr(exc, "text", "") or stream.text)
        finally:
            streams.discard(stream)
        if stream.stopped:
            return None
        return Cell(case=index, model=model, status=OK, output=stream.text, latency_s=stream.elapsed,
                    tokens=stream.tokens, credits=stream.credits, attempts=attempt,
                    checks=[check.passes(stream.text, case) for check in spec.checks])
    return None


def _backoff(attempt: int, exc: errors.ReshiError) -> float:
    """The server's Retry-After when it sent one, else a growing pause."""
    after = getattr(exc, "retry_after", None)
    if after is not None:
        return min(float(after), MAX_WAIT_SECONDS)
    return BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]


def _failed(index: int, model: str, exc: errors.ReshiError, attempts: int, output: str = "") -> Cell:
    return Cell(case=index, model=model, status=FAILED, output=output, error_kind=exc.kind,
                error_message=exc.server_message, attempts=attempts)
