"""Video task statuses as providers of this kind send them, normalised to four.

API.md lists the strings seen in the wild; anything unknown is treated as still running (keep
polling, show it verbatim), never as a crash. Case, dashes and spaces do not matter: new-api
and Midjourney-style task routes send `SUCCESS`, `IN_PROGRESS`, `NOT_START`.
"""

from __future__ import annotations

import math
import re

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
FINISHED = (COMPLETED, FAILED)

# One row per meaning. `unknown` is new-api's own task state for "not picked up yet"
# (TaskStatusUnknown), so it waits in the queue; a word missing from every row is a different
# thing: it reads as running and is shown verbatim. `succeed` is Kling's spelling.
_WORDS = {
    QUEUED: ("queued", "pending", "submitted", "not_start", "created", "starting", "preparing", "unknown"),
    RUNNING: ("processing", "in_progress", "running", "generating"),
    COMPLETED: ("completed", "complete", "success", "succeeded", "succeed", "finished", "done"),
    FAILED: ("failed", "failure", "fail", "error", "cancelled", "canceled", "expired"),
}
_NORMAL = {word: meaning for meaning, words in _WORDS.items() for word in words}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def normalize_status(raw: object) -> str:
    """queued, running, completed or failed; unknown or missing means running."""
    return _NORMAL.get(_key(raw), RUNNING)


def is_known_status(raw: object) -> bool:
    """False for a status string not in the table: the page shows such a status verbatim."""
    return _key(raw) in _NORMAL


def _key(raw: object) -> str:
    return str(raw or "").strip().lower().replace("-", "_").replace(" ", "_")


def parse_progress(raw: object) -> float | None:
    """Progress 0-100 from an int, a float, or a string such as '45%'; None when absent.

    A float up to 1.0 is a fraction of one (0.45 and 1.0 are 45% and 100%), while an int is a
    percent (1 is 1%): JSON keeps `1` and `1.0` apart, and servers that count in fractions
    send floats. A string with `%` is a percent; one without follows the number rule ("0.5" is
    half, "45" is 45%). NaN, infinities and values of any other type are not progress.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        return _progress_from_text(raw)
    if isinstance(raw, (int, float)) and math.isfinite(raw):
        return _clamp(float(raw) * 100 if isinstance(raw, float) and 0 < raw <= 1 else float(raw))
    return None


def _progress_from_text(raw: str) -> float | None:
    match = _NUMBER.search(raw)
    if not match:
        return None
    number = match.group()
    if "%" in raw[match.end() :] or "." not in number:
        return _clamp(float(number))
    return parse_progress(float(number))


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))
