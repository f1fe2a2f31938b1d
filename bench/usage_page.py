"""Benchmark: how long the Usage page takes to rerun with a big ledger.

Run from the repo root:  .venv/bin/python bench/usage_page.py [--sizes 1000 100000 1000000] [--runs 5]

For each size it fills a temporary SQLite store with that many ledger rows spread over 90 days
(3 users, every endpoint, some errors and refunds), opens the Usage page under AppTest (whole
app, single-user mode, so the user sees every user's rows like an admin) and times, as medians:

- first open:    the first run of the Usage page (default range: 30 days), nothing cached;
- rerun:         a plain rerun (a widget click elsewhere) with nothing new in the ledger;
- new call:      a rerun after one new ledger row: the cached sums add only the new rows;
- filter:        a rerun after changing the endpoint filter (new latency histogram and table);
- all, first:    the first switch to the "All" preset: the whole ledger aggregated in SQL;
- all, new call: a rerun of "All" after one new ledger row.

Goal: rerun under 1 s at 100,000 rows and under 3 s at 1,000,000 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.sandbox import start_sandbox  # noqa: E402
from lib.store import Store  # noqa: E402
from tests.fixtures.app import make_app  # noqa: E402

USAGE = "app_pages/usage.py"
CHUNK = 50_000
ENDPOINTS = np.array(["chat", "chat", "chat", "images", "video", "upload", "models", "billing"])
MODELS = {
    "chat": ["gpt-4o-mini", "gpt-4o", "gemini-pro", "deepseek-chat"],
    "images": ["gemini-image"],
    "video": ["sora-2", "sora-2-pro"],
    "upload": [None],
    "models": [None],
    "billing": [None],
}
CREDITS = {"chat": 1.0, "images": 10.0, "video": 15.0, "upload": 0.0, "models": 0.0, "billing": 0.0}
USERS = np.array(["local", "local", "alice", "bob"])


def fill(store: Store, rows: int, seed: int = 7) -> None:
    """Bulk insert with the DBAPI's executemany in chunks (the store's own text format for ts)."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=90)
    insert = (
        'INSERT INTO usage ("user", ts, endpoint, model, status, error_kind, latency_ms, '
        "prompt_tokens, completion_tokens, credits, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    )
    raw = store.engine.raw_connection()
    try:
        for offset in range(0, rows, CHUNK):
            n = min(CHUNK, rows - offset)
            raw.cursor().executemany(insert, list(_chunk(rng, n, start)))
            raw.commit()
    finally:
        raw.close()


def _chunk(rng, n: int, start: datetime):
    seconds = np.sort(rng.uniform(0, 90 * 86400, n))
    endpoints = rng.choice(ENDPOINTS, n)
    users = rng.choice(USERS, n)
    failed = rng.random(n) < 0.03
    refund = (endpoints == "video") & (rng.random(n) < 0.1)
    latency = rng.lognormal(6, 0.8, n)
    tokens = rng.integers(5, 800, (n, 2))
    for i in range(n):
        endpoint = str(endpoints[i])
        model = MODELS[endpoint][i % len(MODELS[endpoint])]
        ts = (start + timedelta(seconds=float(seconds[i]))).strftime("%Y-%m-%d %H:%M:%S.%f")
        chat = endpoint == "chat"
        credits = -CREDITS[endpoint] if refund[i] else (0.0 if failed[i] else CREDITS[endpoint])
        yield (
            str(users[i]),
            ts,
            endpoint,
            model,
            500 if failed[i] else 200,
            "server" if failed[i] else None,
            None if refund[i] else float(latency[i]),
            int(tokens[i, 0]) if chat else None,
            int(tokens[i, 1]) if chat else None,
            credits,
            None,
        )


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_of(runs: int, action) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def bench(size: int, runs: int, sandbox) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        store = Store(url)
        fill_seconds = timed(lambda: fill(store, size))
        secrets = {"sandbox": {"root_url": sandbox.root_url, "api_key": "sk-sandbox"}, "store": {"url": url}}
        at = make_app(secrets, timeout=300)
        first_open = timed(lambda: at.switch_page(USAGE).run())
        assert not at.exception, at.exception
        at.run()  # warm-up

        def new_call():
            store.add_usage("local", endpoint="chat", model="gpt-4o-mini", credits=1.0)
            at.run()

        def toggle_filter(state={"on": False}):  # noqa: B006 - the default is the toggle's memory
            state["on"] = not state["on"]
            at.multiselect(key="usage_filter_endpoints").set_value(["images"] if state["on"] else []).run()

        result = {
            "fill": fill_seconds,
            "first open": first_open,
            "rerun": median_of(runs, at.run),
            "new call": median_of(runs, new_call),
            "filter": median_of(runs, toggle_filter),
        }
        at.multiselect(key="usage_filter_endpoints").set_value([]).run()
        result["all, first"] = timed(lambda: at.button_group(key="usage_preset").set_value("all").run())
        result["all, new call"] = median_of(runs, new_call)
        assert not at.exception, at.exception
        store.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sandbox = start_sandbox(token_rate=0)
    try:
        columns = ["fill", "first open", "rerun", "new call", "filter", "all, first", "all, new call"]
        print(f"{'rows':>10} " + " ".join(f"{name + ' s':>15}" for name in columns))
        for size in args.sizes:
            result = bench(size, args.runs, sandbox)
            print(f"{size:>10,} " + " ".join(f"{result[name]:>15.3f}" for name in columns), flush=True)
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
