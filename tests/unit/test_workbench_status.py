"""The Workbench's state machines (lib/workbench/status.py), without a run or Streamlit."""

from __future__ import annotations

import json

import pytest

from lib.workbench.grid import Cell
from lib.workbench.status import (
    CellEnding,
    CellStatus,
    RunEvent,
    RunStatus,
    cell_status,
    next_run_status,
)


@pytest.mark.parametrize("status", list(RunStatus))
def test_starting_or_resuming_makes_any_run_running(status):
    assert next_run_status(status, RunEvent.STARTED) is RunStatus.RUNNING


def test_a_run_that_ends_is_done_only_when_every_cell_is():
    assert next_run_status(RunStatus.RUNNING, RunEvent.ENDED, done=6, total=6) is RunStatus.DONE
    assert next_run_status(RunStatus.RUNNING, RunEvent.ENDED, done=5, total=6) is RunStatus.STOPPED
    assert next_run_status(RunStatus.RUNNING, RunEvent.ENDED, done=0, total=0) is RunStatus.DONE


def test_the_quota_and_a_dead_process_end_a_running_run():
    assert next_run_status(RunStatus.RUNNING, RunEvent.QUOTA_REACHED) is RunStatus.QUOTA
    assert next_run_status(RunStatus.RUNNING, RunEvent.ORPHANED) is RunStatus.INTERRUPTED


@pytest.mark.parametrize("status", [s for s in RunStatus if s is not RunStatus.RUNNING])
@pytest.mark.parametrize("event", [RunEvent.ENDED, RunEvent.QUOTA_REACHED, RunEvent.ORPHANED])
def test_only_a_running_run_ends(status, event):
    with pytest.raises(ValueError, match=f"a run that is {status.value} cannot be {event.value}"):
        next_run_status(status, event, done=1, total=1)


def test_a_cell_is_kept_by_how_its_send_ended_and_what_it_paid():
    assert cell_status(CellEnding.REPLIED, paid=0.0) is CellStatus.OK
    assert cell_status(CellEnding.FAILED, paid=0.0) is CellStatus.FAILED
    assert cell_status(CellEnding.FAILED, paid=2.5) is CellStatus.FAILED
    assert cell_status(CellEnding.STOPPED, paid=2.5) is CellStatus.PARTIAL
    assert cell_status(CellEnding.STOPPED, paid=0.0) is None  # dropped: as if never started


def test_statuses_are_stored_shown_and_compared_as_their_values():
    assert RunStatus.INTERRUPTED == "interrupted" and f"{RunStatus.QUOTA}" == "quota"
    assert str(CellStatus.PARTIAL) == "partial" and json.dumps([CellStatus.OK]) == '["ok"]'
    stored = json.loads(json.dumps({"case": 0, "model": "m", "status": CellStatus.PARTIAL}))
    assert Cell.from_dict(stored).status is CellStatus.PARTIAL
