"""The credit budget in the UI (lib/ui/credits/budget.py): the banner drawn last, and each waiting paid
call's confirmation past a limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.credits.budget import Confirmation
from lib.ui.state import FeatureState


@dataclass
class BudgetState(FeatureState):
    banner_shown: tuple[str, str] | None = None  # (state, period) of the banner drawn last
    # Per kind of paid call ("chat_send", "images", "video", "workbench"): UNASKED when absent.
    confirmations: dict[str, Confirmation] = field(default_factory=dict)
