"""Quota holds in the database (lib/credits/quotas.py, lib/store/holds.py), on SQLite and PostgreSQL:
a call under way in one process counts against the quota in every other process on the
database until its ledger row takes its place; calls from two processes racing at the quota's
edge never pass it (two processes); a dead process's hold expires; a chat reply priced per 1K tokens is held for
the most it may cost and settles at its real price."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from datetime import timedelta

import pytest

from lib.client import ReshiClient
from lib.credits import pricing, quotas
from lib.errors import QuotaExceededError
from lib.store import Store, utcnow
from tests.fixtures.app import ROOT
from tests.quota_race import racing


def other_replica(store_url: str, threads: int, tries: int) -> subprocess.Popen:
    """Another replica: a process of its own on the database, as a second `streamlit run` is."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.quota_race", store_url, str(threads), str(tries)],
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdout.readline() == "ready\n"
    return process


def test_a_call_under_way_on_one_replica_counts_on_another(store, store_url):
    """Nothing of a hold is in a process's memory: a Store of its own on the database (as
    another replica's) sees it (the race below runs in two processes)."""
    store.admin_set_quota("alice", 2, 0)
    hold = quotas.check_quota(store, "alice", 1.5)  # this replica's call, not recorded yet
    other = Store(store_url)
    with pytest.raises(QuotaExceededError):
        quotas.check_quota(other, "alice", 1.0)
    other.dispose()
    store.record_usage("alice", endpoint=pricing.CHAT, credits=1.0, connection=quotas.PRESET, hold=hold)
    assert quotas.check_quota(store, "alice", 1.0) is not None, "the row released the hold: 1 of 2 spent"
    with pytest.raises(QuotaExceededError) as refused:
        quotas.check_quota(store, "alice", 0.5)
    assert (refused.value.used, refused.value.price) == (2.0, 0.5)


def test_two_processes_racing_at_the_edge_never_pass_the_quota(store, store_url):
    store.admin_set_quota("alice", 12, 0)
    store.record_usage("alice", endpoint=pricing.CHAT, credits=2.0, connection=quotas.PRESET)
    other = other_replica(store_url, threads=4, tries=10)

    def go() -> None:
        other.stdin.write("go\n")
        other.stdin.flush()

    here = racing(store, 4, 10, go)
    there = int(other.communicate(timeout=120)[0])
    assert here + there == 10, f"holds taken here and in the other process: {here}, {there} (10 credits were left)"


def test_a_dead_process_hold_expires(store):
    store.admin_set_quota("alice", 1, 0)
    quotas.check_quota(store, "alice", 1.0)  # its process dies: no ledger row ever releases it
    with pytest.raises(QuotaExceededError):
        quotas.check_quota(store, "alice", 1.0)
    later = utcnow() + timedelta(seconds=quotas.HELD_SECONDS + 1)
    assert quotas.check_quota(store, "alice", 1.0, now=later) is not None


def test_a_reply_priced_per_token_is_held_for_its_most_and_settles_at_its_price(store, sandbox, api_key):
    """1 credit a call and 1 per 1K tokens: a reply of max_tokens 500 is held for 1 + (prompt
    bytes + 500) / 1000 credits, and costs what its tokens were. A quota it would pass at its
    most refuses it unsent, though its per-call price alone would fit."""
    prices = {**pricing.DEFAULT_PRICES, (pricing.CHAT, pricing.ANY_MODEL): pricing.Price(1, 1)}
    holds: list[float] = []

    def check(_endpoint, _model, most):
        holds.append(most)
        return quotas.check_quota(store, "alice", most)

    client = ReshiClient(
        sandbox.base_url,
        api_key,
        connection=quotas.PRESET,
        prices=prices,
        before_paid_call=check,
        on_call=lambda call: store.record_usage("alice", **asdict(call)),
    )
    store.admin_set_quota("alice", 1.7, 0)
    messages = [{"role": "user", "content": "Say hello."}]
    reply = client.chat.create("gpt-4o-mini", messages, max_tokens=500)
    body = {"model": "gpt-4o-mini", "messages": messages, "max_tokens": 500}  # what create sends
    assert holds == [pytest.approx(1 + pricing.tokens_ceiling(body) / 1000)]
    assert 1.5 < holds[0] < 1.7 and reply.credits < holds[0]
    spent = store.connection_spend("alice", quotas.PRESET, utcnow() - timedelta(minutes=1))
    assert spent == pytest.approx(1 + (reply.prompt_tokens + reply.completion_tokens) / 1000)
    with pytest.raises(QuotaExceededError) as refused:  # 1.0x spent; 1.5+ more is past 1.7
        client.chat.create("gpt-4o-mini", messages, max_tokens=500)
    assert refused.value.price > 1.5
    client.close()


def test_the_tokens_ceiling_of_a_request():
    text = {"model": "m", "messages": [{"role": "user", "content": "你好"}], "max_tokens": 10}
    assert pricing.tokens_ceiling(text) >= len("你好".encode()) + 10
    assert (
        pricing.tokens_ceiling({**text, "max_tokens": None}) - pricing.tokens_ceiling(text)
        >= pricing.REPLY_TOKENS_CEILING - 10 - 5
    )
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 100_000}}
    with_image = {**text, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, image]}]}
    assert pricing.MEDIA_PART_TOKENS < pricing.tokens_ceiling(with_image) < pricing.MEDIA_PART_TOKENS + 200
    assert pricing.tokens_ceiling({**text, "n": 3}) >= 30
    assert pricing.tokens_ceiling({"prompt": "a cat"}) == 0
