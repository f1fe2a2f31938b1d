"""Presentation mode's slides: one per question, with its reply or its comparison's replies, from
stored messages or a share's snapshot alike; the `slide` query value is clamped, never trusted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lib.chat.compare import column_meta
from lib.sharing import presentation


def message(role, content, **meta):
    return SimpleNamespace(role=role, content=content, meta=meta)


def test_each_question_opens_a_slide_with_what_answered_it():
    slides = presentation.slides_of(
        [
            message("user", "one", attachments=[{"name": "cat.png", "upload_id": 3}]),
            message("assistant", "reply one", model="m1"),
            message("user", "two"),
            message("assistant", "a", model="m1", **column_meta(7, 0)),
            message("assistant", "b", model="m2", **column_meta(7, 1)),
            message("user", "three, unanswered"),
        ]
    )
    assert [s.question for s in slides] == ["one", "two", "three, unanswered"]
    assert slides[0].attachments == ("cat.png",) and not slides[0].is_comparison
    assert [r.model for r in slides[1].replies] == ["m1", "m2"] and slides[1].is_comparison
    assert slides[2].replies == ()


def test_a_snapshot_presents_like_the_store():
    stored = [message("user", "q", attachments=[{"name": "a.png"}]), message("assistant", "r", model="m")]
    shared = [
        {"role": "user", "content": "q", "meta": {"attachments": ["a.png"]}},
        {"role": "assistant", "content": "r", "meta": {"model": "m"}},
    ]
    assert presentation.slides_of(stored) == presentation.slides_of(shared)


def test_replies_before_any_question_get_a_slide_of_their_own():
    [slide] = presentation.slides_of([message("assistant", "hello", model="m"), message("system", "ignored")])
    assert slide.question is None and slide.replies[0].content == "hello"


def test_a_shared_comparison_is_one_slide():
    [slide] = presentation.comparison_slides(
        {"prompt": "p", "columns": [{"content": "x", "meta": {"model": "a"}}, {"content": "y", "meta": {"model": "b"}}]}
    )
    assert slide.question == "p" and [r.content for r in slide.replies] == ["x", "y"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, 0),
        ("1", 0),
        ("3", 2),
        ("4", 3),
        ("9", 3),
        ("0", 0),
        ("-2", 0),
        ("2.5", 0),
        ("abc", 0),
        ("1" * 50, 0),
        (" 2 ", 1),
    ],
)
def test_the_slide_query_value_is_clamped(raw, expected):
    assert presentation.slide_index(raw, 4) == expected


def test_no_slides_is_slide_zero():
    assert presentation.slide_index("5", 0) == 0


def test_latency_is_the_whole_reply_time_when_known():
    assert presentation.latency({"elapsed": 2}) == 2.0
    assert presentation.latency({"elapsed": "2"}) is None and presentation.latency({}) is None
