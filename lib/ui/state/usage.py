"""The Usage page's state (lib/ui/credits/usage.py): its filters' widgets and the server's balance,
asked at most once a minute."""

from __future__ import annotations

from dataclasses import dataclass

from lib.client import Balance
from lib.ui.state import FeatureState, WidgetFamily

# One multiselect per filter: `FILTER("models")` is the models' (key "usage_filter_models").
FILTER: WidgetFamily[list[str]] = WidgetFamily("usage_filter")


@dataclass
class ServerBalance(FeatureState):
    """The last balance asked of the server, for which key and when (`time.monotonic()`)."""

    balance: Balance | None = None
    key_fingerprint: str | None = None
    asked_at: float | None = None
