"""The figures that tell a stable result from a lucky sample: a pass rate's 95% interval
(Wilson's, which stays inside 0-1 and is honest for a few samples) and how often repeats agree."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

Z_95 = 1.959964


def wilson(passes: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The 95% interval of a pass rate seen as `passes` of `total`; None with no samples."""
    if total <= 0:
        return None
    rate = passes / total
    spread = z * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total))
    centre = rate + z * z / (2 * total)
    scale = 1 + z * z / total
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def consistency(outcomes: Iterable[tuple[object, bool]]) -> float | None:
    """The share of groups (a case on a model) whose repeats all agree, pass or fail, among
    the groups repeated at least twice; None when nothing was repeated."""
    groups: dict[object, set[bool]] = defaultdict(set)
    counts: dict[object, int] = defaultdict(int)
    for group, passed in outcomes:
        groups[group].add(passed)
        counts[group] += 1
    repeated = [group for group, count in counts.items() if count >= 2]
    if not repeated:
        return None
    return sum(len(groups[group]) == 1 for group in repeated) / len(repeated)
