"""`client.billing`: the key's credits, from the one-api billing endpoints."""

from __future__ import annotations

from lib import dialects, errors
from lib.client._base import APIResource
from lib.client.types import Balance
from lib.credits import pricing


class Billing(APIResource):
    def balance(self) -> Balance | None:
        """Credits granted and used, from the one-api billing endpoints (two requests, one ledger
        row); None when they don't answer."""
        c = self._client
        call = c.start_call(pricing.BILLING)
        try:
            with call.finishing():  # one lookup, one ledger row: two rows a view read as a double call
                subscription, usage = (
                    c.request_json("GET", f"{c.base_url}/dashboard/billing/{part}", call=call, retry=True)
                    for part in ("subscription", "usage")
                )
                return dialects.billing_from(subscription, usage)
        except errors.ReshiError:  # in the ledger with its kind
            return None
