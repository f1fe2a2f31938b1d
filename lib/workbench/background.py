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
Given `client_for` (the app's: a client for a run whose key is the app's own), the process looks
for such runs when it starts and on every heartbeat, whether or not anyone uses the Workbench.
A clean shutdown (`release`) saves its runs and gives their leases up, so the next process to
look resumes them at once instead of after `STALE_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lib.client import ReshiClient
from lib.workbench.grid import PARTIAL, Cell, RunSpec
from lib.workbench.judge import JudgeCache, StoreJudgeCache
from lib.workbench.running import QuotaReached, run_cells
from lib.workbench.status import RunEvent, RunStatus, next_run_status

if TYPE_CHECKING:  # (importing the store at run time would import pandas with it)
    from lib.store import Store

log = logging.getLogger("reshi.workbench")
DEFAULT_SLOTS = 8
SAVE_EVERY_SECONDS = 2.0
HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 45.0
RUNNING, DONE, STOPPED = RunStatus.RUNNING, RunStatus.DONE, RunStatus.STOPPED
INTERRUPTED, QUOTA = RunStatus.INTERRUPTED, RunStatus.QUOTA
STATUSES = tuple(status.value for status in RunStatus)


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
    released: bool = False  # given up at shutdown: its thread saves nothing more

    @property
    def done(self) -> int:
        """Cells finished (an unfinished one, kept for what it paid, is not)."""
        return sum(cell["status"] != PARTIAL for cell in self.results)


# A left run's client: one on the run's connection (its `settings`) when its key is the app's
# own, else None (the user's key was never stored: the run waits for them to resume it).
ClientFor = Callable[[str, dict[str, Any]], ReshiClient | None]


class BackgroundRuns:
    """The process's runs. `store` is the app's Store (its workbench methods); with `client_for`,
    the runs other processes left are looked for at once and on every heartbeat, and resumed."""

    def __init__(
        self,
        store: Store,
        slots: int = DEFAULT_SLOTS,
        *,
        client_for: ClientFor | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        stale_seconds: float = STALE_SECONDS,
    ):
        self.store, self.gate = store, FairGate(slots)
        self.client_for, self.heartbeat_seconds, self.stale_seconds = client_for, heartbeat_seconds, stale_seconds
        self._live: dict[int, LiveRun] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()  # released: no more beats, no more left runs taken
        self._heartbeat = threading.Thread(target=self._beat, name="workbench-heartbeat", daemon=True)
        self._heartbeat.start()

    def start(
        self,
        user: str,
        run_id: int,
        client: ReshiClient,
        spec: RunSpec,
        cases: list[dict[str, Any]],
        *,
        earlier: Sequence[Cell] = (),
        judge_cache: JudgeCache | None = None,
        finished: Sequence[dict[str, Any]] = (),
        on_end: Callable[[], None] | None = None,
    ) -> LiveRun:
        """Run `run_id`'s cells in a thread of its own; `finished`: cells already done (a resumed
        run), which are kept and not sent again, but for unfinished ones, which go on from what
        they paid and take their place. `on_end` runs when the thread ends (closing a
        client made for the run). Judged checks' verdicts are the user's in the store unless
        `judge_cache` says otherwise."""
        total = len(cases) * len(spec.models) * spec.repeat
        live = LiveRun(user, total, list(finished))
        with self._lock:
            self._live[run_id] = live
        thread = threading.Thread(
            target=self._drive,
            name=f"workbench-run-{run_id}",
            daemon=True,
            args=(
                run_id,
                live,
                client,
                spec,
                cases,
                list(earlier),
                judge_cache or StoreJudgeCache(self.store, user),
                on_end,
            ),
        )
        thread.start()
        return live

    def resume(self, user: str, run: dict[str, Any], client: ReshiClient) -> LiveRun:
        """Go on with a run's unfinished cells (its finished ones are kept, not sent again)."""
        self.store.mark_workbench_run(user, run["id"], next_run_status(RunStatus(run["status"]), RunEvent.STARTED))
        return self.start(
            user, run["id"], client, RunSpec.from_run(run), run["cases"], finished=run["results"], on_end=client.close
        )

    def look_for_left_runs(self) -> None:
        """Runs still "running" whose lease ran out (their process died) or was given up (a clean
        shutdown): each claimed (one replica wins), then resumed when `client_for` gives it a
        client, else marked interrupted for its user to resume."""
        if self.client_for is None or self._closed.is_set():
            return
        stale = datetime.now(UTC) - timedelta(seconds=self.stale_seconds)
        for row in self.store.admin_stale_workbench_runs(stale):
            user, run_id = row["user"], row["id"]
            if not self.store.claim_workbench_run(user, run_id, row["updated_at"]):
                continue  # another replica took it
            client = self.client_for(user, row["settings"])
            if client is None:
                self.store.mark_workbench_run(user, run_id, next_run_status(RUNNING, RunEvent.ORPHANED))
                continue
            run = self.store.get_workbench_run(user, run_id)
            if run is None:  # deleted by its user since it was claimed
                client.close()
                continue
            log.info("workbench run %s of %s: resumed after its process stopped", run_id, user)
            self.resume(user, run, client)

    def release(self) -> None:
        """A clean shutdown: every live run's finished cells saved, still "running", and its lease
        given up, so the next process resumes it at once. Its thread stops and saves nothing
        more; cells in flight now are sent again by the next process. This process takes no
        more left runs."""
        self._closed.set()
        with self._lock:
            released, self._live = self._live, {}
            for run_id, live in released.items():
                live.released = True
                live.stop.set()
                self.store.save_workbench_results(live.user, run_id, list(live.results), RUNNING)
                self.store.release_workbench_run(live.user, run_id)
        if released:
            # A warning: the cells in flight were paid for and will be sent again.
            log.warning(
                "workbench: %d run(s) left for the next process to resume: %s",
                len(released),
                ", ".join(f"#{run_id} ({live.done}/{live.total} cells)" for run_id, live in released.items()),
            )

    def live(self, run_id: int) -> LiveRun | None:
        with self._lock:
            return self._live.get(run_id)

    def stop(self, user: str, run_id: int) -> bool:
        live = self.live(run_id)
        if live is None or live.user != user:
            return False
        live.stop.set()
        return True

    def _drive(
        self,
        run_id: int,
        live: LiveRun,
        client: ReshiClient,
        spec: RunSpec,
        cases: list[dict[str, Any]],
        earlier: list[Cell],
        judge_cache: JudgeCache | None,
        on_end: Callable[[], None] | None,
    ) -> None:
        at = {(c["case"], c["model"], c.get("repeat", 0)): i for i, c in enumerate(live.results)}
        unfinished = [Cell.from_dict(c) for c in live.results if c["status"] == PARTIAL]
        skip = {slot for slot, i in at.items() if live.results[i]["status"] != PARTIAL}
        status, saved_at = STOPPED, time.monotonic()  # (kept when the run ends by an error it did not expect)
        try:
            with closing(
                run_cells(
                    client,
                    spec,
                    cases,
                    live.stop,
                    earlier=earlier,
                    judge_cache=judge_cache,
                    gate=self.gate,
                    user=live.user,
                    skip=skip,
                    unfinished=unfinished,
                )
            ) as cells:
                for cell in cells:
                    slot = (cell.case, cell.model, cell.repeat)
                    if slot in at:  # an unfinished cell that went on
                        live.results[at[slot]] = asdict(cell)
                    else:
                        at[slot] = len(live.results)
                        live.results.append(asdict(cell))
                    if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                        with self._lock:  # not after `release` gave the lease up
                            if not live.released:
                                self.store.save_workbench_results(live.user, run_id, list(live.results), RUNNING)
                        saved_at = time.monotonic()
            status = next_run_status(RUNNING, RunEvent.ENDED, done=live.done, total=live.total)
        except QuotaReached:
            status = next_run_status(RUNNING, RunEvent.QUOTA_REACHED)
        finally:
            with self._lock:  # saved and no longer live at once: a page sees one or the other
                try:
                    if not live.released:
                        self.store.save_workbench_results(live.user, run_id, list(live.results), status)
                finally:
                    self._live.pop(run_id, None)
            live.finished.set()
            if on_end is not None:
                on_end()

    def _beat(self) -> None:
        """Look for runs other processes left (at once, then on every beat) and touch every
        live run's row, so no other process takes it for a dead one."""
        while not self._closed.is_set():
            try:
                self.look_for_left_runs()
            except Exception:  # the store away for a moment: the next beat looks again
                log.warning("workbench: left runs not looked for", exc_info=True)
            if self._closed.wait(self.heartbeat_seconds):
                return
            with self._lock:
                live = [(run_id, run.user) for run_id, run in self._live.items()]
            for run_id, user in live:
                try:
                    self.store.touch_workbench_run(user, run_id)
                except Exception:  # the store away for a moment: the next beat tries again
                    log.warning("workbench run %s: heartbeat not saved", run_id, exc_info=True)
