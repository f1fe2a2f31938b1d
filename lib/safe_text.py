"""Text from users and servers made safe for where it goes: a Markdown element, a file name."""
from __future__ import annotations

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
