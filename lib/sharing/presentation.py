"""Presentation mode's content: a conversation or a comparison as slides, one turn per slide.
Streamlit-free.

A slide is one question and what answered it: one reply, or a comparison's replies side by
side. Messages come either from the store (objects with `role`, `content`, `meta`) or from a
share's snapshot (dicts with the same keys), so a shared link presents like its owner's chat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lib.chat import tools

QUERY_PARAM = "present"  # `?present=1`: the open conversation (or a share link's) as slides
SLIDE_PARAM = "slide"  # `&slide=N`, 1-based: a projector reloaded mid-talk stays on its slide
MAX_SLIDE_DIGITS = 6


@dataclass(frozen=True)
class Reply:
    """`calls`: the tool calls of the reply's chain, with their results, shown before its text."""

    content: str
    meta: dict
    calls: tuple[tools.CallStep, ...] = ()

    @property
    def model(self) -> str:
        return str(self.meta.get("model") or "")


@dataclass(frozen=True)
class Slide:
    question: str | None  # None: replies with no question before them (an imported file's)
    attachments: tuple[str, ...]  # the names of the question's images
    replies: tuple[Reply, ...]
    question_id: int | None = None  # the stored question's message id (a share's has none)

    @property
    def is_comparison(self) -> bool:
        return len(self.replies) > 1


def _fields(message) -> tuple[str, str, dict]:
    if isinstance(message, dict):
        return message["role"], message["content"], message.get("meta") or {}
    return message.role, message.content, message.meta or {}


def _attachment_names(meta: dict) -> tuple[str, ...]:
    """Stored messages keep attachments as dicts, share snapshots as their names."""
    names = (a.get("name") if isinstance(a, dict) else a for a in meta.get("attachments") or [])
    return tuple(str(n) for n in names if n)


def slides_of(messages: list) -> list[Slide]:
    """Each user message opens a slide; the assistant messages after it are its replies. A
    chain of tool calls is one reply: its calls and their results, then its last text."""
    slides: list[Slide] = []
    for message in messages:
        role, content, meta = _fields(message)
        if role == "user":
            slides.append(Slide(content, _attachment_names(meta), (), getattr(message, "id", None)))
        elif role == "assistant":
            reply = Reply(content, meta, tools.call_steps(meta.get("tool_calls") or [], {}))
            if slides and slides[-1].replies and slides[-1].replies[-1].calls and "compare_group" not in meta:
                before = slides[-1].replies[-1]
                _set_last_reply(
                    slides,
                    Reply("\n\n".join(t for t in (before.content, content) if t), meta, before.calls + reply.calls),
                )
            elif slides:
                slides[-1] = replace(slides[-1], replies=(*slides[-1].replies, reply))
            else:
                slides.append(Slide(None, (), (reply,)))
        elif role == "tool" and slides and slides[-1].replies:
            before = slides[-1].replies[-1]
            calls = tuple(replace(c, result=content) if c.id == meta.get("tool_call_id") else c for c in before.calls)
            _set_last_reply(slides, replace(before, calls=calls))
    return slides


def _set_last_reply(slides: list[Slide], reply: Reply) -> None:
    slides[-1] = replace(slides[-1], replies=(*slides[-1].replies[:-1], reply))


def comparison_slides(payload: dict) -> list[Slide]:
    """A shared comparison's snapshot: its prompt and columns, as one slide."""
    return [Slide(payload["prompt"], (), tuple(Reply(c["content"], c.get("meta") or {}) for c in payload["columns"]))]


def slide_index(raw: str | None, count: int) -> int:
    """The 0-based slide a `slide` query value asks for, within 0..count-1; anything that is not
    a small positive number is the first slide."""
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > MAX_SLIDE_DIGITS:
        return 0
    return clamp(int(text) - 1, count)


def clamp(index: int, count: int) -> int:
    return max(0, min(index, count - 1)) if count else 0


def latency(meta: dict) -> float | None:
    """The seconds a reply took, whole: from the request to its last token."""
    seconds = meta.get("elapsed")
    return float(seconds) if isinstance(seconds, (int, float)) else None
