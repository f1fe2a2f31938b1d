"""Sora video tasks, free of Streamlit: the form's checks, one task per submission, which tasks
are due for a poll, what a poll changes in the store, the one refund of a failed task, and the
times and file name the page shows.

A completed task's video is downloaded once (bounded, and checked to be a video by its bytes)
and kept in the store with a poster frame (`keep_video`): the page plays our copy, which outlives
the provider's URL.

The page polls from one fragment that ticks every `TICK_SECONDS`; `poll_due` asks the API only
about unfinished tasks whose interval has passed, so each task is polled at most once per
interval however often the page runs (a reload, another tab, a widget click). The interval
grows after poll errors and for tasks that have been running long.

A task is polled only on the connection that made it (base URL and key, by fingerprint): the
server's task id means something to that server and key alone, and polling it elsewhere would
send another connection's key, perhaps an admin's preset one, wherever that id leads.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

import av
from PIL import Image

from lib import errors
from lib.client import ReshiClient, VideoTask
from lib.credits import pricing
from lib.errors import ReshiError  # the name `errors` is a field of PollOutcome
from lib.media import video_options
from lib.media.video_status import COMPLETED, FAILED, FINISHED
from lib.prompts.limits import prompt_problem
from lib.safe_text import file_slug
from lib.store import Store, VideoTaskRecord, utcnow

MAX_VIDEO_BYTES = 100 * 1024 * 1024  # a 20 s sora-2-pro video is far smaller; more is no video of ours
POSTER_MAX_PACKETS = 300  # packets read looking for a first decodable frame
POSTER_MAX_SIDE = 1280

TICK_SECONDS = 3.0  # the fragment's run_every
POLL_SECONDS = 3.0  # a healthy, young task is polled this often
POLL_SLACK_SECONDS = 0.5  # a tick arriving a little early still polls
MAX_POLL_SECONDS = 60.0
MAX_ERROR_DOUBLINGS = 5
# A task running this long (seconds) is polled at most this often: long renders change slowly.
SLOW_AFTER = ((600.0, 30.0), (120.0, 10.0))
# An identical submission this soon after the last one is a double click, not a new task.
DUPLICATE_WINDOW = timedelta(seconds=10)
# A server's task id is stored and sent back: printable ASCII without spaces, of sane length,
# and not a dot segment ("." or ".."), which a URL would resolve even when quoted.
_TASK_ID = re.compile(r"[!-~]{1,128}")


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    model: str = video_options.DEFAULT_MODEL
    duration: int = video_options.DEFAULT_DURATION
    aspect_ratio: str = video_options.DEFAULT_ASPECT_RATIO

    def same_as(self, task: VideoTaskRecord) -> bool:
        return (task.prompt, task.model, task.duration, task.aspect_ratio) == (
            self.prompt,
            self.model,
            self.duration,
            self.aspect_ratio,
        )


@dataclass
class Submission:
    task: VideoTaskRecord
    duplicate: bool  # True: a double click; `task` is the one the first click made


@dataclass
class PollOutcome:
    polled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    errors: dict[str, ReshiError] = field(default_factory=dict)
    not_kept: dict[str, ReshiError] = field(default_factory=dict)  # finished, video not downloaded


# --- the form ---------------------------------------------------------------------------------


def request_problem(request: VideoRequest) -> str | None:
    """The i18n key of what is wrong with the form, or None when it can be sent."""
    return prompt_problem(pricing.VIDEO, request.prompt)


def retry_request(task: VideoTaskRecord) -> VideoRequest | None:
    """A task's settings as a new request, when the form could send them (a task stored by an
    older version may hold a model or shape the form no longer offers)."""
    request = VideoRequest(task.prompt, task.model or "", task.duration or 0, task.aspect_ratio or "")
    valid = (
        request.model in video_options.MODELS
        and request.aspect_ratio in video_options.ASPECT_RATIOS
        and video_options.MIN_DURATION <= request.duration <= video_options.MAX_DURATION
        and request_problem(request) is None
    )
    return request if valid else None


def needs_confirmation(model: str) -> bool:
    return model in video_options.HD_MODELS


def cost_of(client: ReshiClient, model: str) -> float:
    return client.credits_for(pricing.VIDEO, model)


def recent_duplicate(tasks: list[VideoTaskRecord], request: VideoRequest, now: datetime) -> VideoTaskRecord | None:
    """The task an identical submission made within DUPLICATE_WINDOW, if any; one that already
    failed is none (sending it again is a retry, not a double click).

    Checked against the store, not the session, so it holds across tabs and reruns.
    """
    return next(
        (t for t in tasks if request.same_as(t) and t.status != FAILED and now - t.created_at < DUPLICATE_WINDOW), None
    )


def connection_fingerprint(client: ReshiClient) -> str:
    """A one-way tag of the client's base URL and key, to tell connections apart in the store."""
    return hashlib.sha256(f"{client.base_url}\n{client.key_fingerprint}".encode()).hexdigest()[:32]


def on_connection(task: VideoTaskRecord, fingerprint: str) -> bool:
    """Whether the task may be polled on this connection. A task stored before tasks carried
    their connection (None) is polled on the current one, as it always was: its id is quoted, so
    it cannot lead anywhere else, and the first answer binds it (`apply_poll`)."""
    return task.connection in (None, fingerprint)


def valid_task_id(task_id: str) -> bool:
    return bool(_TASK_ID.fullmatch(task_id)) and task_id.strip(".") != ""


def submit(
    store: Store, user: str, client: ReshiClient, request: VideoRequest, now: datetime | None = None
) -> Submission:
    """Create the task at the API and store it, bound to this connection; a double click returns
    the first task instead.

    API errors propagate (typed `lib.errors`); nothing is stored then, nor for a task id that
    is not `valid_task_id` (MalformedResponseError).
    """
    now = now or utcnow()
    duplicate = recent_duplicate(store.list_video_tasks(user), request, now)
    if duplicate is not None:
        return Submission(duplicate, duplicate=True)
    created = client.videos.create(request.prompt, request.model, request.duration, request.aspect_ratio)
    if not valid_task_id(created.id):
        raise errors.MalformedResponseError("video: the task id is not printable ASCII of at most 128 characters")
    fingerprint = connection_fingerprint(client)
    task = store.add_video_task(
        user,
        created.id,
        request.prompt,
        request.model,
        request.duration,
        request.aspect_ratio,
        credits=cost_of(client, request.model),
        connection=fingerprint,
    )
    # The creation answer counts as the first poll: it may already carry a status.
    return Submission(apply_poll(store, user, task, created, now, fingerprint), duplicate=False)


# --- polling ----------------------------------------------------------------------------------


def poll_interval(task: VideoTaskRecord, now: datetime) -> float:
    """Seconds between polls: doubled per consecutive error, longer for long-running tasks."""
    interval = POLL_SECONDS * 2 ** min(task.poll_errors, MAX_ERROR_DOUBLINGS)
    age = (now - task.created_at).total_seconds()
    for after, slower in SLOW_AFTER:
        if age >= after:
            interval = max(interval, slower)
            break
    return min(interval, MAX_POLL_SECONDS)


def is_due(task: VideoTaskRecord, now: datetime) -> bool:
    if task.status in FINISHED:
        return False
    if task.last_polled_at is None:
        return True
    waited = (now - task.last_polled_at).total_seconds()
    return waited >= poll_interval(task, now) - POLL_SLACK_SECONDS


def seconds_until_poll(task: VideoTaskRecord, now: datetime) -> float:
    if task.last_polled_at is None:
        return 0.0
    waited = (now - task.last_polled_at).total_seconds()
    return max(0.0, poll_interval(task, now) - waited)


def poll_due(store: Store, user: str, client: ReshiClient, now: datetime | None = None) -> PollOutcome:
    """Poll every unfinished task of the user made on this client's connection that is due
    (hidden ones too: they may yet fail and need their refund). Errors are per task: one
    failing poll never stops the others."""
    now = now or utcnow()
    outcome = PollOutcome()
    fingerprint = connection_fingerprint(client)
    for task in store.unfinished_video_tasks(user):
        if not (on_connection(task, fingerprint) and is_due(task, now)):
            continue
        outcome.polled.append(task.task_id)
        try:
            polled = client.videos.get(task.task_id)
        except errors.ReshiError as exc:
            store.update_video_task(user, task.task_id, last_polled_at=now, poll_errors=task.poll_errors + 1)
            outcome.errors[task.task_id] = exc
            continue
        updated = apply_poll(store, user, task, polled, now, fingerprint)
        if updated.status in FINISHED:
            outcome.finished.append(task.task_id)
        if updated.status == COMPLETED:
            try:
                keep_video(store, user, client, updated)
            except errors.ReshiError as exc:  # the page tries again when it shows the task
                outcome.not_kept[task.task_id] = exc
    return outcome


def apply_poll(
    store: Store, user: str, task: VideoTaskRecord, polled: VideoTask, now: datetime, fingerprint: str
) -> VideoTaskRecord:
    """Store what a poll on the connection `fingerprint` said; a failed task gets its refund
    recorded (once). A task without a connection is bound to this one: its server knew it."""
    fields = dict(
        status=polled.status,
        raw_status=polled.raw_status,
        last_polled_at=now,
        poll_errors=0,
        connection=task.connection or fingerprint,
    )
    if polled.progress is not None:
        fields["progress"] = polled.progress
    if polled.status == COMPLETED:
        fields["progress"] = 100.0
    if polled.video_url:
        fields["video_url"] = polled.video_url
    if polled.error:
        fields["error"] = polled.error
    if polled.status in FINISHED and polled.took_seconds is not None:
        # The server's own times: right even when no page polled while the task finished.
        fields["finished_at"] = task.created_at + timedelta(seconds=polled.took_seconds)
    updated = store.update_video_task(user, task.task_id, **fields) or task
    if updated.status == FAILED and refund_once(store, user, updated):
        updated = store.get_video_task(user, task.task_id) or updated
    return updated


def refund_once(store: Store, user: str, task: VideoTaskRecord) -> bool:
    """Record a failed task's refund in the ledger, exactly once even across tabs.

    The provider refunds a failed task's credits; the ledger's negative row mirrors that.
    """
    if task.refunded or not task.credits or not store.claim_video_refund(user, task.task_id):
        return False
    store.record_usage(user, endpoint=pricing.VIDEO, model=task.model, credits=-task.credits, request_id=task.task_id)
    return True


# --- our own copy of the video ---------------------------------------------------------------


def keep_video(store: Store, user: str, client: ReshiClient, task: VideoTaskRecord) -> bool:
    """Download a completed task's video once, into the store with its poster frame. True when
    a copy is (now) kept; raises the typed error of a download that failed or was refused.

    The file comes from the task's URL (without the key: it may be another host), or, when the
    task names none, from the API's content route of the connection that made it."""
    if task.video_media_id is not None:
        return True
    if task.status != COMPLETED:
        return False
    if task.video_url:
        data = client.fetch_bytes(task.video_url, "video", max_bytes=MAX_VIDEO_BYTES)
    else:
        data = client.videos.content(task.task_id, max_bytes=MAX_VIDEO_BYTES)
    store.keep_task_video(user, task.task_id, data, mime_of(download_name(task)), poster=poster_frame(data))
    return True


def poster_frame(data: bytes) -> bytes | None:
    """The first decodable frame as a JPEG, or None when the bytes hold none (within
    POSTER_MAX_PACKETS packets: hostile files must not keep the decoder busy)."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            for number, packet in enumerate(container.demux(stream)):
                if number >= POSTER_MAX_PACKETS:
                    return None
                for frame in packet.decode():
                    return _jpeg(frame.to_image())
    except (av.FFmpegError, IndexError, ValueError, OSError):
        return None
    return None


def _jpeg(image: Image.Image) -> bytes:
    image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


# --- what the page shows ----------------------------------------------------------------------


def elapsed_seconds(task: VideoTaskRecord, now: datetime) -> float:
    """Running: so far. Finished: until it finished (never until now: "took" must not grow)."""
    end = task.finished_at or (task.updated_at if task.status in FINISHED else now)
    return max(0.0, (end - task.created_at).total_seconds())


def eta_seconds(task: VideoTaskRecord, now: datetime) -> float | None:
    """Time left, extrapolated from progress so far; None until progress has moved."""
    progress = task.progress or 0.0
    if task.status in FINISHED or not 0 < progress < 100:
        return None
    return elapsed_seconds(task, now) * (100 - progress) / progress


def format_seconds(seconds: float) -> str:
    """`0:42`, `12:05`, `1:02:03`."""
    whole = int(round(seconds))  # noqa: RUF046 - seconds may be a numpy float
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_NAME_CHARS = 40


def download_name(task: VideoTaskRecord) -> str:
    """`sora-2_16x9_5s_a-cat-in-a-garden_3f9a1c.mp4`: what, which shape, and unique."""
    words = file_slug(task.prompt.lower(), _NAME_CHARS) or "video"
    ratio = (task.aspect_ratio or "").replace(":", "x")
    parts = [task.model or "video", ratio, f"{task.duration}s" if task.duration else "", words, task.task_id[-6:]]
    return "_".join(p for p in parts if p) + _extension(task.video_url)


def _extension(url: str | None) -> str:
    path = urlparse(url or "").path.lower()
    for ext in (".mp4", ".webm", ".mov"):
        if path.endswith(ext):
            return ext
    return ".mp4"


def mime_of(name: str) -> str:
    return {".webm": "video/webm", ".mov": "video/quicktime"}.get(name[name.rfind(".") :], "video/mp4")
