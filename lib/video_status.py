"""Video task statuses as providers of this kind send them, normalised to four.

API.md lists the strings seen in the wild; anything unknown is treated as still running (keep
polling, show it verbatim), never as a crash.
"""
from __future__ import annotations

import math
import re

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"
FINISHED = (COMPLETED, FAILED)

_NORMAL = {
    "queued": QUEUED, "pending": QUEUED, "submitted": QUEUED, "not_start": QUEUED,
    "processing": RUNNING, "in_progress": RUNNING, "running": RUNNING, "generating": RUNNING,
    "completed": COMPLETED, "succeeded": COMPLETED, "success": COMPLETED, "done": COMPLETED,
    "failed": FAILED, "failure": FAILED, "error": FAILED, "cancelled": FAILED, "canceled": FAILED,
}
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

    A fraction (0 < p < 1 given as a float) is read as a share of one. NaN, infinities and
    values of any other type (lists, objects) are not progress.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return None
        value = float(raw) * (100 if isinstance(raw, float) and 0 < raw < 1 else 1)
    elif isinstance(raw, str):
        match = _NUMBER.search(raw)
        if not match:
            return None
        value = float(match.group())
    else:
        return None
    return max(0.0, min(100.0, value))
