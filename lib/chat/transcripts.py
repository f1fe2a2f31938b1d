"""A conversation out as Markdown or JSON, and a JSON export back in. Streamlit-free.

An import is checked whole before anything is written: a file that is too big, not JSON, not
our format, or whose title or messages are not what we write is refused with the reason and
changes nothing. Inside the settings and each message's meta, a value of the wrong type is left
out and a number out of range is clamped; `Imported.adjusted` names them for a note to the user.
Text may contain anything (HTML, scripts): it is kept as text and shown as Markdown with HTML
off. Of the meta only known, plain fields come back; images come back as names only, so a
file can never make the server fetch an address it chose.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from lib import chat, prompts
from lib.chat import features, structured, tools
from lib.credits.pricing import CHAT
from lib.media import imagetypes
from lib.prompts import templating
from lib.prompts.limits import MAX_PROMPT_CHARS
from lib.safe_text import file_slug
from lib.store import Conversation, Message, Store

FORMAT = "reshi-playground/conversation"
VERSION = 1
MAX_IMPORT_MB = 5
MAX_IMPORT_BYTES = MAX_IMPORT_MB * imagetypes.MB  # decimal MB, as the file picker counts them
MAX_MESSAGES = 5000
MAX_TITLE_CHARS = 200
MAX_LABEL_CHARS = 200  # a model id, a finish reason
MAX_AMOUNT = 1e9  # seconds, tokens/s, credits, token counts: nothing real comes near
ROLES = ("user", "assistant", "tool")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _label(value) -> bool:
    return isinstance(value, str) and len(value) <= MAX_LABEL_CHARS


def _amount(value) -> bool:
    return _is_number(value) and 0 <= value <= MAX_AMOUNT


def _count(value) -> bool:
    return isinstance(value, int) and _amount(value)


def _flag(value) -> bool:
    return isinstance(value, bool)


def _variables(value) -> bool:
    return isinstance(value, dict) and all(
        _label(k) and isinstance(v, str) and len(v) <= MAX_PROMPT_CHARS[CHAT] for k, v in value.items()
    )


_META_CHECKS = {
    "variables": _variables,
    "model": chat.is_model_name,
    "ttft": _amount,
    "tps": _amount,
    "tokens": _count,
    "prompt_tokens": _count,
    "credits": _amount,
    "finish_reason": _label,
    "incomplete": _flag,
    "stopped": _flag,
    "compare_group": _count,
    "column": lambda v: _count(v) and v < chat.MAX_COMPARE,
    "tool_calls": tools.stored_calls_ok,
    "tool_call_id": _label,
    "name": _label,
    "chain_limit": _count,
    "thinking": lambda v: isinstance(v, str) and len(v) <= features.MAX_THINKING_CHARS,
    "thinking_seconds": _amount,
    "first_thinking": _amount,
    "reasoning_tokens": _count,
    "structured": structured.stored_check_ok,
    "logprobs": features.stored_logprobs_ok,
}
_META_KEYS = tuple(_META_CHECKS)


class ImportProblem(ValueError):
    """Why a file is refused: an i18n key and its fields."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields
        super().__init__(key)


@dataclass
class Imported:
    title: str
    settings: chat.ChatSettings
    messages: list[tuple[str, str, dict]] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)  # fields left out or clamped, as paths


def _exported_meta(meta: dict) -> dict:
    kept = {k: meta[k] for k in _META_KEYS if k in meta}
    if meta.get("attachments"):
        kept["attachments"] = [{k: a.get(k) for k in ("name", "url", "expire_at")} for a in meta["attachments"]]
    return kept


def to_json(conversation: Conversation, messages: list[Message]) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "title": conversation.title,
            "settings": conversation.settings,
            "exported_at": conversation.updated_at.isoformat(),
            "messages": [
                {
                    "role": m.role,
                    "content": m.content,
                    "meta": _exported_meta(m.meta or {}),
                    "created_at": m.created_at.isoformat(),
                }
                for m in messages
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def to_markdown(conversation: Conversation, messages: list[Message], labels: dict[str, str]) -> str:
    """`labels` names the roles in the reader's language ({"user": "You", "assistant": ...})."""
    lines = [f"# {conversation.title}", ""]
    settings = conversation.settings or {}
    system = templating.fill(settings.get("system") or "", settings.get("variables") or {})
    if system:
        lines += [f"> **{labels['system']}:** {system}", ""]
    for message in messages:
        meta = message.meta or {}
        who = labels.get(message.role, message.role)
        if meta.get("model") and message.role == "assistant":
            who += f" · {meta['model']}"
        if meta.get("name") and message.role == "tool":
            who += f" · {meta['name']}"
        lines += [f"## {who}", ""]
        if meta.get("thinking"):  # folded, as on the page: GitHub and most viewers open it on a click
            lines += [
                f"<details><summary>{labels.get('thinking', 'Thinking')}</summary>",
                "",
                meta["thinking"],
                "",
                "</details>",
                "",
            ]
        lines += [message.content, ""]
        lines += tools.calls_markdown(meta.get("tool_calls") or [])
        lines += [f"- 🖼 {a.get('name', '')}" for a in meta.get("attachments") or []]
        if meta.get("variables"):
            lines += [f"- {labels.get('variables', '{{ }}')}: {templating.variables_line(meta['variables'])}"]
    return "\n".join(lines).rstrip() + "\n"


def export_stem(conversation: Conversation) -> str:
    """`chat-20250101-a-plan-for-the-trip`: the title and the date, as image downloads are named."""
    slug = file_slug(conversation.title.lower(), 40)
    return f"chat-{conversation.updated_at.strftime('%Y%m%d')}{'-' + slug if slug else ''}"


def parse_import(data: bytes) -> Imported:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem("chat.import_too_big", limit=MAX_IMPORT_MB)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise ImportProblem("chat.import_not_json") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportProblem("chat.import_wrong_format")
    if doc.get("version") != VERSION:
        raise ImportProblem("chat.import_wrong_version", version=str(doc.get("version"))[:20])
    title, settings, messages = doc.get("title"), doc.get("settings", {}), doc.get("messages")
    if not isinstance(title, str) or not title.strip():
        raise ImportProblem("chat.import_bad_field", field="title")
    if not isinstance(settings, dict):
        raise ImportProblem("chat.import_bad_field", field="settings")
    if not isinstance(messages, list) or not messages:
        raise ImportProblem("chat.import_bad_field", field="messages")
    if len(messages) > MAX_MESSAGES:
        raise ImportProblem("chat.import_too_many", limit=MAX_MESSAGES)
    adjusted: list[str] = []
    return Imported(
        title=chat.title_from(title)[:MAX_TITLE_CHARS],
        settings=_settings(settings, adjusted),
        messages=[_message(i, m, adjusted) for i, m in enumerate(messages)],
        adjusted=adjusted,
    )


def _settings(saved: dict, adjusted: list[str]) -> chat.ChatSettings:
    """The saved settings that hold what we write, over the defaults."""
    checks = {
        "model": chat.is_model_name,
        "system": lambda v: isinstance(v, str) and len(v) <= MAX_PROMPT_CHARS[CHAT],
        "compare_on": _flag,
        "compare": lambda v: isinstance(v, list) and all(map(chat.is_model_name, v)),
        "variables": lambda v: (
            isinstance(v, dict) and all(isinstance(x, str) and len(x) <= MAX_PROMPT_CHARS[CHAT] for x in v.values())
        ),
        "prompt": lambda v: v is None or prompts.is_reference(v),
    }
    kept = _checked(saved, checks, "settings", adjusted)
    kept.update(tools.merged(saved))  # wrong types dropped; a broken schema stays, flagged in Tools
    kept.update(features.merged_options(saved))  # the same: a refused schema or extra stays, with its reason
    params = saved.get("params", {})
    if not isinstance(params, dict):
        adjusted.append("settings.params")
        params = {}
    kept["params"] = {p.name: _param(p, params[p.name], adjusted) for p in chat.PARAMS if p.name in params}
    return chat.merged_settings(kept)


def _param(param: chat.Param, entry, adjusted: list[str]) -> dict:
    """A sampling parameter as the Chat page's widgets can show it: on/off, a value in range."""
    where = f"settings.params.{param.name}"
    if not isinstance(entry, dict):
        adjusted.append(where)
        entry = {}
    on, value = entry.get("on", False), entry.get("value", param.default)
    if not isinstance(on, bool):
        adjusted.append(f"{where}.on")
        on = False
    if param.low is None:  # the stop sequences: text
        valid = isinstance(value, str) and len(value) <= MAX_LABEL_CHARS
        fixed = value if valid else param.default
    else:
        fixed = type(param.default)(min(max(value, param.low), param.high)) if _is_number(value) else param.default
    if fixed != value:
        adjusted.append(where)
    return {"on": on, "value": fixed}


def _checked(values: dict, checks: dict, where: str, adjusted: list[str]) -> dict:
    """The values whose check passes; the others' paths go to `adjusted`. None means unknown, kept."""
    kept = {}
    for key, check in checks.items():
        if key not in values:
            continue
        if values[key] is None or check(values[key]):
            kept[key] = values[key]
        else:
            adjusted.append(f"{where}.{key}")
    return kept


def _message(index: int, item, adjusted: list[str]) -> tuple[str, str, dict]:
    where = f"messages[{index}]"
    if not isinstance(item, dict):
        raise ImportProblem("chat.import_bad_field", field=where)
    role, content, meta = item.get("role"), item.get("content"), item.get("meta", {})
    if role not in ROLES:
        raise ImportProblem("chat.import_bad_field", field=f"{where}.role")
    if not isinstance(content, str) or len(content) > MAX_PROMPT_CHARS[CHAT]:
        raise ImportProblem("chat.import_bad_field", field=f"{where}.content")
    if not isinstance(meta, dict):
        raise ImportProblem("chat.import_bad_field", field=f"{where}.meta")
    kept = _checked(meta, _META_CHECKS, f"{where}.meta", adjusted)
    listed = meta.get("attachments")
    attachments = listed if isinstance(listed, list) else []
    names = [a.get("name") for a in attachments if isinstance(a, dict)]
    if names:
        kept["attachments"] = [{"name": str(n)[:255]} for n in names]
    return role, content, kept


def adjusted_summary(adjusted: list[str], shown: int = 5) -> str:
    """The first few adjusted fields as code, for the note after an import."""
    listed = ", ".join(f"`{path}`" for path in adjusted[:shown])
    return listed + (f" (+{len(adjusted) - shown})" if len(adjusted) > shown else "")


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def already_imported(store: Store, user: str, data: bytes) -> Conversation | None:
    """The user's conversation imported from this very file, if they still have it."""
    digest = file_hash(data)
    return next(
        (c for c in store.list_conversations(user) if (c.settings or {}).get("imported_sha256") == digest), None
    )


def fork_at(store: Store, user: str, conversation: Conversation, message_id: int, title: str) -> Conversation | None:
    """A new conversation holding `conversation` up to and including `message_id`, with its
    settings: a branch to try another way from any point, the original left as it is. None when
    the message is not in that conversation (deleted in another tab)."""
    messages = store.list_messages(user, conversation.id)
    if all(m.id != message_id for m in messages):
        return None
    fork = store.create_conversation(user, title, {**(conversation.settings or {}), "imported_sha256": None})
    for message in (m for m in messages if m.id <= message_id):
        store.add_message(user, fork.id, message.role, message.content, message.meta)
    return fork


def import_into(store: Store, user: str, imported: Imported, data: bytes | None = None) -> Conversation:
    """A new conversation from `imported`; `data`, the file it came from, is remembered by its hash."""
    settings = {**imported.settings, "imported_sha256": file_hash(data) if data is not None else None}
    conversation = store.create_conversation(user, imported.title, settings)
    for role, content, meta in imported.messages:
        store.add_message(user, conversation.id, role, content, meta)
    return conversation
