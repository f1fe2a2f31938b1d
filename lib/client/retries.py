"""The one retry policy: which failures a call is sent again after, how often and how long apart.

`BaseClient.send` applies it to every call that may be sent again: GETs always, a POST only when
its caller says so (the Workbench's cells; the Chat page shows the error and a Retry button
instead). A failure is retried only when the server did not do the work, so sending again
cannot charge twice: a refusal for load (429, but not the 429 that means "no credit", which
`lib.dialects` reads as `CreditsError`), a server or gateway error (500, 502, 503, 504), a
connection that failed or timed out before any answer. `worth_retrying` is the wider question
the Retry button asks: may sending again (and paying again) give a better answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from lib import errors

# Failures that leave nothing done and nothing charged.
TRANSIENT = (errors.RateLimitError, errors.ServerError, errors.ApiTimeoutError, errors.ApiConnectionError)
# Statuses whose answer is read to tell a transient failure from a lasting one.
RETRY_STATUSES = (429, 500, 502, 503, 504)


def is_transient(error: errors.ReshiError) -> bool:
    """The server did not do the work: sending again is safe and may succeed."""
    return isinstance(error, TRANSIENT)


def worth_retrying(error: errors.ReshiError) -> bool:
    """A person may want to send again: a transient failure, an answer the client could not read,
    or a reply cut short (which was charged, so the person decides)."""
    return is_transient(error) or isinstance(error, (errors.MalformedResponseError, errors.StreamCutError))


def retry_after(header: str | None) -> float | None:
    """A Retry-After in seconds; None when absent or an HTTP date."""
    try:
        return float(header) if header else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_retries` more attempts, `backoff_seconds` apart (the last repeated), or the
    server's Retry-After when it sent one, never more than `max_retry_after`."""

    max_retries: int = 2
    backoff_seconds: tuple[float, ...] = (0.5, 1.5)
    max_retry_after: float = 10.0

    @property
    def max_attempts(self) -> int:
        return 1 + self.max_retries

    def delay(self, retries_so_far: int, response: httpx.Response | None) -> float:
        """The pause before retry number `retries_so_far + 1`."""
        after = retry_after(response.headers.get("retry-after")) if response is not None else None
        if after is not None:
            return min(after, self.max_retry_after)
        return self.backoff_seconds[min(retries_so_far, len(self.backoff_seconds) - 1)]
