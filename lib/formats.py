"""Numbers, dates and durations in the user's language, by Babel (CLDR), never by hand; and the
user's time zone.

`lang` is a catalog language (`lib.i18n.LANGUAGES`); each maps to the CLDR locale whose
conventions it follows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
DATE_TIME = "yyyy-MM-dd HH:mm"  # one unambiguous form in every language
_UNITS: tuple[tuple[Literal["day", "hour", "minute"], int], ...] = (("day", 86400), ("hour", 3600), ("minute", 60))


def zone(name: str | None) -> ZoneInfo:
    """The browser's IANA zone (`st.context.timezone`), or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


def number(value: float, lang: str, *, digits: int = 2, fixed: bool = False) -> str:
    """1,234.5 (up to `digits` decimals; with `fixed`, always `digits` of them)."""
    decimals = ("0" if fixed else "#") * digits
    return format_decimal(value, "#,##0" + ("." + decimals if digits else ""), locale=locale_of(lang))


def percent(share: float, lang: str) -> str:
    """0.123 -> 12.3%."""
    return format_percent(share, "#,##0.0%", locale=locale_of(lang))


def moment(when: datetime, lang: str, zone: tzinfo, pattern: str = DATE_TIME) -> str:
    """`when` as the clock in `zone` shows it (a CLDR pattern)."""
    return format_datetime(when, pattern, tzinfo=zone, locale=locale_of(lang))


def duration(seconds: float, lang: str) -> str:
    """The two largest whole units, down to minutes: '2 days 23 hr', '5 hr 12 min', '1 min'."""
    parts: list[str] = []
    rest = max(int(seconds), 60)
    for unit, size in _UNITS:
        count, rest = divmod(rest, size)
        if count and len(parts) < 2:
            parts.append(
                format_timedelta(
                    timedelta(seconds=count * size),
                    threshold=1,
                    granularity=unit,
                    format="short",
                    locale=locale_of(lang),
                )
            )
        elif parts:
            break
    return " ".join(parts)
