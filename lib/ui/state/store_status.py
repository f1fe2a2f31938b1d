"""A database that failed (lib/ui/store_status): the message a run left for the next one, and
the text of a message that could not be sent, going back into its input."""

from __future__ import annotations

from dataclasses import dataclass

from lib.ui.state import FeatureState


@dataclass
class StoreFailure(FeatureState):
    kind: str | None = None  # of the failure the next run shows (lib.store.failures.KINDS)
    text_back: str | None = None  # for the input, once it is drawn
    retried: bool = False  # the run that puts the text back failed once already: no second try
