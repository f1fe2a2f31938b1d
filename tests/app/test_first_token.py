"""A reply's first words are drawn as soon as they arrive (issue 30): between the read that took
them in and the draw that shows them, the stream loop does not wait for more. AppTest against a
paced sandbox; what is asserted is the order of the loop's steps, not how long they took."""

from __future__ import annotations

import pytest

from lib.chat import compare
from lib.ui.chat import live
from tests.app.test_chat import send
from tests.fixtures.app import make_app


@pytest.fixture
def steps(monkeypatch) -> list[tuple[str, str]]:
    """The stream loop's reads ("poll", the text so far) and draws ("draw", the text drawn)."""
    taken: list[tuple[str, str]] = []
    poll, redraw = compare.ParallelStreams.poll, live._redraw

    def recorded_poll(self, wait: float = 0.05) -> bool:
        going = poll(self, wait)
        taken.append(("poll", self.columns[0].text))
        return going

    def recorded_redraw(parallel, boxes, shown, cursor, **options):
        redraw(parallel, boxes, shown, cursor, **options)
        taken.append(("draw", parallel.columns[0].text))

    monkeypatch.setattr(compare.ParallelStreams, "poll", recorded_poll)
    monkeypatch.setattr(live, "_redraw", recorded_redraw)
    return taken


def test_the_first_words_are_drawn_before_the_loop_waits_for_more(app_secrets, sandbox_speed, steps):
    sandbox_speed(token_rate=20)  # a reply of many reads, each token on its own
    at = send(make_app(app_secrets), "Hello, first words please")
    first_read = next(index for index, (kind, text) in enumerate(steps) if kind == "poll" and text)
    assert steps[first_read + 1] == ("draw", steps[first_read][1])
    assert any(text.value.startswith("You said") for text in at.chat_message[-1].markdown)
