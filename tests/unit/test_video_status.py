"""Video status normalisation over every status string in API.md, unknown ones, and progress."""

from __future__ import annotations

import math

import pytest

from lib.client.videos import _video_task
from lib.media.video_status import COMPLETED, FAILED, QUEUED, RUNNING, is_known_status, normalize_status, parse_progress

# Every status string API.md lists, with what it must mean.
API_MD_STATUSES = {
    "queued": QUEUED,
    "pending": QUEUED,
    "submitted": QUEUED,
    "processing": RUNNING,
    "in_progress": RUNNING,
    "running": RUNNING,
    "completed": COMPLETED,
    "succeeded": COMPLETED,
    "success": COMPLETED,
    "failed": FAILED,
    "failure": FAILED,
    "error": FAILED,
    "cancelled": FAILED,
}


@pytest.mark.parametrize("raw, expected", API_MD_STATUSES.items())
def test_every_api_md_status_is_normalised(raw, expected):
    assert normalize_status(raw) == expected
    assert is_known_status(raw)


# The status table of issue 11 ("Speak every dialect of the relay family"), by meaning.
ISSUE_11_STATUSES = {
    QUEUED: "queued pending submitted not_start created starting preparing unknown",
    RUNNING: "processing in_progress running generating",
    COMPLETED: "completed complete success succeeded finished done",
    FAILED: "failed failure fail error cancelled canceled expired",
}


@pytest.mark.parametrize(
    "raw, expected", [(word, meaning) for meaning, words in ISSUE_11_STATUSES.items() for word in words.split()]
)
def test_every_relay_status_word_in_any_case(raw, expected):
    assert normalize_status(raw) == normalize_status(raw.upper()) == expected
    assert is_known_status(raw.title())


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("COMPLETED", COMPLETED),
        ("  Succeeded ", COMPLETED),
        ("In Progress", RUNNING),
        ("in-progress", RUNNING),
        ("Canceled", FAILED),
    ],
)
def test_case_spaces_and_dashes_do_not_matter(raw, expected):
    assert normalize_status(raw) == expected


@pytest.mark.parametrize("raw", ["rendering", "upscaling", "PAUSED", "", None, 7, {"state": "x"}])
def test_unknown_or_missing_status_is_running_and_flagged_unknown(raw):
    assert normalize_status(raw) == RUNNING
    assert not is_known_status(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (45, 45.0),
        (0, 0.0),
        (100, 100.0),
        (45.5, 45.5),
        (0.45, 45.0),
        ("45%", 45.0),
        ("45", 45.0),
        (" 45.5 % ", 45.5),
        ("progress: 80%", 80.0),
        (150, 100.0),
        (-3, 0.0),
        ("120%", 100.0),
        # A float up to 1.0 is a fraction, an int a percent: JSON `1.0` is done, `1` is 1%.
        (1.0, 100.0),
        (1, 1.0),
        (0.0, 0.0),
        (1.5, 1.5),
        ("0.5", 50.0),
        ("1.0", 100.0),
        ("1", 1.0),
        ("0.5%", 0.5),
    ],
)
def test_progress_from_int_float_or_string(raw, expected):
    assert parse_progress(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    "raw", [None, "", "soon", "nan", True, False, math.nan, math.inf, -math.inf, [50], {"value": 50}]
)
def test_no_progress_when_absent_or_not_a_number(raw):
    assert parse_progress(raw) is None


def test_an_unknown_status_from_the_server_is_kept_verbatim_by_the_client():
    task = _video_task({"id": "t1", "status": "Rendering-Frames", "progress": "12%"})
    assert (task.status, task.raw_status, task.progress) == (RUNNING, "Rendering-Frames", 12.0)


def test_a_failed_task_carries_the_servers_reason_even_as_an_object():
    task = _video_task({"id": "t1", "status": "failure", "error": {"message": "content policy"}})
    assert (task.status, task.error) == (FAILED, "content policy")
