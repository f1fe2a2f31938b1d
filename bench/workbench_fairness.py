"""Does one user's 1,000-cell Workbench run starve another user's chat?

Starts its own sandbox streaming at a real model's pace, then measures another session's chat
first-token delay (the time from sending to the first word) N times with no run going, and N
times while one user's 1,000-cell run (500 cases x 2 models, the page's own `BackgroundRuns`,
its fair gate and its store writes) is going on in the same process. Prints both medians and
their ratio (target: at most 1.5x).

    .venv/bin/python -m bench.workbench_fairness [--samples 20] [--token-rate 40] [--pool 16] [--slots 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import chat, workbench
from lib.client import ReshiClient
from lib.sandbox import start_sandbox
from lib.store import Store
from lib.workbench.background import DEFAULT_SLOTS, BackgroundRuns

MODELS = ["gpt-4o-mini", "gpt-4o"]
CELLS = 1000
TARGET = 1.5


def first_token_delays(client: ReshiClient, samples: int) -> list[float]:
    """Another session's chats, one after the other: seconds to each one's first word."""
    delays = []
    for index in range(samples):
        stream = client.chat.stream("gpt-4o-mini", [{"role": "user", "content": f"Hello there, number {index}"}])
        for _ in stream:
            delays.append(stream.ttft)
            stream.close()
            break
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--token-rate", type=float, default=40.0)
    parser.add_argument("--pool", type=int, default=16, help="the large run's own pool (the gate bounds it)")
    parser.add_argument("--slots", type=int, default=DEFAULT_SLOTS, help="the process's gate (cells in flight)")
    args = parser.parse_args()
    sandbox = start_sandbox(credits=1_000_000, token_rate=args.token_rate, control=True)
    store = Store(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    runs = BackgroundRuns(store, slots=args.slots)
    cases = [{"topic": f"topic {i}"} for i in range(CELLS // len(MODELS))]
    spec = workbench.RunSpec("", "Tell me about {{topic}}.", MODELS, chat.default_settings()["params"], pool=args.pool)
    try:
        with (
            ReshiClient(sandbox.base_url, sandbox.control.add_key(credits=1_000_000)) as chatter,
            ReshiClient(sandbox.base_url, sandbox.control.add_key(credits=1_000_000)) as runner,
        ):
            first_token_delays(chatter, 3)  # warm-up: connections
            alone = first_token_delays(chatter, args.samples)
            run_id = store.add_workbench_run("big", workbench.new_run(spec, cases))
            live = runs.start("big", run_id, runner, spec, cases)
            while live.done < 10:  # the run is in full flow
                time.sleep(0.05)
            during = first_token_delays(chatter, args.samples)
            cells_meanwhile = live.done
            runs.stop("big", run_id)
            live.finished.wait(60)
    finally:
        sandbox.stop()
    base, loaded = statistics.median(alone), statistics.median(during)
    print(f"chat first-token delay, median of {args.samples}, sandbox at {args.token_rate:g} tokens/s")
    print(f"  no run:                       {base * 1000:7.1f} ms")
    print(
        f"  during a {CELLS:,}-cell run:       {loaded * 1000:7.1f} ms   ({cells_meanwhile} cells finished meanwhile,"
        f" at most {runs.gate.slots} in flight)"
    )
    ratio = loaded / base
    print(f"  ratio: {ratio:.2f}x (target <= {TARGET}x) {'OK' if ratio <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
