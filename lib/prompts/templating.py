"""The `{{variables}}` syntax every template shares (Chat, the prompt library, the Workbench).
Streamlit-free. (It was lib/presets.py while presets lasted; the prompt library replaced them,
and migration 0004 carried them over.)
"""

from __future__ import annotations

import re

_VARIABLE = re.compile(r"\{\{\s*([\w\u4e00-\u9fff][\w\u4e00-\u9fff ]{0,39}?)\s*\}\}")


def variables(*texts: str) -> list[str]:
    """The distinct `{{variable}}` names in the texts, in order of first appearance."""
    names: list[str] = []
    for text in texts:
        for match in _VARIABLE.finditer(text or ""):
            if match.group(1) not in names:
                names.append(match.group(1))
    return names


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known `{{variable}}` replaced by its value; unknown ones stay as typed."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def values_used(message: str, system: str, values: dict[str, str]) -> dict[str, str]:
    """The `{{variables}}` a message was sent with (its own and its system prompt's), as kept
    with the message and shown under it: what was filled in leaves a trace."""
    return {name: values[name] for name in variables(message, system) if name in values}


def variables_line(values: dict[str, str]) -> str:
    """`language = French · count = 3`: a message's values on one line."""
    return " · ".join(f"{name} = {value}" for name, value in values.items())
