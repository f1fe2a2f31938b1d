"""A conversation out as Markdown or JSON, and a JSON export back in. Streamlit-free.

An import is checked whole before anything is written: a file that is too big, not JSON, not
our format, or holds a wrong type anywhere is refused with the reason and changes nothing.
Text may contain anything (HTML, scripts): it is kept as text and shown as Markdown with HTML
off. Of the meta only known, plain fields come back; images come back as names only, so a
file can never make the server fetch an address it chose.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lib import chat
from lib.store import Conversation, Message, Store

FORMAT = "reshi-playground/conversation"
VERSION = 1
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_MESSAGES = 5000
MAX_TITLE_CHARS = 200
ROLES = ("user", "assistant")
_META_KEYS = ("model", "ttft", "tps", "tokens", "prompt_tokens", "credits", "finish_reason",
              "incomplete", "stopped", "compare_group", "column")
_SCALARS = (str, int, float, bool, type(None))


class ImportProblem(ValueError):
    """Why a file is refused: an i18n key and its fields."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields
        super().__init__(key)


@dataclass
class Imported:
    title: str
    settings: dict
    messages: list[tuple[str, str, dict]] = field(default_factory=list)


def _exported_meta(meta: dict) -> dict:
    kept = {k: meta[k] for k in _META_KEYS if k in meta}
    if meta.get("attachments"):
        kept["attachments"] = [{k: a.get(k) for k in ("name", "url", "expire_at")} for a in meta["attachments"]]
    return kept


def to_json(conversation: Conversation, messages: list[Message]) -> str:
    return json.dumps({
        "format": FORMAT, "version": VERSION, "title": conversation.title, "settings": conversation.settings,
        "exported_at": conversation.updated_at.isoformat(),
        "messages": [{"role": m.role, "content": m.content, "meta": _exported_meta(m.meta or {}),
                      "created_at": m.created_at.isoformat()} for m in messages],
    }, ensure_ascii=False, indent=2)


def to_markdown(conversation: Conversation, messages: list[Message], labels: dict[str, str]) -> str:
    """`labels` names the roles in the reader's language ({"user": "You", "assistant": ...})."""
    lines = [f"# {conversation.title}", ""]
    system = (conversation.settings or {}).get("system")
    if system:
        lines += [f"> **{labels['system']}:** {system}", ""]
    for message in messages:
        meta = message.meta or {}
        who = labels[message.role] if message.role in labels else message.role
        if meta.get("model") and message.role == "assistant":
            who += f" · {meta['model']}"
        lines += [f"## {who}", "", message.content, ""]
        lines += [f"- 🖼 {a.get('name', '')}" for a in meta.get("attachments") or []]
    return "\n".join(lines).rstrip() + "\n"


def parse_import(data: bytes) -> Imported:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem("chat.import_too_big", limit=MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
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
    return Imported(title=chat.title_from(title)[:MAX_TITLE_CHARS], settings=_settings(settings),
                    messages=[_message(i, m) for i, m in enumerate(messages)])


def _settings(saved: dict) -> dict:
    if not isinstance(saved.get("system", ""), str) or not isinstance(saved.get("model", ""), str):
        raise ImportProblem("chat.import_bad_field", field="settings")
    try:
        return chat.merged_settings(saved)
    except (TypeError, ValueError, AttributeError):
        raise ImportProblem("chat.import_bad_field", field="settings") from None


def _message(index: int, item) -> tuple[str, str, dict]:
    where = f"messages[{index}]"
    if not isinstance(item, dict):
        raise ImportProblem("chat.import_bad_field", field=where)
    role, content, meta = item.get("role"), item.get("content"), item.get("meta", {})
    if role not in ROLES:
        raise ImportProblem("chat.import_bad_field", field=f"{where}.role")
    if not isinstance(content, str) or len(content) > chat.MAX_PROMPT_CHARS:
        raise ImportProblem("chat.import_bad_field", field=f"{where}.content")
    if not isinstance(meta, dict):
        raise ImportProblem("chat.import_bad_field", field=f"{where}.meta")
    kept = {k: meta[k] for k in _META_KEYS if k in meta and isinstance(meta[k], _SCALARS)}
    attachments = meta.get("attachments") if isinstance(meta.get("attachments"), list) else []
    names = [a.get("name") for a in attachments if isinstance(a, dict)]
    if names:
        kept["attachments"] = [{"name": str(n)[:255]} for n in names]
    return role, content, kept


def import_into(store: Store, user: str, imported: Imported) -> Conversation:
    conversation = store.create_conversation(user, imported.title, imported.settings)
    for role, content, meta in imported.messages:
        store.add_message(user, conversation.id, role, content, meta)
    return conversation
