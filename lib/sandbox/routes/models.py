"""`GET /models`, and the models the sandbox knows, which the other routes check against."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lib.credits import pricing
from lib.sandbox.steps import Api

CHAT_MODELS = {
    "gpt-4o-mini": "openai",
    "gpt-4o": "openai",
    "gemini-pro": "google",
    "gemini-2.5-flash": "google",
    "deepseek-chat": "deepseek",
    "qwen-plus": "alibaba",
    "claude-3-5-sonnet": "anthropic",
    "deepseek-reasoner": "deepseek",
    "o4-mini": "openai",
    "gemini-2.5-pro": "google",
}
# Models that think before they answer (`reasoning_effort`; the others ignore it, as relays do).
REASONING_MODELS = ("deepseek-reasoner", "o4-mini", "gemini-2.5-pro")
VIDEO_MODELS = {"sora-2": "openai", "sora-2-pro": "openai"}
# Listed only by dialects that list their image models (new-api): the model behind /gemini/images.
IMAGE_MODELS = {"gemini-2.5-flash-image": "google"}
MODELS_CREATED = 1_700_000_000


def routes(api: Api) -> APIRouter:
    router = APIRouter()

    @router.get("/models")
    async def models(request: Request):
        await api.begin(request, pricing.MODELS)
        if kind := api.fault(pricing.MODELS):
            return await api.fault_response(request, kind)
        dialect = api.dialect
        kinds = {"chat": CHAT_MODELS, "video": VIDEO_MODELS, "image": IMAGE_MODELS if dialect.image_models else {}}
        data = [
            {
                "id": m,
                "object": "model",
                "created": MODELS_CREATED,
                "owned_by": owner,
                **dialect.model_fields(kind, owner),
            }
            for kind, models in kinds.items()
            for m, owner in models.items()
        ]
        return dialect.models_list(data)

    return router
