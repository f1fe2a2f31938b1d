"""Video tasks: where each field of a task lives, the routes a server creates and polls them
on, and where a finished video's bytes are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote

from lib import errors
from lib.dialects._values import is_http_url, is_id, is_progress, is_text, is_unix_time
from lib.dialects.envelopes import unwrap_envelope
from lib.jsonpaths import Path, first
from lib.media.video_status import COMPLETED, QUEUED, parse_progress

# Where each field of a task lives, best first. The provider's own names lead, then OpenAI's
# video object (`id`, `status`, `progress`, `error.message`), then new-api's task DTO
# (`task_id`, `status` "SUCCESS", `progress` "100%", `fail_reason`).
_ID_PATHS: tuple[Path, ...] = (("id",), ("task_id",), ("data", "id"), ("data", "task_id"), ("request_id",))
_STATUS_PATHS: tuple[Path, ...] = (("status",), ("state",), ("task_status",))
_PROGRESS_PATHS: tuple[Path, ...] = (("progress",),)
# The documented `video_url` wins over every generic name; new-api's /v1/videos route puts the
# file in `metadata.url`; OpenAI's Sora object has no URL at all (see video_content_url).
_VIDEO_URL_PATHS: tuple[Path, ...] = (
    ("video_url",),
    ("url",),
    ("result_url",),
    ("metadata", "url"),
    ("data", 0, "url"),
    ("results", 0),
    ("results", 0, "url"),
    ("output",),
    ("output", 0),
    ("outputs", 0),
    ("outputs", 0, "url"),
)
# When the server took the task and when it finished it, in Unix seconds: OpenAI's video object
# (`created_at`, `completed_at`), new-api's task DTO (`submit_time`, `finish_time`, 0 until done).
_SUBMITTED_PATHS: tuple[Path, ...] = (("created_at",), ("submit_time",))
_FINISHED_PATHS: tuple[Path, ...] = (("completed_at",), ("finish_time",), ("finished_at",))
_LONGEST_TASK_SECONDS = 7 * 24 * 3600  # a longer "took" is a wrong clock, not a task
_ERROR_PATHS: tuple[Path, ...] = (
    ("error", "message"),
    ("error",),
    ("fail_reason",),
    ("failure_reason",),
    ("error_message",),
    ("error", "code"),
)


class TaskFields(NamedTuple):
    id: str
    raw_status: str
    progress: float | None
    video_url: str | None
    error: str | None
    took_seconds: float | None = None  # finished - submitted, by the server's own clock


def task_from_body(body: Any) -> TaskFields:
    """A video task's id, raw status, progress (0-100), video URL and failure reason.

    With no status at all a task is `queued`, or `completed` when it already names its video.
    Raises MalformedResponseError when no id can be found.
    """
    outer = unwrap_envelope(body)
    if not isinstance(outer, dict):
        raise errors.MalformedResponseError("video: the answer is not an object")
    id_path, task_id = first(outer, _ID_PATHS, is_id)
    if id_path is None:
        raise errors.MalformedResponseError("video: no task id in the answer")
    # A task id found under `data` means the task itself is `data`: read the rest there too.
    task = outer["data"] if id_path[0] == "data" else outer
    video_url = first(task, _VIDEO_URL_PATHS, is_http_url)[1]
    raw_status = first(task, _STATUS_PATHS, is_text)[1] or (COMPLETED if video_url else QUEUED)
    progress = parse_progress(first(task, _PROGRESS_PATHS, is_progress)[1])
    return TaskFields(
        id=str(task_id),
        raw_status=str(raw_status),
        progress=progress,
        video_url=video_url,
        error=first(task, _ERROR_PATHS, is_text)[1],
        took_seconds=_took_seconds(task),
    )


def _took_seconds(task: dict[str, Any]) -> float | None:
    """How long the server says the task ran, when it sends both of its times (both on its own
    clock, so ours may differ); None without them or when they make no sense."""
    submitted = first(task, _SUBMITTED_PATHS, is_unix_time)[1]
    finished = first(task, _FINISHED_PATHS, is_unix_time)[1]
    if submitted is None or finished is None or not 0 <= finished - submitted <= _LONGEST_TASK_SECONDS:
        return None
    return float(finished - submitted)


class VideoRoute(NamedTuple):
    """Where a dialect creates and polls video tasks, and the body it creates them with."""

    create: str
    status: str  # with {id}
    body: Callable[[str, str, int, str], dict[str, Any]]


def _generations_body(prompt: str, model: str, duration: int, aspect_ratio: str) -> dict[str, Any]:
    return {"prompt": prompt, "model": model, "duration": duration, "aspect_ratio": aspect_ratio}


# OpenAI's Sora 2 API takes `seconds` as one of three strings and `size` in pixels; it has no square.
_OPENAI_SECONDS = (4, 8, 12)
_OPENAI_SIZES = {"16:9": "1280x720", "9:16": "720x1280"}


def _openai_videos_body(prompt: str, model: str, duration: int, aspect_ratio: str) -> dict[str, Any]:
    if aspect_ratio not in _OPENAI_SIZES:
        raise errors.BadRequestError(
            f"this server's video API (OpenAI's) has no {aspect_ratio} size: choose {' or '.join(_OPENAI_SIZES)}"
        )
    seconds = min(_OPENAI_SECONDS, key=lambda allowed: abs(allowed - duration))
    return {"prompt": prompt, "model": model, "seconds": str(seconds), "size": _OPENAI_SIZES[aspect_ratio]}


# Tried in order until one is not a 404: the provider's documented route (new-api serves it
# too), then OpenAI's `/videos`, which has no `/videos/generations`.
VIDEO_ROUTES: tuple[VideoRoute, ...] = (
    VideoRoute("/videos/generations", "/videos/generations/{id}", _generations_body),
    VideoRoute("/videos", "/videos/{id}", _openai_videos_body),
)


def video_content_url(base_url: str, task_id: str) -> str:
    """Where the bytes of a finished video are when the task names no URL.

    OpenAI's Sora API (`GET /v1/videos/{id}/content`) and new-api's `/v1/videos` route serve the
    file here, with the same Authorization as the API itself.
    """
    return f"{base_url.rstrip('/')}/videos/{quote(task_id, safe='')}/content"
