"""Time one rerun of the Chat page (AppTest) with 10, 100 and 1,000 messages in the open
conversation; prints the medians and each against the 10-message run.
Goal (issue 3): the 1,000-message rerun within 1.5x the 10-message one.

Run from the repo root: .venv/bin/python -m bench.chat_rerun
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from lib.sandbox import start_sandbox
from lib.store import Store
from tests.fixtures.app import make_app

SIZES = (10, 100, 1000)
ROUNDS = 41
REPLY = "Here is a reply with a list:\n\n- one\n- two\n\n```python\nprint('hi')\n```"


def secrets_with_conversation(folder: Path, root_url: str, size: int) -> dict:
    url = f"sqlite:///{folder / f'chat-{size}.db'}"
    store = Store(url)
    conversation = store.create_conversation("local", f"{size} messages", None)
    for i in range(size):
        role = "user" if i % 2 == 0 else "assistant"
        store.add_message(
            "local",
            conversation.id,
            role,
            f"message {i}" if role == "user" else REPLY,
            None if role == "user" else {"model": "gpt-4o-mini", "tokens": 20, "credits": 1},
        )
    store.set_setting("local", "chat.open_conversation", conversation.id)
    store.dispose()
    return {"sandbox": {"root_url": root_url}, "store": {"url": url}}


def median_reruns(apps: dict[int, object]) -> dict[int, float]:
    """Rounds that rerun each size once, in turn, so load and drift touch every size alike."""
    times: dict[int, list[float]] = {size: [] for size in apps}
    for _ in range(ROUNDS):
        for size, at in apps.items():
            started = time.perf_counter()
            at.run()
            times[size].append(time.perf_counter() - started)
            assert not at.exception, at.exception
    return {size: statistics.median(values) for size, values in times.items()}


def main() -> None:
    sandbox = start_sandbox(token_rate=0)
    with tempfile.TemporaryDirectory() as folder:
        apps = {size: make_app(secrets_with_conversation(Path(folder), sandbox.root_url, size)) for size in SIZES}
        for at in apps.values():
            at.run()  # warm: models cached, connections open
        figures = median_reruns(apps)
    base = figures[SIZES[0]]
    print(f"median of {ROUNDS} interleaved rounds")
    for size, seconds in figures.items():
        print(f"{size:>5} messages: rerun {seconds * 1000:7.1f} ms   x{seconds / base:.2f} of the 10-message rerun")
    print(f"goal: 1,000 messages within 1.5x of 10 -> {'met' if figures[1000] <= 1.5 * base else 'NOT met'}")
    sandbox.stop()


if __name__ == "__main__":
    main()
