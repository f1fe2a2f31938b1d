"""How much faster are 4 images requested at once than one after another?

Starts its own sandbox with a fixed delay per image, then times lib.media.images' real code path
(`generate_concurrently`, the same call the Images page makes) for 4 images at once, against 4
single-image calls in a row. Prints the median of several runs and the ratio (goal: <= 0.35).

    .venv/bin/python -m bench.images_concurrency [--delay 0.5] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.client import ReshiClient
from lib.media import images
from lib.sandbox import start_sandbox

COUNT = 4
GOAL = 0.35


def _timed(client: ReshiClient, concurrent: bool) -> float:
    started = time.perf_counter()
    if concurrent:
        outcomes = list(images.generate_concurrently(client, "bench: a lighthouse", COUNT))
    else:
        outcomes = [o for _ in range(COUNT) for o in images.generate_concurrently(client, "bench: a lighthouse", 1)]
    elapsed = time.perf_counter() - started
    failures = [o for _, o in outcomes if isinstance(o, Exception)]
    if failures:
        raise SystemExit(f"a generation failed: {failures[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.5, help="sandbox seconds per image")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sandbox = start_sandbox(credits=1_000_000, image_delay=args.delay, control=True)
    try:
        with ReshiClient(sandbox.base_url, sandbox.control.add_key(credits=1_000_000)) as client:
            _timed(client, concurrent=True)  # warm-up: connections, the sandbox's JPEG encoder
            concurrent = statistics.median(_timed(client, True) for _ in range(args.runs))
            sequential = statistics.median(_timed(client, False) for _ in range(args.runs))
    finally:
        sandbox.stop()
    ratio = concurrent / sequential
    print(f"{COUNT} images, sandbox delay {args.delay:.2f} s per image, median of {args.runs} runs")
    print(f"  concurrent: {concurrent:.3f} s")
    print(f"  sequential: {sequential:.3f} s")
    print(f"  ratio:      {ratio:.2f} (goal <= {GOAL}) {'OK' if ratio <= GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
