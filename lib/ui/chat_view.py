"""The Chat page's building blocks: the conversation list, a message, a streamed reply."""
from __future__ import annotations

import streamlit as st

from lib import chat, errors
from lib.client import ReshiClient, is_chat_model
from lib.store import Store
from lib.ui.session import current_lang, tr

OPEN_SETTING = "chat.open_conversation"


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
    return sorted(m.id for m in _client.models.list() if is_chat_model(m.id))


def model_ids(client: ReshiClient) -> list[str]:
    """Chat models from /models, cached per base URL and key; the default model when it fails."""
    try:
        return _cached_model_ids(client.base_url, client.key_fingerprint, client) or [chat.DEFAULT_MODEL]
    except errors.ReshiError as exc:
        st.warning(tr("chat.models_failed", reason=exc.explain(current_lang())), icon=":material/warning:")
        return [chat.DEFAULT_MODEL]


def refresh_models() -> None:
    _cached_model_ids.clear()


def conversation_sidebar(store: Store, user: str) -> None:
    with st.sidebar:
        st.divider()
        if st.button(tr("chat.new_chat"), icon=":material/add_comment:", use_container_width=True,
                     type="primary", key="chat_new"):
            set_open_conversation(store, user, None)
            st.rerun()
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


def _meta_line(meta: dict) -> str:
    parts = [meta.get("model") or ""]
    if meta.get("ttft") is not None:
        parts.append(tr("chat.meta_ttft", seconds=meta["ttft"]))
    if meta.get("tps"):
        parts.append(tr("chat.meta_tps", rate=meta["tps"]))
    if meta.get("tokens") is not None:
        parts.append(tr("chat.meta_tokens", count=meta["tokens"]))
    parts.append(tr("chat.meta_credits", credits=meta.get("credits") or 0))
    return " · ".join(p for p in parts if p)


def render_message(message, *, is_last: bool) -> None:
    """One stored message. Model text is Markdown with HTML off: tags show as text."""
    meta = message.meta or {}
    with st.chat_message(message.role):
        st.markdown(message.content)
        if message.role != "assistant":
            return
        st.caption(_meta_line(meta))
        if meta.get("incomplete"):
            st.warning(tr("chat.incomplete"), icon=":material/content_cut:")
            if is_last and st.button(tr("chat.retry"), icon=":material/replay:", key=f"chat_retry_{message.id}"):
                st.session_state["chat_retry_replace"] = message.id
                st.session_state["chat_retry"] = True
                st.rerun()


def stream_reply(store: Store, user: str, client: ReshiClient, conversation_id: int, settings: dict) -> None:
    """Stream one reply to the conversation's last user message and keep whatever arrives.

    A failure before any text leaves the user's message in place with the error and a retry;
    a stream cut short is saved as an incomplete reply.
    """
    replaced = st.session_state.pop("chat_retry_replace", None)
    if replaced is not None:
        store.delete_message(user, replaced)
    history = store.list_messages(user, conversation_id)
    stream = client.chat.stream(settings["model"], chat.api_messages(settings["system"], history),
                                **chat.request_params(settings))
    with st.chat_message("assistant"):
        try:
            st.write_stream(stream)
        except errors.ReshiError as exc:
            if stream.text:
                store.add_message(user, conversation_id, "assistant", stream.text,
                                  {**chat.reply_meta(stream), "incomplete": True, "error": exc.kind})
            else:
                st.session_state["chat_error"] = (conversation_id, exc)
            return
    store.add_message(user, conversation_id, "assistant", stream.text, chat.reply_meta(stream))
