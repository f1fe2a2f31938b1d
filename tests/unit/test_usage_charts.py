"""The Usage charts' colour rule: a colour per model or endpoint, whatever the language or the rest."""

from __future__ import annotations

from lib.ui.credits.usage_charts import PALETTE, stable_colours

MODELS = ["gpt-4o-mini", "claude-sonnet-4-5", "deepseek-chat", "sora-2", "sora-2-pro", "upload", "images"]


def test_a_key_keeps_its_colour_whatever_the_order():
    """Vega's default colours follow the order of the (translated) labels: these follow the keys."""
    colours = stable_colours(MODELS)
    assert stable_colours(reversed(MODELS)) == colours == stable_colours(sorted(MODELS, key=len))
    assert stable_colours(["sora-2-pro"])["sora-2-pro"] == stable_colours(["sora-2-pro", "sora-2"])["sora-2-pro"]


def test_no_two_series_share_a_colour_while_colours_are_left():
    colours = stable_colours(MODELS)
    assert len(set(colours.values())) == len(MODELS)
    many = stable_colours([f"model-{n}" for n in range(len(PALETTE) + 3)])
    assert set(many.values()) == set(PALETTE)
