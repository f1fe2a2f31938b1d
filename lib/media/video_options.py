"""What a video task can ask for: the models and shapes the app offers, and their defaults.
The client's defaults, the Video form and its checks read them from here."""

from __future__ import annotations

MODELS = ("sora-2", "sora-2-pro")
DEFAULT_MODEL = MODELS[0]
HD_MODELS = ("sora-2-pro",)  # ten times the price: the form asks to confirm
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
DEFAULT_ASPECT_RATIO = ASPECT_RATIOS[0]
DEFAULT_DURATION, MIN_DURATION, MAX_DURATION = 5, 1, 20
