"""`/files`: what answers link to, served without a key as the provider's CDN does: finished
videos, uploads and generated images, until they expire (404 after)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lib.sandbox import media
from lib.sandbox.routes.videos import mp4_response
from lib.sandbox.state import SandboxState


def routes(state: SandboxState, videos: media.VideoCache) -> APIRouter:
    router = APIRouter()

    @router.get("/videos/{task_id}.mp4")
    async def video_file(task_id: str):
        task = state.task(task_id)
        if task is None or task.fails or task.file_deleted:
            return Response("Not Found", 404, media_type="text/plain")
        return await mp4_response(videos, task)

    @router.get("/uploads/{name}")
    @router.get("/images/{name}")  # generated images served by URL (the openai dialect)
    async def upload_file(name: str):
        upload = state.live_upload(name)
        if upload is None:
            return Response("Not Found (files are deleted when they expire)", 404, media_type="text/plain")
        return Response(upload.data, media_type=upload.content_type)

    return router
