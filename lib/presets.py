"""The `{{variables}}` syntax every template shares (Chat, the prompt library, the Workbench),
and the presets that shipped with the app before the prompt library (lib/prompts.py) replaced
presets: the upgrade carries them, and each user's own, over as prompts. Streamlit-free.
"""
from __future__ import annotations

import re

from lib import chat

_VARIABLE = re.compile(r"\{\{\s*([\w\u4e00-\u9fff][\w\u4e00-\u9fff ]{0,39}?)\s*\}\}")


def _shipped(name: str, label: str, system: str, **params) -> dict:
    """A preset that ships with the app: `name` identifies it (an own preset of that name replaces
    it), `label` is the catalog key of the name shown."""
    settings = chat.default_settings()
    for param, value in params.items():
        settings["params"][param] = {"on": True, "value": value}
    return {"name": name, "label": label, "model": settings["model"], "system": system, "params": settings["params"]}


DEFAULTS = [
    _shipped("Translator", "chat.preset.translator",
             "You are a professional translator. Translate everything the user writes into "
             "{{language}}. Keep the meaning, tone and formatting; reply with the translation only.",
             temperature=0.2),
    _shipped("Code reviewer", "chat.preset.code_reviewer",
             "You are a meticulous senior {{language}} reviewer. Point out bugs, unclear "
             "names and missing tests first, then style. Quote the lines you mean.", temperature=0.3),
    _shipped("Summarizer", "chat.preset.summarizer",
             "Summarize what the user sends in at most {{count}} bullet points for "
             "{{audience}}. Keep numbers and names exact.", temperature=0.3),
    _shipped("Brainstorm", "chat.preset.brainstorm",
             "You are a creative partner. Offer many varied, concrete ideas, then say which "
             "three you would try first and why.", temperature=1.2),
]


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
