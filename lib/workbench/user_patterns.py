"""Regular expressions typed by users (Workbench "matches regex" checks), run by RE2.

Python's `re` backtracks: `((?s:.)|(?s:.))*QQQ` on a long reply takes exponential time while
holding the GIL, so one check froze every user's pages. RE2 matches in time linear in the text
and refuses what it cannot do that way (backreferences, lookaround), and both the pattern and
the text it reads are capped, so a check costs at most a few milliseconds.
"""

from __future__ import annotations

import re2

MAX_PATTERN_CHARS = 1_000
MAX_TEXT_CHARS = 200_000  # longer replies are checked on their first MAX_TEXT_CHARS characters
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr
_OPTIONS.max_mem = 8 << 20  # what one compiled pattern may take; a bigger one is refused


class UserPatternError(ValueError):
    """A pattern RE2 refuses (bad syntax, a feature it lacks, too long or too big); `reason` says why."""

    def __init__(self, pattern: str, reason: str):
        super().__init__(reason)
        self.pattern = pattern
        self.reason = reason


def compile_user_pattern(pattern: str) -> re2._Regexp:
    """`pattern` compiled by RE2, or UserPatternError."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise UserPatternError(pattern, f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "not a pattern RE2 accepts"
        raise UserPatternError(
            pattern, reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        ) from None


def user_pattern_found(pattern: str, text: str) -> bool:
    """`pattern` occurs in (the first MAX_TEXT_CHARS characters of) `text`; UserPatternError
    when the pattern cannot be compiled."""
    return compile_user_pattern(pattern).search(text[:MAX_TEXT_CHARS]) is not None
