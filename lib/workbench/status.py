"""The Workbench's two state machines, as named states and pure functions that decide the next
one: a run's status (its row's `status` column, what the page's run list and banners say) and
how a cell ends (its `status` in the run's results).

A run:  RUNNING --ended, every cell done--> DONE
        RUNNING --ended, some cells not done (Stop, a closed tab)--> STOPPED
        RUNNING --the admin's quota refused a call--> QUOTA
        RUNNING --its process died and nothing here may resume it--> INTERRUPTED
        any     --started or resumed--> RUNNING
A run that is released at a clean shutdown stays RUNNING (its lease given up: the next process
resumes it). A cell's send ends replied (OK), failed (FAILED), or stopped (PARTIAL when
something of it was paid, else it is dropped as if never started, to run again).

The statuses are `str` Enums: they are stored and compared as their values ("running", "ok"),
and read as them wherever they are shown or written.
"""

from __future__ import annotations

from enum import Enum


class RunStatus(str, Enum):
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    QUOTA = "quota"  # stopped as a whole by the admin's quota (running.QuotaReached)

    def __str__(self) -> str:
        return self.value


class RunEvent(Enum):
    STARTED = "started"  # a new run, or one resumed
    ENDED = "ended"  # its cells stopped coming: every one done, or stopped midway
    QUOTA_REACHED = "quota_reached"
    ORPHANED = "orphaned"  # its process died and no client may resume it here (the user's key was never stored)


class CellStatus(str, Enum):
    OK = "ok"
    FAILED = "failed"
    PARTIAL = "partial"  # ended early with something paid (`Cell.ended` says why)

    def __str__(self) -> str:
        return self.value


class CellEnding(Enum):
    REPLIED = "replied"
    FAILED = "failed"
    STOPPED = "stopped"  # by Stop, or by the quota refusing one of its calls


def next_run_status(status: RunStatus, event: RunEvent, *, done: int = 0, total: int = 0) -> RunStatus:
    """The run's status after `event`; `done` and `total` count its finished cells when it ended.
    Only a running run ends, reaches the quota or is orphaned (ValueError otherwise)."""
    if event is RunEvent.STARTED:
        return RunStatus.RUNNING
    if status is not RunStatus.RUNNING:
        raise ValueError(f"a run that is {status.value} cannot be {event.value}")
    if event is RunEvent.QUOTA_REACHED:
        return RunStatus.QUOTA
    if event is RunEvent.ORPHANED:
        return RunStatus.INTERRUPTED
    return RunStatus.DONE if done == total else RunStatus.STOPPED


def cell_status(ending: CellEnding, *, paid: float) -> CellStatus | None:
    """How a cell whose send ended so is kept; None: stopped before anything of it was paid, so
    it is dropped as if never started (a resumed run keeps its earlier cell)."""
    if ending is CellEnding.REPLIED:
        return CellStatus.OK
    if ending is CellEnding.FAILED:
        return CellStatus.FAILED
    return CellStatus.PARTIAL if paid else None
