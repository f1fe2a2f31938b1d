"""Text from users and servers made safe for where it goes: a Markdown element, a file name."""

from __future__ import annotations

import bisect
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_NOT_NAME = re.compile(r"[^\w-]+")


def markdown_literal(text: str) -> str:
    """`text` escaped so st.markdown shows it character for character."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def file_slug(text: str, max_chars: int, separator: str = "-") -> str:
    """`text` as part of a file name: each run of what is not a letter, digit, `_` or `-`
    (slashes, dots, spaces, emoji) becomes one `separator`, trimmed and cut to `max_chars`;
    "" when nothing is left. Letters of any script stay: `一只猫 花园` -> `一只猫-花园`."""
    slug = re.sub(re.escape(separator) + "{2,}", separator, _NOT_NAME.sub(separator, text))
    return slug.strip("-_")[:max_chars].strip("-_")


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_INLINE = re.compile(r"\\.|`+|!\[", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
IMAGE_MARK = ":material/image: "  # Streamlit Markdown draws it as an icon


def images_as_links(markdown: str) -> str:
    """Markdown from a model or another user, with every image (`![alt](url)`, `![alt][ref]`,
    `![ref]`) turned into a link to it after an image icon: a viewer's browser loads nothing
    from a host the text chose (their address, their browser, a GET wherever the sharer liked). An image
    is a link with a `!` before it, so dropping the `!` keeps the link. Code blocks and code
    spans, where `![` is only text, are left as they are."""
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []
    for line in markdown.splitlines(keepends=True):
        opened = _FENCE.match(line)
        if fence is None and opened:
            out.append(_inline_images_as_links("".join(prose)))
            prose, fence = [], opened.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
        else:
            prose.append(line)
    out.append(_inline_images_as_links("".join(prose)))
    return "".join(out)


def _inline_images_as_links(text: str) -> str:
    """`![` outside code spans becomes IMAGE_MARK + `[`. Linear in the text: the backtick runs
    are found once, and a span's closing run (the next run of the same length) by bisection."""
    runs: dict[int, list[int]] = {}  # a run's length -> where runs of that length start
    for run in _BACKTICKS.finditer(text):
        runs.setdefault(len(run.group()), []).append(run.start())
    out, position = [], 0
    for found in _INLINE.finditer(text):
        start, token = found.start(), found.group()
        if start < position:  # inside a code span already copied
            continue
        if token == "![":
            out += [text[position:start], IMAGE_MARK, "["]
            position = found.end()
        elif token.startswith("`"):
            starts = runs[len(token)]
            following = bisect.bisect_right(starts, start)
            if following < len(starts):  # else no closing run: the backticks are only text
                out.append(text[position : starts[following] + len(token)])
                position = starts[following] + len(token)
    out.append(text[position:])
    return "".join(out)


# C0 and C1 controls (newlines included), and the invisible marks that reorder or hide text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def without_controls(text: str | None) -> str | None:
    """`text` without control characters, for a one-line field (a ledger column, a log value):
    a model name holding a newline must not start a line of its own anywhere."""
    return text if text is None else _CONTROL.sub("", text)
