"""A chat reply's text, whole or streamed: thinking and answer (in their fields, or thinking in
inline `<think>` tags), token probabilities and the thinking-token count."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from lib.jsonpaths import Path, dig, first

# What a piece of a streamed reply is: the model's thinking (shown apart, never sent back) or
# its answer. A new kind (tool calls) is a new value and new rows below.
THINKING, ANSWER = "thinking", "answer"


class DeltaField(NamedTuple):
    kind: str
    path: Path  # inside a chunk's `choices[0].delta`, or a whole reply's `choices[0].message`


# Where each kind of text is in a chunk's delta. Of the rows of one kind, the first with text
# wins, so a server that sends the same thinking under two names is read once.
DELTA_FIELDS: tuple[DeltaField, ...] = (
    DeltaField(THINKING, ("reasoning_content",)),  # new-api, DeepSeek, this provider
    DeltaField(THINKING, ("reasoning",)),  # OpenRouter, vLLM, Ollama's OpenAI route
    DeltaField(ANSWER, ("content",)),
)
# Thinking written inline at the start of the answer (DeepSeek-R1 and Qwen served raw, vLLM
# without a reasoning parser): (opening tag, closing tag).
INLINE_THINKING_TAGS: tuple[tuple[str, str], ...] = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
# Where a reply's `usage` counts its thinking tokens (part of completion_tokens).
REASONING_TOKEN_PATHS: tuple[Path, ...] = (
    ("usage", "completion_tokens_details", "reasoning_tokens"),
    ("usage", "reasoning_tokens"),
)


def delta_texts(delta: Any) -> list[tuple[str, str]]:
    """The (kind, text) pieces of one chunk's delta (or a whole reply's message), in the order
    they are shown: thinking before answer."""
    if not isinstance(delta, dict):
        return []
    found: dict[str, str] = {}
    for row in DELTA_FIELDS:
        value = dig(delta, row.path)
        if row.kind not in found and isinstance(value, str) and value:
            found[row.kind] = value
    return list(found.items())


# Where a choice carries its tokens' probabilities (OpenAI's shape, which relays pass through).
LOGPROBS_PATHS: tuple[Path, ...] = (("logprobs", "content"),)
MAX_ALTERNATIVES = 20


def token_logprobs(choice: Any) -> list[list[Any]]:
    """A choice's token probabilities, compact: [token, logprob, [[alternative, logprob], ...]]
    for each token; entries that are not OpenAI-shaped are left out."""
    entries = first(choice, LOGPROBS_PATHS, lambda v: isinstance(v, list))[1] or []
    return [
        [
            e["token"],
            e["logprob"],
            [
                [a["token"], a["logprob"]]
                for a in (e.get("top_logprobs") or [])[:MAX_ALTERNATIVES]
                if _is_logprob_entry(a)
            ],
        ]
        for e in entries
        if _is_logprob_entry(e)
    ]


def _is_logprob_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("token"), str)
        and isinstance(entry.get("logprob"), (int, float))
        and not isinstance(entry.get("logprob"), bool)
        and math.isfinite(entry["logprob"])
        and entry["logprob"] <= 0
    )


def reasoning_tokens(body: Any) -> int | None:
    """The thinking tokens a reply's usage reports, when it does, as a whole number >= 0."""
    tokens = first(body, REASONING_TOKEN_PATHS, lambda n: isinstance(n, int) and not isinstance(n, bool) and n >= 0)[1]
    return tokens if isinstance(tokens, int) else None


class InlineThinking:
    """Splits an answer whose first words are `<think>…</think>` into thinking and answer, as
    the text streams in (a tag may come split over chunks). Only a tag at the very start (after
    whitespace) opens thinking: a tag later in an answer is the answer's own text."""

    def __init__(self) -> None:
        self._held = ""  # the start of the answer, until it is known to open a tag or not
        self._closing: str | None = None  # inside thinking: the tag that ends it
        self._decided = False

    def feed(self, text: str) -> list[tuple[str, str]]:
        if self._decided and self._closing is None:
            return [(ANSWER, text)] if text else []
        self._held += text
        if not self._decided:
            start = self._held.lstrip()
            opening = next(((o, c) for o, c in INLINE_THINKING_TAGS if start.startswith(o)), None)
            if opening is None:
                if any(o.startswith(start) for o, _ in INLINE_THINKING_TAGS) and start != "":
                    return []  # "<thi": maybe a tag, wait for more
                if not start:
                    return []
                self._decided, held, self._held = True, self._held, ""
                return [(ANSWER, held)]
            self._decided, self._closing = True, opening[1]
            self._held = start[len(opening[0]) :].lstrip()
        return self._inside()

    def _inside(self) -> list[tuple[str, str]]:
        closing = self._closing
        assert closing is not None  # only called inside thinking
        end = self._held.find(closing)
        if end < 0:
            # Keep back what could be the start of the closing tag; the rest is thinking.
            keep = next((n for n in range(len(closing) - 1, 0, -1) if self._held.endswith(closing[:n])), 0)
            thought, self._held = self._held[: len(self._held) - keep], self._held[len(self._held) - keep :]
            return [(THINKING, thought)] if thought else []
        thought, rest = self._held[:end], self._held[end + len(closing) :].lstrip("\n")
        self._held, self._closing = "", None
        return [(kind, text) for kind, text in ((THINKING, thought), (ANSWER, rest)) if text]

    def flush(self) -> list[tuple[str, str]]:
        """What is held back when the stream ends: a lone "<thi" is answer text; thinking never
        closed stays thinking."""
        held, self._held = self._held, ""
        if not held:
            return []
        return [(THINKING if self._closing else ANSWER, held)]
