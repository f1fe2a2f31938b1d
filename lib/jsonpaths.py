"""Reading values out of JSON bodies by path, for answers whose shape varies by server.

A path is a tuple of object keys and list indices: `("data", 0, "url")`. The relay family puts
the same value in different places, so readers keep an ordered table of paths and take the
first that holds something usable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Path = tuple[str | int, ...]


def dig(body: Any, path: Path) -> Any:
    """The value at `path`, or None when any step is missing or of the wrong type."""
    value = body
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def first(body: Any, paths: Iterable[Path], accept: Callable[[Any], bool] = bool) -> tuple[Path | None, Any]:
    """The first path whose value `accept`s, with that value; (None, None) when none does."""
    for path in paths:
        value = dig(body, path)
        if value is not None and accept(value):
            return path, value
    return None, None
