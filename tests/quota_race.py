"""Threads racing for quota holds at the edge, in this process or as another replica's process
(`python -m tests.quota_race STORE_URL THREADS TRIES`: prints "ready", waits for a line on stdin,
races, prints how many holds it got). Imports only what a replica's quota check needs, so the
process starts quickly. Used by tests/unit/test_quota_holds.py."""

from __future__ import annotations

import sys
import threading

from lib.credits import quotas
from lib.errors import QuotaExceededError
from lib.store import Store


def racing(store: Store, threads: int, tries: int, wait_for_go) -> int:
    """`threads` threads, all starting once `wait_for_go` returns, each trying `tries` times to
    hold 1 credit of alice's quota (stopping at the first refusal); how many holds they got."""
    go, got, lock = threading.Event(), [], threading.Lock()

    def take() -> None:
        go.wait()
        for _ in range(tries):
            try:
                hold = quotas.check_quota(store, "alice", 1.0)
            except QuotaExceededError:
                return
            with lock:
                got.append(hold)

    workers = [threading.Thread(target=take) for _ in range(threads)]
    for worker in workers:
        worker.start()
    wait_for_go()
    go.set()
    for worker in workers:
        worker.join()
    return len(got)


if __name__ == "__main__":
    store_url, threads, tries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store(store_url)
    print("ready", flush=True)
    print(racing(store, threads, tries, sys.stdin.readline), flush=True)
