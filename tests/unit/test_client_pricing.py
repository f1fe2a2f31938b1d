"""The price table's per-1K-token prices reach the ledger: a chat reply costs its per-call price
plus the price of the tokens the server reported, as the Usage page's calls table shows it."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from lib.client import CallRecord, ReshiClient
from lib.credits import pricing, usage
from lib.store import Store
from tests.hostile import HostileServer, send_head

USER = "alice"
PER_CALL, PER_1K = 2.0, 500.0
HELLO = [{"role": "user", "content": "Give me a list"}]


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'store.db'}")
    opened.admin_set_price(pricing.CHAT, pricing.ANY_MODEL, PER_CALL, PER_1K)  # as saved on the Usage page
    yield opened
    opened.dispose()


def ledger_client(base_url: str, api_key: str, store: Store) -> ReshiClient:
    """Wired the way the app wires a session's client (lib.ui.connection.get_client)."""
    return ReshiClient(
        base_url,
        api_key,
        timeout=5,
        prices=store.get_prices(),
        on_call=lambda record: store.add_usage(USER, **asdict(record)),
    )


def shown_calls(store: Store) -> list[dict]:
    return usage.calls(store, usage.Scope(USER, None, None), usage.Filters()).to_dict("records")


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
def test_a_chat_reply_is_charged_per_call_and_per_1k_tokens(sandbox, api_key, store, streamed):
    with ledger_client(sandbox.base_url, api_key, store) as client:
        if streamed:
            reply = client.chat.stream("gpt-4o-mini", HELLO)
            assert "".join(reply)
        else:
            reply = client.chat.create("gpt-4o-mini", HELLO)
    tokens = reply.prompt_tokens + reply.completion_tokens
    assert tokens > 0, "the sandbox reports usage tokens"
    expected = PER_CALL + PER_1K * tokens / 1000
    [row] = shown_calls(store)
    assert (row["prompt_tokens"], row["completion_tokens"]) == (reply.prompt_tokens, reply.completion_tokens)
    assert row["credits"] == pytest.approx(expected), "the ledger left out the per-1K-token price"
    assert reply.credits == pytest.approx(expected), "the reply shows other credits than the ledger"


def test_a_stopped_reply_is_billed_as_the_provider_bills_it(sandbox, api_key, store):
    """A provider charges a call it has started answering, stopped or not (the sandbox too)."""
    with ledger_client(sandbox.base_url, api_key, store) as client:
        stream = client.chat.stream("gpt-4o-mini", HELLO)
        deltas = iter(stream)  # held: a dropped iterator would end (and record) the call itself
        assert next(deltas)
        stream.close()
    [row] = shown_calls(store)
    assert row["outcome"] == "stopped" and row["credits"] > 0


def test_token_counts_that_are_not_counts_add_nothing():
    """A broken or hostile server's usage cannot break the call or charge an odd price."""
    body = json.dumps(
        {
            "id": "c1",
            "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": "lots", "completion_tokens": -40},
        }
    ).encode()

    def answer(h):
        send_head(h, 200, "application/json", len(body))
        h.wfile.write(body)

    calls: list[CallRecord] = []
    prices = {(pricing.CHAT, pricing.ANY_MODEL): pricing.Price(PER_CALL, PER_1K)}
    with (
        HostileServer(answer) as server,
        ReshiClient(
            server.base_url, "sk-test", timeout=5, max_retries=0, prices=prices, on_call=calls.append
        ) as client,
    ):
        reply = client.chat.create("gpt-4o-mini", HELLO)
    assert reply.text == "hi" and reply.credits == calls[-1].credits == PER_CALL


def test_the_ledger_says_what_made_each_chat_call(sandbox, api_key, store):
    """Chat, a comparison, a Workbench cell and its judge are all chat calls; the ledger's
    source tells them apart for the Usage page."""
    with ledger_client(sandbox.base_url, api_key, store) as client:
        for origin in (None, pricing.COMPARE, pricing.WORKBENCH):
            assert "".join(client.chat.stream("gpt-4o-mini", HELLO, origin=origin))
        client.chat.create("gpt-4o-mini", HELLO, source=pricing.JUDGE)
    assert sorted(row["source"] for row in shown_calls(store)) == ["chat", "compare", "judge", "workbench"]


def test_a_balance_lookup_is_one_ledger_row(sandbox, api_key, store):
    """The balance needs two requests; the Usage page showed them as two identical calls."""
    with ledger_client(sandbox.base_url, api_key, store) as client:
        assert client.billing.balance() is not None
    [row] = shown_calls(store)
    assert (row["endpoint"], row["source"], row["outcome"]) == (pricing.BILLING, "balance", "ok")
