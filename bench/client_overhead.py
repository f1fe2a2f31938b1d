"""lib.client against the official openai SDK, same sandbox, same process.

N sequential non-streamed chat calls, and one long streamed reply, with the sandbox at
unlimited speed; the median of several rounds of each; prints times and our/SDK ratios.
Goal (issue 2): at most 0.8x the SDK's time per call, and not slower on streams.

Run from the repo root: .venv/bin/python -m bench.client_overhead
"""

from __future__ import annotations

import statistics
import time

import openai

from lib.client import ReshiClient
from lib.sandbox import start_sandbox

CALLS = 200
ROUNDS = 7
MESSAGES = [{"role": "user", "content": "Hello! Give me a short list."}]
LONG = [{"role": "user", "content": "Write python code and explain it at length " * 20}]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_time(fn) -> float:
    fn()  # warm-up: connection pool, imports, the sandbox's caches
    return statistics.median(timed(fn) for _ in range(ROUNDS))


def main() -> None:
    sandbox = start_sandbox(token_rate=0, credits=10_000_000)
    ours = ReshiClient(sandbox.base_url, "sk-sandbox")
    sdk = openai.OpenAI(base_url=sandbox.base_url, api_key="sk-sandbox", max_retries=0)

    def ours_calls():
        for _ in range(CALLS):
            ours.chat.create("gpt-4o-mini", MESSAGES)

    def sdk_calls():
        for _ in range(CALLS):
            sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    def ours_stream():
        assert "".join(ours.chat.stream("gpt-4o-mini", LONG, max_tokens=4000))

    def sdk_stream():
        chunks = sdk.chat.completions.create(
            model="gpt-4o-mini", messages=LONG, stream=True, max_tokens=4000, stream_options={"include_usage": True}
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

    tokens = len(list(ours.chat.stream("gpt-4o-mini", LONG, max_tokens=4000)))
    ours_call, sdk_call = median_time(ours_calls) / CALLS, median_time(sdk_calls) / CALLS
    ours_str, sdk_str = median_time(ours_stream), median_time(sdk_stream)
    print(f"non-streamed chat, per call (median of {ROUNDS} rounds of {CALLS}):")
    print(
        f"  lib.client {ours_call * 1000:.2f} ms   openai SDK {sdk_call * 1000:.2f} ms   "
        f"ratio {ours_call / sdk_call:.2f}  (goal <= 0.80)"
    )
    print(f"streamed reply of {tokens} chunks (median of {ROUNDS}):")
    print(
        f"  lib.client {ours_str * 1000:.1f} ms   openai SDK {sdk_str * 1000:.1f} ms   "
        f"ratio {ours_str / sdk_str:.2f}  (goal <= 1.00)"
    )
    sandbox.stop()


if __name__ == "__main__":
    main()
