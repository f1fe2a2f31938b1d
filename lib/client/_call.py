"""One call from its first attempt to its report (`Call`), and the bounds on what it may take:
a deadline for the whole call, reading included (`Deadline`), and a size cap per body and per
line as the answer arrives (`bounded`). lib/client/_base.py sends the call's requests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx

from lib import errors
from lib.client.types import CallRecord

if TYPE_CHECKING:  # the client makes its calls; a call reports through its client
    from lib.client._base import BaseClient


class Deadline:
    """The most time one call may take, reading included. Per-read timeouts alone let a server
    that sends a byte every few seconds hold a call forever."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._ends:
            raise errors.ApiTimeoutError(f"no complete answer within {self.seconds:g} s")


def bounded(
    chunks: Iterable[bytes], deadline: Deadline, max_bytes: float, max_line: float = math.inf
) -> Iterator[bytes]:
    """`chunks` as they arrive, each checked against the deadline, the size cap and the longest
    line so far. Counted after decompression, so a small gzip bomb cannot slip past."""
    total = line = 0
    for chunk in chunks:
        deadline.check()
        total += len(chunk)
        last_break = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        line = line + len(chunk) if last_break < 0 else len(chunk) - last_break - 1
        if total > max_bytes:
            raise errors.ResponseTooLargeError(f"answer larger than {max_bytes:.0f} bytes")
        if line > max_line:
            raise errors.ResponseTooLargeError(f"a line longer than {max_line:.0f} bytes")
        yield chunk


class Call:
    """One call from its first attempt to its report: the ledger record it fills, its deadline,
    its attempts, and its end. `finish` reports it once, whichever thread gets there first (a
    stream ends, fails, or is stopped by a person)."""

    def __init__(self, client: BaseClient, endpoint: str, model: str | None):
        self.record = CallRecord(endpoint=endpoint, model=model)
        self.deadline = Deadline(client.deadline_seconds)
        self.attempts = 0
        self._client = client
        self._started = time.perf_counter()
        self._finished = threading.Lock()  # held once reported
        self._stopped = threading.Event()

    def restart_clock(self) -> None:
        """Time the call from now (a stream is timed from its first read, not from its making)."""
        self._started = time.perf_counter()
        self.deadline = Deadline(self._client.deadline_seconds)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    @property
    def finished(self) -> bool:
        return self._finished.locked()

    def answered(self, response: httpx.Response) -> None:
        self.record.status = response.status_code
        self.record.request_id = response.headers.get("x-request-id") or self.record.request_id

    def stop(self) -> None:
        """A person stopped the call: a pause between attempts ends now, and no attempt follows."""
        self._stopped.set()

    def pause(self, seconds: float) -> bool:
        """Wait before the next attempt; True when the call was stopped meanwhile."""
        return self._stopped.wait(seconds)

    def fail(self, error: errors.ReshiError) -> None:
        self.record.error_kind = error.kind

    def finish(self, fill: Callable[[CallRecord], None] | None = None) -> bool:
        """Report the call: the first time only (False after). `fill` completes the record
        first, under the same guard."""
        if not self._finished.acquire(blocking=False):
            return False
        if fill is not None:
            fill(self.record)
        if self.record.latency_ms is None:
            self.record.latency_ms = self.elapsed * 1000
        self._client.report(self.record)
        return True

    @contextmanager
    def finishing(self) -> Iterator[Call]:
        """Around the work of a call: any failure leaves as a typed error, scrubbed of the key,
        and recorded; the call is reported once at the end, success or failure."""
        try:
            with self._client.typed_errors():
                yield self
        except errors.ReshiError as exc:
            self.fail(exc)
            raise
        finally:
            self.finish()
