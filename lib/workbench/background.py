"""Runs that go on without the tab that started them, and a fair bound on how many cells the
whole process sends at once. No Streamlit: the page holds one `BackgroundRuns` per process.

Each run has its own thread, which drives `run_cells` and saves the finished cells to the store
every few seconds and at the end, so closing the tab changes nothing and a restart loses at
most the cells of the last few seconds. Every cell of every run takes a slot of one `FairGate`
before it calls the API: at most `slots` cells are in flight in the process (so one user's
1,000-cell run cannot take the cores from other users' chats), and when runs wait for a slot
the next one goes to the user with the fewest cells in flight (so a second user's run is not
queued behind the first's).

A run's row is its lease: a live run touches `updated_at` at least every `HEARTBEAT_SECONDS`.
A row still "running" but untouched for `STALE_SECONDS` belongs to a process that died; it is
claimed (compare-and-set on `updated_at`, so one replica wins) and its unfinished cells resumed.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from lib.client import ReshiClient
from lib.workbench.judge import JudgeCache, StoreJudgeCache
from lib.workbench.running import PARTIAL, Cell, QuotaReached, RunSpec, run_cells

log = logging.getLogger("reshi.workbench")
DEFAULT_SLOTS = 8
SAVE_EVERY_SECONDS = 2.0
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 45.0
RUNNING, DONE, STOPPED, INTERRUPTED = "running", "done", "stopped", "interrupted"
QUOTA = "quota"  # stopped as a whole by the admin's quota (running.QuotaReached)
STATUSES = (RUNNING, DONE, STOPPED, INTERRUPTED, QUOTA)


class FairGate:
    """At most `slots` holders at once; a freed slot goes to the waiting user with the fewest
    held, and among those to the one served least recently."""

    def __init__(self, slots: int = DEFAULT_SLOTS):
        self.slots = slots
        self._held: Counter[str] = Counter()
        self._waiting: Counter[str] = Counter()
        self._served: dict[str, int] = {}  # user -> the turn they last took a slot
        self._turn = 0
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, user: str) -> Iterator[None]:
        with self._changed:
            self._waiting[user] += 1
            self._changed.wait_for(lambda: self._may_take(user))
            self._waiting[user] -= 1
            self._held[user] += 1
            self._turn += 1
            self._served[user] = self._turn
        try:
            yield
        finally:
            with self._changed:
                self._held[user] -= 1
                self._changed.notify_all()

    def _may_take(self, user: str) -> bool:
        if sum(self._held.values()) >= self.slots:
            return False
        waiting = [u for u, n in self._waiting.items() if n > 0]
        return min(waiting, key=lambda u: (self._held[u], self._served.get(u, 0))) == user

    def held(self) -> dict[str, int]:
        with self._changed:
            return {user: n for user, n in self._held.items() if n}


@dataclass
class LiveRun:
    """What the page shows of a run going on in this process."""
    user: str
    total: int
    results: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> int:
        """Cells finished (an unfinished one, kept for what it paid, is not)."""
        return sum(cell["status"] != PARTIAL for cell in self.results)


class BackgroundRuns:
    """The process's runs. `store` is the app's Store (its workbench methods)."""

    def __init__(self, store, slots: int = DEFAULT_SLOTS):
        self.store, self.gate = store, FairGate(slots)
        self._live: dict[int, LiveRun] = {}
        self._lock = threading.Lock()
        self._looked_for_left_runs = time.monotonic()
        self._heartbeat = threading.Thread(target=self._beat, name="workbench-heartbeat", daemon=True)
        self._heartbeat.start()

    def start(self, user: str, run_id: int, client: ReshiClient, spec: RunSpec, cases: list[dict[str, Any]], *,
              earlier: list[Cell] = (), judge_cache: JudgeCache | None = None, finished: list[dict[str, Any]] = (),
              on_end: Callable[[], None] | None = None) -> LiveRun:
        """Run `run_id`'s cells in a thread of its own; `finished`: cells already done (a resumed
        run), which are kept and not sent again, but for unfinished ones, which go on from what
        they paid and take their place. `on_end` runs when the thread ends (closing a
        client made for the run). Judged checks' verdicts are the user's in the store unless
        `judge_cache` says otherwise."""
        total = len(cases) * len(spec.models) * spec.repeat
        live = LiveRun(user, total, list(finished))
        with self._lock:
            self._live[run_id] = live
        thread = threading.Thread(target=self._drive, name=f"workbench-run-{run_id}", daemon=True,
                                  args=(run_id, live, client, spec, cases, list(earlier),
                                        judge_cache or StoreJudgeCache(self.store, user), on_end))
        thread.start()
        return live

    def time_to_look_for_left_runs(self) -> bool:
        """True at most once per HEARTBEAT_SECONDS (the first time: that long after this was
        made). A process that restarted sooner than STALE_SECONDS found its dead predecessor's
        runs still leased; they must be looked for again once the lease has run out."""
        with self._lock:
            now = time.monotonic()
            if now - self._looked_for_left_runs < HEARTBEAT_SECONDS:
                return False
            self._looked_for_left_runs = now
            return True

    def live(self, run_id: int) -> LiveRun | None:
        with self._lock:
            return self._live.get(run_id)

    def stop(self, user: str, run_id: int) -> bool:
        live = self.live(run_id)
        if live is None or live.user != user:
            return False
        live.stop.set()
        return True

    def _drive(self, run_id: int, live: LiveRun, client: ReshiClient, spec: RunSpec, cases: list[dict[str, Any]],
               earlier: list[Cell], judge_cache: JudgeCache | None, on_end: Callable[[], None] | None) -> None:
        at = {(c["case"], c["model"], c.get("repeat", 0)): i for i, c in enumerate(live.results)}
        unfinished = [Cell.from_dict(c) for c in live.results if c["status"] == PARTIAL]
        skip = {slot for slot, i in at.items() if live.results[i]["status"] != PARTIAL}
        status, saved_at = STOPPED, time.monotonic()
        try:
            with closing(run_cells(client, spec, cases, live.stop, earlier=earlier, judge_cache=judge_cache,
                                   gate=self.gate, user=live.user, skip=skip, unfinished=unfinished)) as cells:
                for cell in cells:
                    slot = (cell.case, cell.model, cell.repeat)
                    if slot in at:   # an unfinished cell that went on
                        live.results[at[slot]] = asdict(cell)
                    else:
                        at[slot] = len(live.results)
                        live.results.append(asdict(cell))
                    if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                        self.store.save_workbench_results(live.user, run_id, list(live.results), RUNNING)
                        saved_at = time.monotonic()
            status = DONE if live.done == live.total else STOPPED
        except QuotaReached:
            status = QUOTA
        finally:
            with self._lock:  # saved and no longer live at once: a page sees one or the other
                try:
                    self.store.save_workbench_results(live.user, run_id, list(live.results), status)
                finally:
                    self._live.pop(run_id, None)
            live.finished.set()
            if on_end is not None:
                on_end()

    def _beat(self) -> None:
        """Touch every live run's row, so no other process takes it for a dead one."""
        while True:
            time.sleep(HEARTBEAT_SECONDS)
            with self._lock:
                live = [(run_id, run.user) for run_id, run in self._live.items()]
            for run_id, user in live:
                try:
                    self.store.touch_workbench_run(user, run_id)
                except Exception:  # the store away for a moment: the next beat tries again
                    log.warning("workbench run %s: heartbeat not saved", run_id, exc_info=True)
