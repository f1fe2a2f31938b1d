"""Which model to use, from a finished run: each model's pass rate against what a call cost and
how long it took, the cheapest model whose pass rate is within a chosen distance of the best,
and what the user's own chat calls of the last 30 days would have cost on each model.
Streamlit-free.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from lib.credits import pricing
from lib.workbench.results import totals

HISTORY_DAYS = 30
DEFAULT_DISTANCE = 0.05  # "as good as the best" means a pass rate at most 5 points lower
# The ledger's sources whose calls a model choice would change: the Chat page's replies.
CHAT_SOURCES = (pricing.CHAT, pricing.COMPARE)


def model_points(run: dict[str, Any]) -> pd.DataFrame:
    """One row per model that has checked cells: pass rate and its interval, credits per call
    (the replies' own, not the judges'), median latency."""
    found = totals(run)
    found = found[found["pass_rate"].notna()].copy()
    found["credits_per_call"] = found["credits"] / (found["cells"] - found["failed"]).clip(lower=1)
    return found[["model", "pass_rate", "pass_low", "pass_high", "credits_per_call", "median_latency_s"]].reset_index(
        drop=True
    )


def cheapest_within(points: pd.DataFrame, distance: float) -> str | None:
    """The model with the lowest credits per call among those whose pass rate is at most
    `distance` below the best (a tie goes to the faster one); None without points."""
    if points.empty:
        return None
    close = points[points["pass_rate"] >= points["pass_rate"].max() - distance - 1e-9]
    return str(close.sort_values(["credits_per_call", "median_latency_s"], na_position="last").iloc[0]["model"])


def history_cost(
    calls: pd.DataFrame, models: list[str], price: Callable[[str, int], float], now: datetime
) -> pd.DataFrame:
    """What the chat calls in `calls` (a ledger's, any range) of the last HISTORY_DAYS cost,
    and what the same calls, with their own tokens, would have cost on each of `models` at
    `price(model, tokens)`: one row per model, with `calls` and `actual` the same on each."""
    recent = calls[
        (calls["ts"] >= now - timedelta(days=HISTORY_DAYS))
        & calls["source"].isin(CHAT_SOURCES)
        & (calls["endpoint"] == pricing.CHAT)
    ]
    tokens = (recent["prompt_tokens"].fillna(0) + recent["completion_tokens"].fillna(0)).astype(int).tolist()
    actual = float(recent["credits"].fillna(0).sum())
    return pd.DataFrame(
        [
            {
                "model": model,
                "calls": len(tokens),
                "actual": actual,
                "would_cost": sum(price(model, count) for count in tokens),
            }
            for model in models
        ]
    )
