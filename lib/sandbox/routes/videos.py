"""Video tasks on both routes a dialect may serve: the provider's `/videos/generations` and
OpenAI's `/videos` (with `/videos/{id}/content`, the MP4 behind the API key). A task follows the
virtual clock (lib/sandbox/state.py); its file is a real MP4 (lib/sandbox/media.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from lib.credits import pricing
from lib.sandbox import dialects, media
from lib.sandbox.http import NOT_JSON, ApiError, json_object
from lib.sandbox.routes.models import VIDEO_MODELS
from lib.sandbox.state import SandboxState, VideoTask
from lib.sandbox.steps import Api, origin

ASPECT_RATIOS = tuple(media.VIDEO_SIZES)
MAX_DURATION = 20
# OpenAI's Sora 2 sizes ("width x height") by model, and the aspect ratio each is rendered at.
OPENAI_VIDEO_SIZES = {"1280x720": "16:9", "720x1280": "9:16", "1792x1024": "16:9", "1024x1792": "9:16"}
PRO_ONLY_SIZES = ("1792x1024", "1024x1792")
OPENAI_VIDEO_SECONDS = ("4", "8", "12")


def routes(api: Api, videos: media.VideoCache) -> APIRouter:
    router, state = APIRouter(), api.state

    async def start_task(request: Request, key: str, params: dict):
        """The steps after reading a create call: fault or marker, charge, the task's first answer."""
        if kind := api.fault(pricing.VIDEO, params["prompt"]):
            return await api.fault_response(request, kind)
        cost = pricing.credits_for(pricing.VIDEO, params["model"])
        api.charge_up_front(key, cost)
        fails = "[fail]" in params["prompt"]
        task = state.add_task(key=key, cost=cost, fails=fails, **params)
        if not fails:  # start encoding now, so the file is ready by completion
            videos.request(task.aspect_ratio, task.duration)
        return api.dialect.task_answer(_task_facts(request, task, dialects.QUEUED, 0))

    async def task_answer(request: Request, task_id: str):
        key, _ = await api.begin(request, "video_status")
        state.count_poll(task_id)
        if kind := api.fault("video_status"):
            return await api.fault_response(request, kind)
        task, status, progress = _own_task(state, task_id, key)
        if status == dialects.COMPLETED:
            await asyncio.wrap_future(videos.request(task.aspect_ratio, task.duration))
        return api.dialect.task_answer(_task_facts(request, task, status, progress))

    @router.post("/videos/generations")
    async def create_video(request: Request):
        api.serve_only(request, dialects.GENERATIONS)
        key, body = await api.begin(request, pricing.VIDEO)
        return await start_task(request, key, _video_params(json_object(body)))

    @router.get("/videos/generations/{task_id}")
    async def video_status(request: Request, task_id: str):
        api.serve_only(request, dialects.GENERATIONS)
        return await task_answer(request, task_id)

    @router.post("/videos")
    async def create_openai_video(request: Request):
        """OpenAI's `POST /v1/videos`: the SDK sends multipart/form-data, curl samples JSON."""
        api.serve_only(request, dialects.VIDEOS)
        key, body = await api.begin(request, pricing.VIDEO)
        fields = dict(await request.form()) if body is NOT_JSON else json_object(body)
        return await start_task(request, key, _openai_video_params(fields))

    @router.get("/videos/{task_id}")
    async def openai_video_status(request: Request, task_id: str):
        api.serve_only(request, dialects.VIDEOS)
        return await task_answer(request, task_id)

    @router.get("/videos/{task_id}/content")
    async def video_content(request: Request, task_id: str):
        """The MP4 itself, with the API key (OpenAI's Sora objects carry no URL)."""
        api.serve_only(request, dialects.CONTENT)
        key, _ = await api.begin(request, "video_content")
        if kind := api.fault("video_content"):
            return await api.fault_response(request, kind)
        task, status, _ = _own_task(state, task_id, key)
        if status != dialects.COMPLETED:
            raise ApiError(404, f"The video is not ready: the task is {status}.")
        if task.file_deleted:
            raise ApiError(404, "The video has expired and was deleted.")
        return await mp4_response(videos, task)

    return router


async def mp4_response(videos: media.VideoCache, task: VideoTask) -> FileResponse:
    """The task's MP4, once encoded (it was started at creation)."""
    path = await asyncio.wrap_future(videos.request(task.aspect_ratio, task.duration))
    return FileResponse(path, media_type="video/mp4")


def _video_params(body: dict) -> dict:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "prompt is required: a non-empty string describing the video.")
    model = body.get("model", "sora-2")
    if model not in VIDEO_MODELS:
        raise ApiError(400, f"model must be one of: {', '.join(VIDEO_MODELS)}.")
    duration = body.get("duration", 5)
    if type(duration) is not int or not 1 <= duration <= MAX_DURATION:
        raise ApiError(400, f"duration must be a whole number of seconds from 1 to {MAX_DURATION}.")
    aspect_ratio = body.get("aspect_ratio", "16:9")
    if aspect_ratio not in ASPECT_RATIOS:
        raise ApiError(400, f"aspect_ratio must be one of: {', '.join(ASPECT_RATIOS)}.")
    return {"prompt": prompt, "model": model, "duration": duration, "aspect_ratio": aspect_ratio}


def _openai_video_params(fields: dict) -> dict:
    """OpenAI's create fields: `seconds` "4", "8" or "12" (a string), `size` by model."""
    prompt, model = fields.get("prompt"), fields.get("model", "sora-2")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "prompt is required: a non-empty string describing the video.")
    if model not in VIDEO_MODELS:
        raise ApiError(400, f"model must be one of: {', '.join(VIDEO_MODELS)}.")
    seconds = fields.get("seconds", OPENAI_VIDEO_SECONDS[0])
    if seconds not in OPENAI_VIDEO_SECONDS:
        raise ApiError(400, f"seconds must be one of: {', '.join(OPENAI_VIDEO_SECONDS)} (a string).")
    size = fields.get("size", "720x1280")
    sizes = [s for s in OPENAI_VIDEO_SIZES if model == "sora-2-pro" or s not in PRO_ONLY_SIZES]
    if size not in sizes:
        raise ApiError(400, f"size must be one of: {', '.join(sizes)} for {model}.")
    return {
        "prompt": prompt,
        "model": model,
        "duration": int(seconds),
        "aspect_ratio": OPENAI_VIDEO_SIZES[size],
        "size": size,
    }


def _own_task(state: SandboxState, task_id: str, key: str):
    """(task, status, progress) of a task of this key's; another key's is as unknown as none."""
    found = state.task_status(task_id, key)
    if found is None:
        raise ApiError(404, "No video task with this id for this API key.")
    return found


def _task_facts(request: Request, task, status: str, progress: int) -> dialects.TaskFacts:
    done = status == dialects.COMPLETED
    width, height = media.VIDEO_SIZES[task.aspect_ratio]
    return dialects.TaskFacts(
        id=task.id,
        model=task.model,
        prompt=task.prompt,
        created_at=int(task.created_at),
        duration=task.duration,
        aspect_ratio=task.aspect_ratio,
        size=task.size or f"{width}x{height}",
        status=status,
        progress=progress,
        failed=status == dialects.FAILED,
        video_url=f"{origin(request)}/files/videos/{task.id}.mp4" if done else None,
        completed_at=int(task.created_at + task.seconds) if done else None,
    )
