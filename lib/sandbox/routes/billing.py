"""The one-api billing pair, `GET /dashboard/billing/subscription` and `/usage` (one credit is
one "usd"), served by the dialects that have it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lib.credits import pricing
from lib.sandbox import dialects
from lib.sandbox.steps import Api


def routes(api: Api) -> APIRouter:
    router, state = APIRouter(), api.state

    def key_figures(key: str) -> dict:
        info = state.key_info(key)
        assert info is not None  # the key was authenticated
        return info

    def billing_begin(request: Request):
        if not api.dialect.serves_billing:
            raise api.refusal(dialects.NO_ROUTE, method=request.method, path=request.url.path)
        return api.begin(request, pricing.BILLING)

    @router.get("/dashboard/billing/subscription")
    async def subscription(request: Request):
        key, _ = await billing_begin(request)
        if kind := api.fault(pricing.BILLING):
            return await api.fault_response(request, kind)
        granted = key_figures(key)["granted"]
        return {
            "object": "billing_subscription",
            "has_payment_method": True,
            "soft_limit_usd": granted,
            "hard_limit_usd": granted,
            "system_hard_limit_usd": granted,
            "access_until": 0,
        }

    @router.get("/dashboard/billing/usage")
    async def usage(request: Request):
        key, _ = await billing_begin(request)
        if kind := api.fault(pricing.BILLING):
            return await api.fault_response(request, kind)
        return {"object": "list", "total_usage": key_figures(key)["spent"] * 100}

    return router
