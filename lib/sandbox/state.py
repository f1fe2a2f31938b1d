"""The sandbox's whole memory: keys and credits, video tasks, uploads, queued faults, a virtual
clock, speed settings, the dialect it speaks and request statistics. One lock guards it all, because handlers run on
the event loop, in the thread pool (images) and tests drive it through the control API at once.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lib.sandbox.dialects import DEFAULT_DIALECT

DEFAULT_KEY = "sk-sandbox"
DEFAULT_CREDITS = 1000  # each key's credits when a sandbox starts: kept in memory only
FAULT_ENDPOINTS = ("chat", "images", "video", "video_status", "video_content", "upload", "models", "billing", "*")
FAULT_KINDS = ("500", "502", "503", "429", "timeout", "cut", "badjson", "badshape", "html", "echo_key", "no_schema")
NO_SCHEMA = "no_schema"  # only for a chat asking for structured output: refused, as servers without it do
QUEUED_SHARE = 0.10  # a video task is "queued" for the first 10% of its time
FAIL_AT = 0.50  # a "[fail]" task fails halfway through
RECENT_REQUESTS = 200
# A real image model draws anew each time. The sandbox draws the n-th request for a prompt (per
# key) as variant n mod IMAGE_VARIANTS: the four images of a batch differ (four is the Images
# page's most), and the same prompt and variant always give the same bytes.
IMAGE_VARIANTS = 4
IMAGE_PROMPTS_REMEMBERED = 10_000
_FILE_NAME = re.compile(r"[0-9a-f]{16}\.[a-z]{3,4}")  # what the sandbox names an upload or an image
_TASK_ID = re.compile(r"video_[0-9a-f]{24}")  # what it names a video task


def _tidy(value):
    """Whole credit amounts as ints, so JSON shows 985 rather than 985.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@dataclass
class Key:
    granted: float
    spent: float = 0.0
    disabled: bool = False

    @property
    def credits(self) -> float:
        return self.granted - self.spent


@dataclass
class Speed:
    token_rate: float = 40.0  # chat stream tokens per second; 0 = no pacing
    video_seconds: float = 15.0  # how long a video task takes, in virtual seconds
    image_delay: float = 0.0  # extra seconds per image (benchmarks)
    hang_seconds: float = 30.0  # how long a "timeout" fault hangs before its 504


@dataclass
class VideoTask:
    id: str
    key: str
    model: str
    prompt: str
    duration: int
    aspect_ratio: str
    created_at: float
    seconds: float  # the speed setting at creation, so later changes don't move it
    cost: float
    fails: bool
    size: str = ""  # OpenAI's `size` as asked ("1280x720"); empty for the other dialects
    refunded: bool = False
    file_deleted: bool = False  # the control API deleted its video, as a provider expires one

    def progress_at(self, now: float) -> tuple[str, int]:
        """(status, progress 0-100) of the task at virtual time `now`."""
        share = (now - self.created_at) / self.seconds if self.seconds > 0 else 1.0
        if self.fails and share >= FAIL_AT:
            return "failed", int((FAIL_AT - QUEUED_SHARE) / (1 - QUEUED_SHARE) * 100)
        if share >= 1.0:
            return "completed", 100
        if share < QUEUED_SHARE:
            return "queued", 0
        return "in_progress", min(99, int((share - QUEUED_SHARE) / (1 - QUEUED_SHARE) * 100))


@dataclass
class Upload:
    data: bytes
    content_type: str
    expires_at: float  # virtual time


@dataclass
class SandboxState:
    speed: Speed = field(default_factory=Speed)
    dialect: str = DEFAULT_DIALECT  # a key of lib.sandbox.dialects.DIALECTS; the control API sets it
    files_dir: Path | None = None  # uploads, generated images and videos' tasks kept here too, across restarts
    reasoning_shape: str | None = None  # where thinking goes; None: the dialect's own

    def __post_init__(self):
        self.lock = threading.RLock()
        self.keys: dict[str, Key] = {}
        self.tasks: dict[str, VideoTask] = {}
        self.uploads: dict[str, Upload] = {}
        self.faults: list[list] = []  # [endpoint, kind, remaining]
        self.clock_offset = 0.0
        self.counts: Counter[str] = Counter()
        self.polls: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.peak_in_flight: Counter[str] = Counter()
        self.hangs_answered = 0  # `[timeout]` requests whose hang ended in a 504
        self.requests: deque[dict] = deque(maxlen=RECENT_REQUESTS)
        self.image_requests: OrderedDict[tuple[str, str], int] = OrderedDict()

    # --- clock --------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def reset_clock(self) -> None:
        with self.lock:
            self.clock_offset = 0.0

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset += seconds

    # --- keys and credits ---------------------------------------------------------------
    def add_key(self, credits: float, key: str | None = None) -> str:
        key = key or "sk-sandbox-" + secrets.token_hex(12)
        with self.lock:
            self.keys[key] = Key(granted=float(credits))
        return key

    def key(self, key: str) -> Key | None:
        with self.lock:
            return self.keys.get(key)

    def set_disabled(self, key: str, disabled: bool) -> bool:
        with self.lock:
            if key not in self.keys:
                return False
            self.keys[key].disabled = disabled
            return True

    def key_info(self, key: str) -> dict | None:
        with self.lock:
            found = self.keys.get(key)
            if found is None:
                return None
            return {name: _tidy(value) for name, value in {"credits": found.credits, **asdict(found)}.items()}

    def can_pay(self, key: str, amount: float) -> bool:
        with self.lock:
            return self.keys[key].credits >= amount

    def charge(self, key: str, amount: float) -> None:
        with self.lock:
            self.keys[key].spent += amount

    def charge_if_possible(self, key: str, amount: float) -> bool:
        """Check and charge in one step (video tasks pay up front)."""
        with self.lock:
            if not self.can_pay(key, amount):
                return False
            self.charge(key, amount)
            return True

    def next_image_variant(self, key: str, prompt: str) -> int:
        """Which variant of `prompt` this key's request gets (IMAGE_VARIANTS); the least recently
        asked prompts are forgotten past IMAGE_PROMPTS_REMEMBERED."""
        with self.lock:
            asked = self.image_requests.pop((key, prompt), 0)
            self.image_requests[(key, prompt)] = asked + 1
            if len(self.image_requests) > IMAGE_PROMPTS_REMEMBERED:
                self.image_requests.popitem(last=False)
            return asked % IMAGE_VARIANTS

    # --- video tasks --------------------------------------------------------------------
    def add_task(self, **fields) -> VideoTask:
        task = VideoTask(
            id="video_" + secrets.token_hex(12), created_at=self.now(), seconds=self.speed.video_seconds, **fields
        )
        with self.lock:
            self.tasks[task.id] = task
            self._keep_task(task)
        return task

    def task_status(self, task_id: str, key: str) -> tuple[VideoTask, str, int] | None:
        """The task (only for the key that made it), its status and progress; refunds a
        failed task's credits, exactly once."""
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task.key != key:
                return None
            status, progress = task.progress_at(self.now())
            if status == "failed" and not task.refunded:
                task.refunded = True
                self.keys[task.key].spent -= task.cost
            return task, status, progress

    def task(self, task_id: str) -> VideoTask | None:
        """A task of this run, or one an earlier run kept (its video's link, served without a
        key, outlives a restart; its status, asked with the key, does not)."""
        with self.lock:
            return self.tasks.get(task_id) or self._kept_task(task_id)

    def delete_video_file(self, task_id: str) -> bool:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                return False
            task.file_deleted = True
            self._keep_task(task)
            return True

    def _task_file(self, task_id: str) -> Path | None:
        if self.files_dir is None or not _TASK_ID.fullmatch(task_id):
            return None
        return self.files_dir / "videos" / f"{task_id}.json"

    def _keep_task(self, task: VideoTask) -> None:
        """The task's facts on disk, without its key: no key is ever written to a file."""
        path = self._task_file(task.id)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**asdict(task), "key": ""}))

    def _kept_task(self, task_id: str) -> VideoTask | None:
        path = self._task_file(task_id)
        try:
            return None if path is None else VideoTask(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    # --- uploads ------------------------------------------------------------------------
    def add_upload(self, name: str, upload: Upload) -> None:
        """Store a new upload, dropping the expired ones: nothing else would, as long as no one
        asks for them, and the sandbox must not grow without bound."""
        with self.lock:
            now = self.now()
            for expired in [n for n, u in self.uploads.items() if u.expires_at <= now]:
                del self.uploads[expired]
                self._forget_file(expired)
            self.uploads[name] = upload
            if self.files_dir is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                (self.files_dir / name).write_bytes(upload.data)
                (self.files_dir / f"{name}.json").write_text(
                    json.dumps({"content_type": upload.content_type, "expires_at": upload.expires_at})
                )

    def live_upload(self, name: str) -> Upload | None:
        with self.lock:
            upload = self.uploads.get(name) or self._kept_file(name)
            if upload is not None and upload.expires_at <= self.now():
                self.uploads.pop(name, None)  # the provider deletes expired images
                self._forget_file(name)
                return None
            return upload

    def _kept_file(self, name: str) -> Upload | None:
        """An upload kept by an earlier run of this sandbox (`name` is one the sandbox made: hex
        and an extension, never a path)."""
        if self.files_dir is None or not _FILE_NAME.fullmatch(name):
            return None
        try:
            facts = json.loads((self.files_dir / f"{name}.json").read_text())
            return Upload((self.files_dir / name).read_bytes(), facts["content_type"], float(facts["expires_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _forget_file(self, name: str) -> None:
        if self.files_dir is not None and _FILE_NAME.fullmatch(name):
            for path in (self.files_dir / name, self.files_dir / f"{name}.json"):
                path.unlink(missing_ok=True)

    # --- faults -------------------------------------------------------------------------
    def queue_fault(self, endpoint: str, kind: str, count: int = 1) -> None:
        with self.lock:
            self.faults.append([endpoint, kind, count])

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, endpoint: str, structured: bool = False) -> str | None:
        """The kind of the first queued fault matching `endpoint`, consuming one use; a
        NO_SCHEMA fault matches only a request asking for `structured` output (it waits for one)."""
        with self.lock:
            for entry in self.faults:
                if entry[0] in (endpoint, "*") and (entry[1] != NO_SCHEMA or structured):
                    entry[2] -= 1
                    if entry[2] <= 0:
                        self.faults.remove(entry)
                    return entry[1]
            return None

    # --- statistics ---------------------------------------------------------------------
    def record(self, method: str, path: str, endpoint: str, body) -> None:
        with self.lock:
            self.counts[endpoint] += 1
            self.requests.append(
                {"method": method, "path": path, "endpoint": endpoint, "body": body, "time": self.now()}
            )

    def count_hang_answered(self) -> None:
        with self.lock:
            self.hangs_answered += 1

    def count_poll(self, task_id: str) -> None:
        with self.lock:
            self.polls[task_id] += 1

    @contextmanager
    def working_on(self, endpoint: str) -> Iterator[None]:
        """Counts the requests of an endpoint being worked on at once: the peak shows whether a
        client really sent them together, whatever the machine's speed."""
        with self.lock:
            self.in_flight[endpoint] += 1
            self.peak_in_flight[endpoint] = max(self.peak_in_flight[endpoint], self.in_flight[endpoint])
        try:
            yield
        finally:
            with self.lock:
                self.in_flight[endpoint] -= 1

    def stats(self) -> dict:
        with self.lock:
            return {
                "endpoints": dict(self.counts),
                "video_polls": dict(self.polls),
                "peak_in_flight": dict(self.peak_in_flight),
                "hangs_answered": self.hangs_answered,
                "total": sum(self.counts.values()),
            }

    def recent(self, n: int) -> list[dict]:
        with self.lock:
            return list(self.requests)[-n:] if n > 0 else []

    def reset_stats(self) -> None:
        with self.lock:
            self.counts.clear()
            self.polls.clear()
            self.peak_in_flight.clear()
            self.hangs_answered = 0
            self.requests.clear()
