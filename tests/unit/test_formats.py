"""Numbers, times and waits in the user's language (Babel), and the browser's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lib import formats
from lib.accounts.auth import wait_seconds

NOON_UTC = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_numbers_and_shares():
    assert formats.number(1234.5, "en") == formats.number(1234.5, "zh") == "1,234.5"
    assert formats.number(3, "en", digits=1, fixed=True) == "3.0" and formats.number(1234, "en") == "1,234"
    assert formats.percent(0.1234, "en") == "12.3%"


def test_a_moment_is_shown_on_the_zone_s_clock():
    assert formats.moment(NOON_UTC, "en", formats.zone("Asia/Shanghai")) == "2026-05-01 20:00"
    assert formats.moment(NOON_UTC, "zh", formats.zone(None), "MM-dd HH:mm") == "05-01 12:00"


def test_an_unknown_or_missing_zone_is_utc():
    assert formats.zone("Mars/Olympus").key == formats.zone(None).key == "UTC"
    assert formats.zone("Europe/Paris").key == "Europe/Paris"


@pytest.mark.parametrize(
    "seconds, en, zh",
    [
        (2 * 86400 + 23 * 3600 + 59 * 60, "2 days 23 hr", "2天 23小时"),
        (5 * 3600 + 12 * 60 + 30, "5 hr 12 min", "5小时 12分钟"),
        (20, "1 min", "1分钟"),
        (86400, "1 day", "1天"),
    ],
)
def test_durations_keep_the_two_largest_units(seconds, en, zh):
    assert formats.duration(seconds, "en") == en and formats.duration(seconds, "zh") == zh


def test_a_wait_is_rounded_up_to_the_minute():
    assert formats.duration(wait_seconds(timedelta(minutes=14, seconds=1)), "en") == "15 min"
    assert formats.duration(wait_seconds(timedelta(seconds=1)), "en") == "1 min"
