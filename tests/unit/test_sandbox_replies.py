"""The sandbox's replies: a prompt asking for length gets a long one, so Stop can be shown."""
from __future__ import annotations

import pytest

from lib.sandbox.replies import compose


@pytest.mark.parametrize("prompt", ["write a long story about the sea", "写一个关于大海的长故事"])
def test_long_prompts_get_hundreds_of_tokens(prompt):
    assert len(compose([{"role": "user", "content": prompt}], "gpt-4o-mini").tokens) >= 300


def test_short_prompts_stay_short():
    assert len(compose([{"role": "user", "content": "hello"}], "gpt-4o-mini").tokens) < 100
