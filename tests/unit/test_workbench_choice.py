"""Which model to use: one point per model (pass rate, credits per call, median latency), the
cheapest within a distance of the best, and the user's last 30 days of chat calls priced on each
model from the ledger and the price table."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pandas as pd
import pytest

from lib import chat, workbench
from lib.credits import pricing
from lib.store import utcnow
from lib.workbench import Cell, Check, RunSpec, choice

PRICES = {
    **pricing.DEFAULT_PRICES,
    (pricing.CHAT, "gpt-4o"): pricing.Price(per_call=3, per_1k_tokens=2),
    (pricing.CHAT, "gpt-4o-mini"): pricing.Price(per_call=1),
}


def run_of(passes: dict[str, list[bool]], credits: dict[str, float], latency: dict[str, float]) -> dict:
    spec = RunSpec("", "Say {{x}}", list(passes), chat.default_settings()["params"], [Check("contains", "a")])
    run = workbench.new_run(spec, [{"x": str(i)} for i in range(4)])
    for model, outcomes in passes.items():
        for case, ok in enumerate(outcomes):
            run["results"].append(
                asdict(
                    Cell(
                        case,
                        model,
                        "ok",
                        "a" if ok else "b",
                        latency_s=latency[model],
                        credits=credits[model],
                        checks=[ok],
                        passed=ok,
                        judge_credits=5,
                    )
                )
            )
    return run


RUN = run_of(
    {"gpt-4o": [True] * 4, "gpt-4o-mini": [True, True, True, False], "o3": [True, True, True, False]},
    {"gpt-4o": 3.0, "gpt-4o-mini": 1.0, "o3": 1.0},
    {"gpt-4o": 0.9, "gpt-4o-mini": 0.4, "o3": 2.0},
)


def test_one_point_per_model_with_credits_per_call_without_the_judges():
    points = choice.model_points(RUN).set_index("model")
    assert points.loc["gpt-4o", "pass_rate"] == 1.0 and points.loc["gpt-4o-mini", "pass_rate"] == 0.75
    assert points.loc["gpt-4o", "credits_per_call"] == 3.0 and points.loc["gpt-4o-mini", "median_latency_s"] == 0.4
    assert points.loc["gpt-4o-mini", "pass_low"] < 0.75 < points.loc["gpt-4o-mini", "pass_high"]


@pytest.mark.parametrize(
    "distance, picked", [(0.0, "gpt-4o"), (0.2, "gpt-4o"), (0.25, "gpt-4o-mini"), (0.3, "gpt-4o-mini")]
)
def test_the_cheapest_within_the_distance_of_the_best_and_the_faster_on_a_tie(distance, picked):
    assert choice.cheapest_within(choice.model_points(RUN), distance) == picked


def test_a_run_without_checked_cells_has_no_points():
    run = run_of({"gpt-4o": []}, {"gpt-4o": 1}, {"gpt-4o": 1})
    assert choice.model_points(run).empty and choice.cheapest_within(choice.model_points(run), 0.1) is None


def test_the_last_30_days_of_chat_calls_priced_on_each_model(store):
    now = utcnow()
    for model, tokens, source, ago in [
        ("gpt-4o", 500, pricing.CHAT, 1),
        ("gpt-4o", 1500, pricing.COMPARE, 29),
        ("gpt-4o", 9000, pricing.CHAT, 31),
        ("gpt-4o-mini", 100, pricing.WORKBENCH, 1),
    ]:
        store.add_usage(
            "alice",
            endpoint=pricing.CHAT,
            model=model,
            source=source,
            status=200,
            completion_tokens=tokens,
            credits=pricing.credits_for(pricing.CHAT, model, tokens, PRICES),
            ts=now - timedelta(days=ago),
        )
    store.add_usage("bob", endpoint=pricing.CHAT, model="gpt-4o", status=200, credits=50.0)
    calls = store.usage_ledger("alice").calls(now - timedelta(days=40), now)
    costs = choice.history_cost(
        calls,
        ["gpt-4o", "gpt-4o-mini"],
        lambda model, tokens: pricing.credits_for(pricing.CHAT, model, tokens, PRICES),
        now,
    )
    by_model = costs.set_index("model")
    # The two chat calls within 30 days (not the older one, not the Workbench's, not bob's).
    assert (by_model["calls"] == 2).all() and by_model.loc["gpt-4o", "actual"] == pytest.approx(3 + 1 + 3 + 3)
    assert by_model.loc["gpt-4o", "would_cost"] == pytest.approx(10.0)
    assert by_model.loc["gpt-4o-mini", "would_cost"] == pytest.approx(2.0)


def test_no_calls_cost_nothing():
    empty = pd.DataFrame(
        {
            "ts": pd.Series([], dtype="datetime64[ns, UTC]"),
            "source": [],
            "endpoint": [],
            "prompt_tokens": [],
            "completion_tokens": [],
            "credits": [],
        }
    )
    costs = choice.history_cost(empty, ["gpt-4o"], lambda model, tokens: 1.0, utcnow())
    assert costs.to_dict("records") == [{"model": "gpt-4o", "calls": 0, "actual": 0.0, "would_cost": 0}]
