"""One rule for prompts on every endpoint, and texts that name the limit the code applies."""

from __future__ import annotations

import pytest

from lib import formats
from lib.credits.pricing import CHAT, IMAGES, VIDEO
from lib.i18n import LANGUAGES, t
from lib.prompts.limits import MAX_PROMPT_CHARS, prompt_problem


@pytest.mark.parametrize("endpoint", [CHAT, IMAGES, VIDEO])
def test_empty_and_huge_prompts_are_refused_with_the_endpoint_s_own_text(endpoint):
    limit = MAX_PROMPT_CHARS[endpoint]
    assert prompt_problem(endpoint, None) == prompt_problem(endpoint, " \n") == f"{endpoint}.empty_prompt"
    assert prompt_problem(endpoint, "x" * (limit + 1)) == f"{endpoint}.huge_prompt"
    assert prompt_problem(endpoint, "x" * limit) is None


@pytest.mark.parametrize("endpoint", [CHAT, IMAGES, VIDEO])
def test_the_too_long_text_names_the_limit(endpoint):
    for lang in LANGUAGES:
        assert formats.number(MAX_PROMPT_CHARS[endpoint], lang) in t(f"{endpoint}.huge_prompt", lang)
