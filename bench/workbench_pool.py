"""How much does the workbench's pool shorten a run of 100 cases x 2 models?

Starts its own sandbox streaming at ~30 tokens/s (a real model's pace), then times
lib.workbench's real code path (`run_cells`, what the Workbench page runs) with pool sizes
1, 4 and 8, and prints each wall time and its ratio to pool 1 (goal: pool 8 <= 0.2x pool 1).

    .venv/bin/python -m bench.workbench_pool [--cases 100] [--token-rate 30] [--pools 1,4,8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import chat, workbench
from lib.client import ReshiClient
from lib.sandbox import start_sandbox

MODELS = ["gpt-4o-mini", "gpt-4o"]
GOAL = 0.2


def _timed(client: ReshiClient, cases: list[dict], pool: int) -> float:
    spec = workbench.RunSpec(
        "", "Say something short about {{topic}}.", MODELS, chat.default_settings()["params"], pool=pool
    )
    started = time.perf_counter()
    cells = list(workbench.run_cells(client, spec, cases))
    elapsed = time.perf_counter() - started
    failed = [c for c in cells if c.status != workbench.OK]
    if failed or len(cells) != len(cases) * len(MODELS):
        raise SystemExit(f"{len(failed)} cells failed, {len(cells)} finished: {failed[:1]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--token-rate", type=float, default=30.0)
    parser.add_argument("--pools", default="1,4,8")
    args = parser.parse_args()
    pools = [int(p) for p in args.pools.split(",")]
    cases = [{"topic": f"topic {i}"} for i in range(args.cases)]
    sandbox = start_sandbox(credits=1_000_000, token_rate=args.token_rate, control=True)
    try:
        with ReshiClient(sandbox.base_url, sandbox.control.add_key(credits=1_000_000)) as client:
            _timed(client, cases[:2], 2)  # warm-up: connections
            times = {pool: _timed(client, cases, pool) for pool in pools}
    finally:
        sandbox.stop()
    print(f"{args.cases} cases x {len(MODELS)} models, sandbox at {args.token_rate:g} tokens/s")
    for pool, seconds in times.items():
        print(f"  pool {pool:>2}: {seconds:7.2f} s   {seconds / times[pools[0]]:.2f}x pool {pools[0]}")
    if 8 in times and 1 in times:
        ratio = times[8] / times[1]
        print(f"  pool 8 / pool 1: {ratio:.3f} (goal <= {GOAL}) {'OK' if ratio <= GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
