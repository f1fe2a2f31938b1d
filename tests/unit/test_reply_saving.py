"""Streaming replies saved as they arrive (lib/chat/reply_saving.py), against the sandbox's real
streams: a checkpoint leaves the partial reply marked interrupted with a provisional ledger
row; the end replaces both with the reply as it ended and the client's own ledger row."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from lib.chat.reply_saving import SAVE_EVERY_SECONDS, ReplySaver
from lib.client import ReshiClient
from lib.store.ledger import INTERRUPTED

A = "alice"
ASK = [{"role": "user", "content": "Tell me about tides in a few sentences."}]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += SAVE_EVERY_SECONDS


@pytest.fixture
def client(store, sandbox, api_key):
    with ReshiClient(
        sandbox.base_url, api_key, timeout=10, on_call=lambda record: store.record_usage(A, **asdict(record))
    ) as c:
        yield c


def ledger(store):
    return store.usage_ledger(A).calls()[["error_kind", "completion_tokens", "credits"]].values.tolist()


def two_words_in(store, client):
    """A conversation, one reply streaming with its first two words read, and its saver."""
    conversation = store.create_conversation(A, "t", {})
    stream, clock = client.chat.stream("gpt-4o-mini", ASK), Clock()
    saver = ReplySaver(store, A, conversation.id, [stream], [{}], clock=clock)
    words = iter(stream)
    next(words), next(words)
    return conversation, stream, words, saver, clock


def test_a_checkpoint_keeps_the_partial_reply_and_its_call(store, client):
    conversation, stream, words, saver, clock = two_words_in(store, client)
    saver.maybe_save()
    assert store.list_messages(A, conversation.id) == [], "not before SAVE_EVERY_SECONDS"
    clock.tick()
    saver.maybe_save()
    [partial] = store.list_messages(A, conversation.id)
    assert partial.content == stream.text and partial.meta[INTERRUPTED] and partial.meta["incomplete"]
    assert ledger(store) == [[INTERRUPTED, stream.tokens, 0.0]]  # what a kill -9 now leaves

    for _ in words:
        pass
    saver.finish(0, stream, None)
    [reply] = store.list_messages(A, conversation.id)
    assert reply.id == partial.id and reply.content == stream.text and len(reply.content) > len(partial.content)
    assert INTERRUPTED not in reply.meta and "incomplete" not in reply.meta
    assert ledger(store) == [[None, stream.completion_tokens, stream.credits]], "the client's row alone"


def test_a_stop_keeps_what_arrived_as_stopped(store, client):
    conversation, stream, _words, saver, clock = two_words_in(store, client)
    clock.tick()
    saver.maybe_save()
    stream.close()
    saver.finish(0, stream, None)
    [reply] = store.list_messages(A, conversation.id)
    assert reply.meta.get("stopped") and INTERRUPTED not in reply.meta
    assert [row[0] for row in ledger(store)] == ["stopped"]


def test_comparison_columns_are_saved_in_column_order(store, client):
    conversation = store.create_conversation(A, "t", {})
    streams, clock = [client.chat.stream(m, ASK) for m in ("gpt-4o-mini", "deepseek-chat")], Clock()
    extras = [{"compare_column": 0}, {"compare_column": 1}]
    saver = ReplySaver(store, A, conversation.id, streams, extras, clock=clock)
    second = iter(streams[1])
    next(second)  # only the second column has words yet
    clock.tick()
    saver.maybe_save()
    saved = store.list_messages(A, conversation.id)
    assert [m.meta["compare_column"] for m in saved] == [0, 1] and saved[0].content == ""
    for _ in streams[0]:
        pass
    for _ in second:
        pass
    for index, stream in enumerate(streams):
        saver.finish(index, stream, None)
    assert [m.content for m in store.list_messages(A, conversation.id)] == [s.text for s in streams]
    assert [row[0] for row in ledger(store)] == [None, None]


def test_the_call_is_one_row_at_every_moment(store, client):
    """The client's record replaces the provisional row in one transaction: a process that dies
    after the call is recorded and before `finish` leaves the call once, as it ended."""
    _conversation, stream, words, saver, clock = two_words_in(store, client)
    clock.tick()
    saver.maybe_save()
    for _ in words:
        pass
    assert ledger(store) == [[None, stream.completion_tokens, stream.credits]]  # what a kill -9 now leaves
    clock.tick()
    saver.maybe_save()  # a checkpoint after the record leaves it as it is
    saver.finish(0, stream, None)
    assert ledger(store) == [[None, stream.completion_tokens, stream.credits]]


def test_a_reply_whose_conversation_is_gone_keeps_one_provisional_row(store, client):
    """A checkpoint that could not store the message (its conversation deleted meanwhile, or the
    database failing between the two writes) keeps updating its one provisional row."""
    conversation, stream, words, saver, clock = two_words_in(store, client)
    store.delete_conversation(A, conversation.id)
    for _ in range(3):
        next(words)
        clock.tick()
        saver.maybe_save()
    assert ledger(store) == [[INTERRUPTED, stream.tokens, 0.0]]
