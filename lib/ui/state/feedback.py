"""Toasts carried over a `st.rerun()` (lib/ui/feedback.py), for the run that follows."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.ui.state import FeatureState


@dataclass
class CarriedToasts(FeatureState):
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (text, icon)
