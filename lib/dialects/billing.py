"""A key's balance from the legacy billing pair (`/dashboard/billing/subscription` and `/usage`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lib import errors
from lib.dialects.envelopes import error_inside, unwrap_envelope

# new-api and one-api write this figure for a key with unlimited quota (token.UnlimitedQuota).
UNLIMITED_USD = 100_000_000
# What `hard_limit_usd` counts: new-api sends remaining + used, one-api the remaining alone.
HARD_LIMIT_IS_TOTAL, HARD_LIMIT_IS_REMAINING = "total", "remaining"


@dataclass(frozen=True)
class BillingFigures:
    """A balance in the server's unit: `remaining` is math.inf when the key is unlimited."""

    remaining: float
    used: float
    unlimited: bool = False

    @property
    def total(self) -> float:
        return self.remaining + self.used


def billing_from(subscription: Any, usage: Any, hard_limit_is: str = HARD_LIMIT_IS_TOTAL) -> BillingFigures:
    """The balance from the legacy billing pair (`/dashboard/billing/subscription` and `/usage`).

    `total_usage` is in cents of the unit in both new-api and one-api. The bodies cannot tell
    which of the two meanings `hard_limit_usd` has, so `hard_limit_is` says (default: total,
    as new-api and this provider's sandbox send it); a total smaller than what was used can
    only be a remaining, and is read so. Either body carrying an `error` (new-api and one-api
    answer their own failures with 200) raises that typed error; a missing figure raises
    MalformedResponseError.
    """
    subscription, usage = (_billing_body(body) for body in (subscription, usage))
    used = _figure(usage, "total_usage") / 100
    hard_limit = _figure(subscription, "hard_limit_usd")
    if hard_limit >= UNLIMITED_USD:
        return BillingFigures(remaining=math.inf, used=used, unlimited=True)
    as_total = hard_limit_is == HARD_LIMIT_IS_TOTAL and hard_limit >= used
    return BillingFigures(remaining=hard_limit - used if as_total else hard_limit, used=used)


def _billing_body(body: Any) -> dict[str, Any]:
    body = unwrap_envelope(body)
    if isinstance(body, dict) and body.get("error"):
        raise error_inside(body)
    if not isinstance(body, dict):
        raise errors.MalformedResponseError("billing: the answer is not an object")
    return body


def _figure(body: dict[str, Any], field: str) -> float:
    try:
        value = float(body[field])
    except (KeyError, TypeError, ValueError):
        raise errors.MalformedResponseError(f"billing: no number in '{field}'") from None
    if not math.isfinite(value):
        raise errors.MalformedResponseError(f"billing: '{field}' is not a finite number")
    return value
