"""`client.billing`: the key's credits, from the one-api billing endpoints."""
from __future__ import annotations

from lib import dialects, errors, pricing
from lib.client._base import APIResource
from lib.client.types import Balance


class Billing(APIResource):
    def balance(self) -> Balance | None:
        """Credits granted and used, from the one-api billing endpoints; None when they don't answer."""
        c = self._client
        try:
            subscription, record = c.call("GET", f"{c.base_url}/dashboard/billing/subscription",
                                          endpoint=pricing.BILLING, retry=True)
            c.report(record)
            usage, record = c.call("GET", f"{c.base_url}/dashboard/billing/usage",
                                   endpoint=pricing.BILLING, retry=True)
            c.report(record)
            return dialects.billing_from(subscription, usage)
        except errors.ReshiError:
            return None
