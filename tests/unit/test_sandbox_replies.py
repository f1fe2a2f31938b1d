"""The sandbox's replies: a prompt asking for length gets a long one, so Stop can be shown."""

from __future__ import annotations

import pytest

from lib.sandbox.replies import compose


@pytest.mark.parametrize("prompt", ["write a long story about the sea", "写一个关于大海的长故事"])
def test_long_prompts_get_hundreds_of_tokens(prompt):
    assert len(compose([{"role": "user", "content": prompt}], "gpt-4o-mini").tokens) >= 300


def test_short_prompts_stay_short():
    assert len(compose([{"role": "user", "content": "hello"}], "gpt-4o-mini").tokens) < 100


@pytest.mark.parametrize("prompt", ["compare these", "比较一下"])
def test_a_reply_does_not_name_its_model_but_each_model_answers_alike_every_time(prompt):
    """A blind comparison against the sandbox must not give the models away in their text."""
    models = ["gpt-4o-mini", "gemini-pro", "gpt-4o"]
    texts = [compose([{"role": "user", "content": prompt}], model).text for model in models]
    assert not [m for m in models if any(m in text for text in texts)]
    assert texts == [compose([{"role": "user", "content": prompt}], model).text for model in models]
    assert len(set(texts)) > 1
