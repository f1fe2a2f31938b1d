"""Video status normalisation over every status string in API.md, unknown ones, and progress."""
from __future__ import annotations

import math

import pytest

from lib.client import _video_task
from lib.video_status import (COMPLETED, FAILED, QUEUED, RUNNING, is_known_status, normalize_status,
                              parse_progress)

# Every status string API.md lists, with what it must mean.
API_MD_STATUSES = {
    "queued": QUEUED, "pending": QUEUED, "submitted": QUEUED,
    "processing": RUNNING, "in_progress": RUNNING, "running": RUNNING,
    "completed": COMPLETED, "succeeded": COMPLETED, "success": COMPLETED,
    "failed": FAILED, "failure": FAILED, "error": FAILED, "cancelled": FAILED,
}


@pytest.mark.parametrize("raw, expected", API_MD_STATUSES.items())
def test_every_api_md_status_is_normalised(raw, expected):
    assert normalize_status(raw) == expected
    assert is_known_status(raw)


@pytest.mark.parametrize("raw, expected", [
    ("COMPLETED", COMPLETED), ("  Succeeded ", COMPLETED), ("In Progress", RUNNING),
    ("in-progress", RUNNING), ("Canceled", FAILED),
])
def test_case_spaces_and_dashes_do_not_matter(raw, expected):
    assert normalize_status(raw) == expected


@pytest.mark.parametrize("raw", ["rendering", "upscaling", "PAUSED", "", None, 7, {"state": "x"}])
def test_unknown_or_missing_status_is_running_and_flagged_unknown(raw):
    assert normalize_status(raw) == RUNNING
    assert not is_known_status(raw)


@pytest.mark.parametrize("raw, expected", [
    (45, 45.0), (0, 0.0), (100, 100.0), (45.5, 45.5), (0.45, 45.0), ("45%", 45.0), ("45", 45.0),
    (" 45.5 % ", 45.5), ("progress: 80%", 80.0), (150, 100.0), (-3, 0.0), ("120%", 100.0),
])
def test_progress_from_int_float_or_string(raw, expected):
    assert parse_progress(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", [None, "", "soon", "nan", True, False, math.nan, math.inf, -math.inf,
                                 [50], {"value": 50}])
def test_no_progress_when_absent_or_not_a_number(raw):
    assert parse_progress(raw) is None


def test_an_unknown_status_from_the_server_is_kept_verbatim_by_the_client():
    task = _video_task({"id": "t1", "status": "Rendering-Frames", "progress": "12%"})
    assert (task.status, task.raw_status, task.progress) == (RUNNING, "Rendering-Frames", 12.0)


def test_a_failed_task_carries_the_servers_reason_even_as_an_object():
    task = _video_task({"id": "t1", "status": "failure", "error": {"message": "content policy"}})
    assert (task.status, task.error) == (FAILED, "content policy")
