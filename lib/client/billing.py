"""`client.billing`: the key's credits, from the one-api billing endpoints."""
from __future__ import annotations

from lib import dialects, errors, pricing
from lib.client._base import APIResource
from lib.client.types import Balance


class Billing(APIResource):
    def balance(self) -> Balance | None:
        """Credits granted and used, from the one-api billing endpoints (two requests, one ledger
        row); None when they don't answer."""
        c = self._client
        try:
            subscription, record = c.call("GET", f"{c.base_url}/dashboard/billing/subscription",
                                          endpoint=pricing.BILLING, retry=True)
            usage, second = c.call("GET", f"{c.base_url}/dashboard/billing/usage",
                                   endpoint=pricing.BILLING, retry=True)
        except errors.ReshiError:  # the failed request is in the ledger (`call` reported it)
            return None
        # One lookup, one ledger row: two identical "balance" rows a view read as a double call.
        record.latency_ms = (record.latency_ms or 0) + (second.latency_ms or 0)
        record.request_id = record.request_id or second.request_id
        try:
            return dialects.billing_from(subscription, usage)
        except errors.ReshiError as exc:  # a 200 carrying an error, or no figures
            record.error_kind = exc.kind
            return None
        finally:
            c.report(record)
