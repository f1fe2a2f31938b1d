"""How long a prompt may be on each endpoint, and what is wrong with one: the rule the Chat,
Images and Video forms share. The catalog's `huge_prompt` texts name each limit; the test keeps
them in step."""

from __future__ import annotations

from lib.credits.pricing import CHAT, IMAGES, VIDEO
from lib.i18n import key_family

MAX_PROMPT_CHARS = {CHAT: 100_000, IMAGES: 4000, VIDEO: 4000}
PROBLEM_KEYS = {endpoint: key_family(endpoint, ("empty_prompt", "huge_prompt")) for endpoint in MAX_PROMPT_CHARS}


def prompt_problem(endpoint: str, prompt: str | None) -> str | None:
    """The catalog key of what is wrong with `prompt` on `endpoint`, or None when it can be sent."""
    if prompt is None or not prompt.strip():
        return PROBLEM_KEYS[endpoint]("empty_prompt")
    if len(prompt) > MAX_PROMPT_CHARS[endpoint]:
        return PROBLEM_KEYS[endpoint]("huge_prompt")
    return None
