"""Presentation mode's content: a conversation or a comparison as slides, one turn per slide.
Streamlit-free.

A slide is one question and what answered it: one reply, or a comparison's replies side by
side. Messages come either from the store (objects with `role`, `content`, `meta`) or from a
share's snapshot (dicts with the same keys), so a shared link presents like its owner's chat.
"""
from __future__ import annotations

from dataclasses import dataclass

QUERY_PARAM = "present"   # `?present=1`: the open conversation (or a share link's) as slides
SLIDE_PARAM = "slide"     # `&slide=N`, 1-based: a projector reloaded mid-talk stays on its slide
MAX_SLIDE_DIGITS = 6


@dataclass(frozen=True)
class Reply:
    content: str
    meta: dict

    @property
    def model(self) -> str:
        return str(self.meta.get("model") or "")


@dataclass(frozen=True)
class Slide:
    question: str | None          # None: replies with no question before them (an imported file's)
    attachments: tuple[str, ...]  # the names of the question's images
    replies: tuple[Reply, ...]

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
    """Each user message opens a slide; the assistant messages after it are its replies."""
    slides: list[Slide] = []
    for message in messages:
        role, content, meta = _fields(message)
        if role == "user":
            slides.append(Slide(content, _attachment_names(meta), ()))
        elif role == "assistant":
            reply = Reply(content, meta)
            if slides:
                slides[-1] = Slide(slides[-1].question, slides[-1].attachments, (*slides[-1].replies, reply))
            else:
                slides.append(Slide(None, (), (reply,)))
    return slides


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
