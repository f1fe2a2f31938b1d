"""What a value found in an answer must be to count: shared by the readers of this package."""

from __future__ import annotations

import math
from typing import Any

from lib.media.video_status import parse_progress


def is_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != ""


def is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def is_http_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def is_unix_time(value: Any) -> bool:
    """Seconds since 1970 as a number; 0 (new-api's "not yet") and other types are not a time."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def is_progress(value: Any) -> bool:
    return parse_progress(value) is not None
