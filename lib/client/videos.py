"""`client.videos`: create a video task, poll it, fetch its bytes, on whichever route the server has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from lib import dialects, errors
from lib.client._base import MB, APIResource, BaseClient
from lib.client._call import Call
from lib.client.types import VideoTask
from lib.credits import pricing
from lib.media import video_options
from lib.media.video_status import normalize_status


def _video_task(body: Any) -> VideoTask:
    task = dialects.task_from_body(body)
    return VideoTask(
        id=task.id,
        status=normalize_status(task.raw_status),
        raw_status=task.raw_status,
        progress=task.progress,
        video_url=task.video_url,
        error=task.error,
        took_seconds=task.took_seconds,
        raw=body if isinstance(body, dict) else {},
    )


class Videos(APIResource):
    """Video tasks on whichever route the server has (lib.dialects.VIDEO_ROUTES): the first that
    answers other than 404 is kept for this client's later calls."""

    def __init__(self, client: BaseClient):
        super().__init__(client)
        self._routes = dialects.VIDEO_ROUTES

    def create(
        self,
        prompt: str,
        model: str = video_options.DEFAULT_MODEL,
        duration: int = video_options.DEFAULT_DURATION,
        aspect_ratio: str = video_options.DEFAULT_ASPECT_RATIO,
    ) -> VideoTask:
        c = self._client

        def read(body: Any, call: Call) -> VideoTask:
            task = _video_task(body)
            call.record.credits = c.credits_for(pricing.VIDEO, model)  # paid at creation
            call.record.request_id = call.record.request_id or task.id
            return task

        return self._on_first_route(
            lambda route: c.call(
                "POST",
                c.base_url + route.create,
                endpoint=pricing.VIDEO,
                model=model,
                read=read,
                json=route.body(prompt, model, duration, aspect_ratio),
            )
        )

    def get(self, task_id: str) -> VideoTask:
        c = self._client

        def read(body: Any, call: Call) -> VideoTask:
            call.record.request_id = call.record.request_id or task_id
            return _video_task(body)

        path_id = quote(task_id, safe="")
        return self._on_first_route(
            lambda route: c.call(
                "GET",
                c.base_url + route.status.format(id=path_id),
                endpoint=pricing.VIDEO_STATUS,
                retry=True,
                read=read,
            )
        )

    def _on_first_route(self, send: Callable[[dialects.VideoRoute], VideoTask]) -> VideoTask:
        """A 404 from a route means the server lacks it (no charge is made): try the next one."""
        for index, route in enumerate(self._routes):
            try:
                answer = send(route)
            except errors.NotFoundError:
                if index == len(self._routes) - 1:
                    raise
                continue
            self._routes = self._routes[index:]
            return answer
        raise AssertionError("unreachable")

    def content(self, task_id: str, *, max_bytes: int = 200 * MB) -> bytes:
        """The finished video's bytes when the task names no URL (OpenAI Sora, new-api /v1/videos):
        under this client's own base URL, so the key may go with it."""
        c = self._client
        return c.fetch_bytes(
            dialects.video_content_url(c.base_url, task_id), "video", max_bytes=max_bytes, authorized=True
        )
