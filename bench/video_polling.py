"""How hard the Video page polls: requests per task per minute, and the fragment's run time.

Run from the repo root: `.venv/bin/python bench/video_polling.py [--seconds 60] [--tasks 10]`.

It starts its own sandbox (videos that take 10 virtual minutes, so they stay unfinished), a
throwaway SQLite store and `--tasks` video tasks, then runs the page's polling fragment body
(`lib.ui.media.videos.live_tasks`, the function the page's `st.fragment(run_every=...)` calls)
under AppTest once every `videos.TICK_SECONDS`, as the browser's timer would, for `--seconds`.
The sandbox counts every status request per task. Then it finishes every task on the sandbox's
clock and keeps ticking: after the tick that sees them finish there must be no request at all,
and with no unfinished task the page no longer defines the ticking fragment.

Goal: at most 20 requests per task per minute while unfinished, zero once all are finished.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.testing.v1 import AppTest

from lib.client import ReshiClient
from lib.media import videos
from lib.sandbox import start_sandbox
from lib.store import Store

USER = "bench"
GOAL_PER_MINUTE = 20


def fragment_run(store, user, client, timings):
    """The AppTest script: one run of the polling fragment's body, timed."""
    import time as clock

    from lib.ui.media.videos import live_tasks

    started = clock.perf_counter()
    try:
        live_tasks(store, user, client)
    finally:
        timings.append(clock.perf_counter() - started)


def tick_for(at: AppTest, seconds: float) -> int:
    """Run the fragment every TICK_SECONDS for `seconds`, on a fixed schedule like setInterval."""
    ticks, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        ticks += 1
        next_tick = start + ticks * videos.TICK_SECONDS
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return ticks


def polls(sandbox) -> dict[str, int]:
    return sandbox.control.stats()["video_polls"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the unfinished phase")
    parser.add_argument("--tasks", type=int, default=10)
    args = parser.parse_args()

    sandbox = start_sandbox(token_rate=0, video_seconds=600, control=True)
    folder = tempfile.TemporaryDirectory()
    store = Store(f"sqlite:///{folder.name}/bench.db")
    key = sandbox.control.add_key(credits=100_000)
    client = ReshiClient(sandbox.base_url, key, on_call=lambda record: store.add_usage(USER, **asdict(record)))
    try:
        for n in range(args.tasks):
            videos.submit(store, USER, client, videos.VideoRequest(f"bench video {n}"))
        sandbox.control.reset_stats()
        timings: list[float] = []
        at = AppTest.from_function(fragment_run, args=(store, USER, client, timings), default_timeout=60)

        ticks = tick_for(at, args.seconds)
        per_task = polls(sandbox)
        rates = [per_task.get(t.task_id, 0) * 60 / args.seconds for t in store.list_video_tasks(USER)]
        unfinished_median = statistics.median(timings)

        sandbox.control.advance_clock(3600)  # every task is now complete
        sandbox.control.reset_stats()
        tick_for(at, 2 * videos.POLL_SECONDS)  # the tick(s) that see them finish
        discovered = sum(polls(sandbox).values())
        sandbox.control.reset_stats()
        tick_for(at, 5 * videos.TICK_SECONDS)
        after = sum(polls(sandbox).values())
        left = len(store.unfinished_video_tasks(USER))
    finally:
        client.close()
        store.dispose()
        sandbox.stop()
        folder.cleanup()

    scaled = "" if args.seconds == 60 else f" (measured over {args.seconds:g} s, scaled to a minute)"
    print(f"{args.tasks} unfinished tasks, fragment every {videos.TICK_SECONDS:g} s, {ticks} ticks{scaled}")
    print(
        f"status requests per task per minute: min {min(rates):.1f}, median {statistics.median(rates):.1f}, "
        f"max {max(rates):.1f} (goal <= {GOAL_PER_MINUTE})"
    )
    print(
        f"fragment run time with {args.tasks} unfinished tasks: median {unfinished_median * 1000:.1f} ms, "
        f"max {max(timings[:ticks]) * 1000:.1f} ms"
    )
    print(
        f"after every task finished: {discovered} requests to learn it, then {after} requests in "
        f"{5 * videos.TICK_SECONDS:g} s; unfinished tasks left: {left} (the page stops its timer at 0)"
    )
    ok = max(rates) <= GOAL_PER_MINUTE and after == 0 and left == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
