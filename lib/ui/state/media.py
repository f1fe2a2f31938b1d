"""What the media pages (Images, Video, Upload) remember between runs, and their widgets' keys.

Widget keys keep their names: browser tests find the widgets by them (`.st-key-images_prompt`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lib import errors
from lib.media.uploads import Outcome
from lib.media.video_submit import Submission
from lib.ui.state import FeatureState, Widget

# --- Images ---------------------------------------------------------------------------------

IMAGES_PROMPT: Widget[str] = Widget("images_prompt")
IMAGES_EXAMPLE: Widget[int | None] = Widget("images_example")


@dataclass(frozen=True)
class BatchFailures:
    """The last batch's failed images, for a message per kind and a retry of just those."""

    prompt: str
    count: int
    failures: list[errors.ReshiError]


@dataclass
class ImagesPage(FeatureState):
    asked: tuple[str, int] | None = None  # (prompt, count) clicked, waiting for the budget check
    failures: BatchFailures | None = None
    gallery_pages: int = 1  # how many pages of the gallery are shown
    delete_asked: int | None = None  # the image whose Delete was clicked once
    # The prompt box is scrolled to and focused when a prompt is reused: by a script drawn once,
    # numbered so that the same script drawn again still runs.
    focus_script: int | None = None
    focus_scripts_drawn: int = 0


# --- Video ----------------------------------------------------------------------------------

VIDEO_PROMPT: Widget[str] = Widget("video_prompt")
VIDEO_MODEL: Widget[str] = Widget("video_model")
VIDEO_DURATION: Widget[int] = Widget("video_duration")
VIDEO_RATIO: Widget[str] = Widget("video_ratio")
VIDEO_CONFIRM_HD: Widget[bool] = Widget("video_confirm_hd")


@dataclass
class VideoPage(FeatureState):
    submission: Submission = field(default_factory=Submission)
    # A task was created: the next HD video needs its own confirmation (the box is unticked
    # before it is drawn in the next run).
    untick_hd: bool = False
    retry_clicked: bool = False  # the last submission's error's Retry: ask again in the next run
    poll_errors: dict[str, errors.ReshiError] = field(default_factory=dict)  # by task id, until polled fine
    removed: tuple[str, str] | None = None  # (task id, prompt) of the last removal, for its Undo
    # Set by a Remove click, cleared once its notice is drawn: a click inside the polling fragment
    # reruns the whole page, where the notice is.
    removal_unseen: bool = False
    finished_pages: int = 1  # how many pages of finished tasks are shown
    # Finished tasks without a kept copy whose download was tried in this session and failed:
    # one try per session, a file that is gone stays gone.
    keep_failed: dict[str, errors.ReshiError] = field(default_factory=dict)


# --- Upload ---------------------------------------------------------------------------------


@dataclass
class UploadPage(FeatureState):
    report: list[Outcome] = field(default_factory=list)  # the last batch's, one per file (no bytes)
    picker_generation: int = 0  # a new number is a new, empty file picker
    sent_ids: set[str] = field(default_factory=set)  # files of the current picker that went up
