"""`POST /gemini/images`: a real picture of the prompt (lib/sandbox/media.py), as base64 or, in
the dialects that answer so, as a URL served under /files/images for an hour."""

from __future__ import annotations

import asyncio
import base64
import secrets
from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lib.credits import pricing
from lib.media import imagetypes
from lib.sandbox import media
from lib.sandbox.http import ApiError, json_object
from lib.sandbox.state import SandboxState, Upload
from lib.sandbox.steps import Api, origin

# OpenAI's image URLs are valid for 60 minutes.
IMAGE_URL_LIFETIME = timedelta(hours=1)
# In an image prompt: answer 200 with an empty `data`, as a safety filter does (no charge).
FILTERED_MARKER = "[filtered]"


def routes(api: Api) -> APIRouter:
    router, state = APIRouter(), api.state

    @router.post("/gemini/images")
    async def images(request: Request):
        key, body = await api.begin(request, pricing.IMAGES)
        prompt = json_object(body).get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ApiError(400, "prompt is required: a non-empty string describing the image.")
        if kind := api.fault(pricing.IMAGES, prompt):
            return await api.fault_response(request, kind)
        if FILTERED_MARKER in prompt:  # a safety filter drops the image and still answers 200
            return {"created": int(state.now()), "data": []}
        cost = pricing.credits_for(pricing.IMAGES)
        api.require_credits(key, cost)
        dialect = api.dialect
        with state.working_on(pricing.IMAGES):
            if state.speed.image_delay > 0:
                await asyncio.sleep(state.speed.image_delay)
            variant = state.next_image_variant(key, prompt)
            picture = await run_in_threadpool(media.make_image, prompt, dialect.image_format, variant=variant)
        state.charge(key, cost)
        item = (
            {"url": _image_url(request, state, picture)}
            if dialect.image_as_url
            else {"b64_json": base64.b64encode(picture).decode("ascii")}
        )
        return {"created": int(state.now()), "data": [item]}

    return router


def _image_url(request: Request, state: SandboxState, picture: bytes) -> str:
    """Keeps a generated image for an hour and answers where it is served (OpenAI's `url`)."""
    kind = imagetypes.sniff(picture)
    assert kind is not None  # media.make_image writes a JPEG or a PNG
    name = f"{secrets.token_hex(8)}.{imagetypes.EXTENSION[kind]}"
    expires = state.now() + IMAGE_URL_LIFETIME.total_seconds()
    state.add_upload(name, Upload(picture, imagetypes.MIME[kind], expires))
    return f"{origin(request)}/files/images/{name}"
