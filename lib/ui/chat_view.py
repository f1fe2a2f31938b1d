"""The Chat page's building blocks: the conversation list, messages and their actions.

Sending and streaming live in lib/ui/chat_send.py; View code, presets, export and import in
lib/ui/chat_tools.py.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import streamlit as st

from lib import chat, chat_attachments, compare, errors
from lib.client import ReshiClient
from lib.shares import metrics_line
from lib.store import Message, Store
from lib.ui.media import fetch_media
from lib.ui.session import current_lang, tr
from lib.upload_checks import display_name, markdown_literal

OPEN_SETTING = "chat.open_conversation"
RETRY = "chat_retry"
REPLACE = "chat_retry_replace"
THUMB_WIDTH = 160


def open_conversation_id(store: Store, user: str) -> int | None:
    """The open conversation: this session's choice, else the one the user had open last time."""
    if "chat_open" not in st.session_state:
        saved = store.get_setting(user, OPEN_SETTING)
        st.session_state["chat_open"] = saved if saved and store.get_conversation(user, saved) else None
    return st.session_state["chat_open"]


def set_open_conversation(store: Store, user: str, conversation_id: int | None) -> None:
    st.session_state["chat_open"] = conversation_id
    st.session_state["chat_window"] = chat.HISTORY_PAGE
    st.session_state.pop("chat_error", None)
    store.set_setting(user, OPEN_SETTING, conversation_id)


@st.cache_data(ttl=600, show_spinner=False)
def _cached_model_ids(base_url: str, key_fingerprint: str, _client: ReshiClient) -> list[str]:
    return sorted(m.id for m in _client.models.list() if m.is_chat)


def model_ids(client: ReshiClient) -> list[str]:
    """Chat models from /models, cached per base URL and key; the default model when it fails."""
    try:
        return _cached_model_ids(client.base_url, client.key_fingerprint, client) or [chat.DEFAULT_MODEL]
    except errors.ReshiError as exc:
        st.warning(tr("chat.models_failed", reason=exc.explain(current_lang())), icon=":material/warning:")
        return [chat.DEFAULT_MODEL]


def refresh_models() -> None:
    _cached_model_ids.clear()


def conversation_sidebar(store: Store, user: str, extra=None) -> None:
    """The list of conversations; `extra` draws more tools (import) under "New chat"."""
    with st.sidebar:
        st.divider()
        if st.button(tr("chat.new_chat"), icon=":material/add_comment:", use_container_width=True,
                     type="primary", key="chat_new"):
            set_open_conversation(store, user, None)
            st.rerun()
        if extra:
            extra()
        open_id = open_conversation_id(store, user)
        conversations = store.list_conversations(user)
        if conversations:
            st.caption(tr("chat.conversations"))
        for conversation in conversations:
            is_open = conversation.id == open_id
            if is_open:
                _conversation_actions(store, user, conversation)
            elif st.button(conversation.title, key=f"chat_open_{conversation.id}", use_container_width=True,
                           type="tertiary"):
                set_open_conversation(store, user, conversation.id)
                st.rerun()


def _conversation_actions(store: Store, user: str, conversation) -> None:
    with st.popover(conversation.title, icon=":material/chat_bubble:", use_container_width=True):
        title = st.text_input(tr("chat.rename"), value=conversation.title, key=f"chat_title_{conversation.id}")
        save_col, delete_col = st.columns(2)
        if save_col.button(tr("chat.save"), icon=":material/save:", key=f"chat_rename_{conversation.id}",
                           disabled=not title.strip()):
            store.rename_conversation(user, conversation.id, title.strip())
            st.rerun()
        if delete_col.button(tr("chat.delete"), icon=":material/delete:", key=f"chat_delete_{conversation.id}"):
            store.delete_conversation(user, conversation.id)
            set_open_conversation(store, user, None)
            st.rerun()


def meta_line(meta: dict, *, with_model: bool = True) -> str:
    return metrics_line(meta, current_lang(), with_model=with_model)


def request_retry(replace: list[int]) -> None:
    """Ask the page to send the replies again, the listed messages removed first."""
    st.session_state[REPLACE] = replace
    st.session_state[RETRY] = True


# ---------------------------------------------------------------- history

def render_history(store: Store, user: str, client: ReshiClient, history: list[Message]) -> None:
    """Every message with its actions; the last user message can be edited and sent again,
    which replaces the replies after it."""
    last_user = next((m for m in reversed(history) if m.role == "user"), None)
    after_last_user = [m.id for m in history if last_user and m.id > last_user.id]
    groups = chat.group_turns(history)
    for position, group in enumerate(groups):
        is_last = position == len(groups) - 1
        if "compare_group" in (group[0].meta or {}):
            _render_comparison(store, user, group, is_last=is_last)
        else:
            replaced = after_last_user if group[0] is last_user else None
            render_message(store, user, client, group[0], is_last=is_last, editable_replacing=replaced)


def render_message(store: Store, user: str, client: ReshiClient, message: Message, *, is_last: bool,
                   editable_replacing: list[int] | None = None) -> None:
    """One stored message. Model text is Markdown with HTML off: tags show as text."""
    meta = message.meta or {}
    with st.chat_message(message.role):
        st.markdown(message.content)
        if meta.get("attachments"):
            attachment_strip(store, user, client, meta["attachments"])
        if message.role == "assistant":
            st.caption(meta_line(meta))
            _reply_notes(meta, message.id, is_last)
        _message_actions(store, user, message, is_last, editable_replacing)


def _reply_notes(meta: dict, message_id: int, is_last: bool) -> None:
    if meta.get("stopped"):
        st.caption(tr("chat.stopped_note"))
    elif meta.get("incomplete"):
        st.warning(tr("chat.incomplete"), icon=":material/content_cut:")
        if is_last and st.button(tr("chat.retry"), icon=":material/replay:", key=f"chat_retry_{message_id}"):
            request_retry([message_id])
            st.rerun()


def _message_actions(store: Store, user: str, message: Message, is_last: bool,
                     editable_replacing: list[int] | None) -> None:
    row = st.container(horizontal=True, gap="small")
    with row.popover(tr("chat.copy"), icon=":material/content_copy:", type="tertiary", help=tr("chat.copy_help")):
        st.code(message.content, language="markdown", wrap_lines=True)
    if is_last and message.role == "assistant" and row.button(
            tr("chat.regenerate"), icon=":material/autorenew:", type="tertiary",
            key=f"chat_regenerate_{message.id}"):
        request_retry([message.id])
        st.rerun()
    if editable_replacing is not None:
        _edit_popover(store, user, message, row, editable_replacing)


def _edit_popover(store: Store, user: str, message: Message, row, replacing: list[int]) -> None:
    with row.popover(tr("chat.edit"), icon=":material/edit:", type="tertiary"):
        text = st.text_area(tr("chat.edit_label"), value=message.content, key=f"chat_edit_text_{message.id}")
        if st.button(tr("chat.edit_send"), icon=":material/send:", type="primary",
                     key=f"chat_edit_send_{message.id}", disabled=chat.prompt_problem(text) is not None):
            store.update_message(user, message.id, content=text)
            request_retry(replacing)
            st.rerun()


def _render_comparison(store: Store, user: str, group: list[Message], *, is_last: bool) -> None:
    with st.chat_message("assistant"):
        for column, message in zip(st.columns(len(group), border=True), group):
            with column:
                _comparison_column(store, user, group, message)
        if is_last and st.button(tr("chat.regenerate"), icon=":material/autorenew:", type="tertiary",
                                 key=f"chat_regenerate_{group[0].id}"):
            request_retry([m.id for m in group])
            st.rerun()


def _comparison_column(store: Store, user: str, group: list[Message], message: Message) -> None:
    meta = message.meta or {}
    st.markdown(f"**{markdown_literal(meta.get('model') or '')}**")
    if meta.get("failed"):
        st.error(tr(f"error.{meta.get('error', 'error')}"), icon=":material/error:")
        return
    st.markdown(message.content)
    st.caption(meta_line(meta, with_model=False))
    if meta.get("stopped"):
        st.caption(tr("chat.stopped_note"))
    elif meta.get("incomplete"):
        st.warning(tr("chat.incomplete_short"), icon=":material/content_cut:")
    if st.button(tr("chat.keep"), icon=":material/check_circle:", key=f"chat_keep_{message.id}",
                 help=tr("chat.keep_help")):
        kept = compare.keep_answer(store, user, group, message.id)
        st.session_state["chat_kept_model"] = (kept.meta or {}).get("model")
        st.rerun()


# ---------------------------------------------------------------- attachments

def attachment_strip(store: Store, user: str, client: ReshiClient | None, attachments: list[dict]) -> None:
    """Thumbnails of a message's images; an upload past its expiry says so instead."""
    now = datetime.now(timezone.utc)
    for column, attachment in zip(st.columns(max(len(attachments), 4)), attachments):
        name = display_name(str(attachment.get("name") or ""))
        image = None if chat_attachments.is_expired(attachment, now) else _image_bytes(store, user, client,
                                                                                       attachment)
        if image:
            column.image(image, caption=name, width=THUMB_WIDTH)
        else:
            column.caption(f":material/hide_image: {markdown_literal(name)} · {tr('chat.image_expired')}")


def _image_bytes(store: Store, user: str, client: ReshiClient | None, attachment: dict) -> bytes | None:
    if attachment.get("data_url"):
        return base64.b64decode(attachment["data_url"].partition(",")[2])
    upload = store.get_upload(user, attachment["upload_id"]) if attachment.get("upload_id") else None
    if upload is not None and upload.thumbnail:
        return upload.thumbnail
    return fetch_media(client, attachment["url"], "image") if client else None
