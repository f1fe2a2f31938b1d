"""The Chat page's sidebar: New chat and this user's conversations, pinned first and then by
date, a page at a time; the open one's menu (pin, rename, delete with its confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from lib import chat
from lib.i18n import key_family
from lib.safe_text import markdown_literal
from lib.store import Conversation, Store
from lib.ui import state
from lib.ui.chat.phone_layout import fold_sidebar_on_phone
from lib.ui.chat.view import open_conversation_id, set_open_conversation
from lib.ui.clock import browser_zone
from lib.ui.feedback import toast_after_rerun
from lib.ui.session import tr
from lib.ui.state.chat import (
    DELETE,
    DELETE_CANCEL,
    DELETE_CONFIRM,
    LIST_PAGE,
    MORE_CONVERSATIONS,
    NEW_CHAT,
    OPEN,
    PIN,
    RENAME,
    TITLE,
    MessageActions,
    OpenConversation,
)


def conversation_sidebar(store: Store, user: str, extra: Callable[[], None] | None = None) -> None:
    """The list of conversations; `extra` draws more tools (import) under "New chat"."""
    with st.sidebar:
        st.divider()
        # Callbacks, run before the page: one run draws the conversation asked for.
        st.button(
            tr("chat.new_chat"),
            icon=":material/add_comment:",
            use_container_width=True,
            type="primary",
            key=NEW_CHAT.key,
            on_click=_open_from_sidebar,
            args=(store, user, None),
        )
        if extra:
            extra()
        open_id = open_conversation_id(store, user)
        opened_state = state.of(OpenConversation)
        shown = opened_state.list_size
        conversations = store.list_conversations(user, limit=shown)
        hidden = store.count_conversations(user) - shown if len(conversations) == shown else 0
        opened = (
            store.get_conversation(user, open_id) if open_id and all(c.id != open_id for c in conversations) else None
        )
        if opened:  # an older one, opened last time: listed first (after the pinned), no longer hidden
            conversations.insert(0, opened)
            conversations.sort(key=lambda c: c.pinned_at is None)
            hidden -= 1
        opened_state.listed = [c.id for c in conversations]
        st.html(_LIST_STYLE)
        with st.container(key="chat_list"):
            zone = browser_zone()
            now, shown_group = datetime.now(zone), None
            for conversation in conversations:
                # Pinned first; then Today, Yesterday, Last 7 days, Older: newest first
                group = (
                    PINNED if conversation.pinned_at else chat.date_group(conversation.updated_at.astimezone(zone), now)
                )
                if group != shown_group:
                    st.caption(tr("chat.group_pinned" if group == PINNED else DATE_GROUP_KEY(group)))
                    shown_group = group
                if conversation.id == open_id:
                    _conversation_actions(store, user, conversation)
                else:
                    st.button(
                        conversation.title,
                        key=OPEN(conversation.id).key,
                        use_container_width=True,
                        icon=":material/keep:" if conversation.pinned_at else None,
                        type="tertiary",
                        on_click=_open_from_sidebar,
                        args=(store, user, conversation.id),
                    )
        _more_conversations(hidden)


def _open_from_sidebar(store: Store, user: str, conversation_id: int | None) -> None:
    """A new chat or a listed conversation: opened, and on a phone the sidebar folds over it."""
    set_open_conversation(store, user, conversation_id)
    fold_sidebar_on_phone()


DATE_GROUP_KEY = key_family("chat.group", chat.DATE_GROUPS)
PINNED = "pinned"
# The list reads down the left edge, as a list does (Streamlit centres a button's label), and a
# long title ends in "…" on one line, in the list and in the page's header (`title_heading`).
_LIST_STYLE = """<style>
.st-key-chat_list button { justify-content: flex-start; text-align: left; }
.st-key-chat_list button p { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.st-key-chat_list button > div { min-width: 0; justify-content: flex-start; }
.stMain [data-testid="stHeadingWithActionElements"] h3 { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style>"""


def _more_conversations(hidden: int) -> None:
    """The list shows the most recent; the rest a page at a time (every button is drawn, and
    sent to the browser, on every run of the Chat page)."""
    if hidden > 0:
        st.button(
            tr("chat.more_conversations", count=min(hidden, LIST_PAGE)),
            icon=":material/expand_more:",
            type="tertiary",
            key=MORE_CONVERSATIONS.key,
            on_click=_show_more_conversations,
        )


def _show_more_conversations() -> None:
    state.of(OpenConversation).list_size += LIST_PAGE


def _conversation_actions(store: Store, user: str, conversation: Conversation) -> None:
    pinned, actions = conversation.pinned_at is not None, state.of(MessageActions)
    with st.popover(
        conversation.title, icon=":material/keep:" if pinned else ":material/chat_bubble:", use_container_width=True
    ):
        st.button(
            tr("chat.unpin" if pinned else "chat.pin"),
            icon=":material/keep_off:" if pinned else ":material/keep:",
            key=PIN(conversation.id).key,
            help=None if pinned else tr("chat.pin_help"),
            use_container_width=True,
            on_click=_pin,
            args=(store, user, conversation.id, not pinned),
        )
        title = st.text_input(tr("chat.rename"), value=conversation.title, key=TITLE(conversation.id).key)
        save_col, delete_col = st.columns(2)
        if save_col.button(
            tr("chat.save"), icon=":material/save:", key=RENAME(conversation.id).key, disabled=not title.strip()
        ):
            store.rename_conversation(user, conversation.id, title.strip())
            st.rerun()
        delete_col.button(
            tr("chat.delete"),
            icon=":material/delete:",
            key=DELETE(conversation.id).key,
            on_click=setattr,
            args=(actions, "delete_asked", conversation.id),
        )
        if actions.delete_asked == conversation.id:
            _confirm_delete(store, user, conversation)


def _pin(store: Store, user: str, conversation_id: int, pinned: bool) -> None:
    store.pin_conversation(user, conversation_id, pinned)


def _confirm_delete(store: Store, user: str, conversation: Conversation) -> None:
    """A deleted conversation cannot come back: one click more, saying what goes."""
    st.warning(
        tr(
            "chat.delete_confirm",
            title=markdown_literal(conversation.title),
            count=store.count_messages(user, conversation.id),
        ),
        icon=":material/delete_forever:",
    )
    row, actions = st.container(horizontal=True, gap="small"), state.of(MessageActions)
    if row.button(
        tr("chat.delete_for_good"),
        icon=":material/delete_forever:",
        type="primary",
        key=DELETE_CONFIRM(conversation.id).key,
    ):
        actions.delete_asked = None
        store.delete_conversation(user, conversation.id)
        set_open_conversation(store, user, None)
        toast_after_rerun(tr("chat.deleted", title=conversation.title), ":material/delete:")
        st.rerun()
    row.button(
        tr("chat.cancel_send"),
        icon=":material/close:",
        key=DELETE_CANCEL(conversation.id).key,
        on_click=setattr,
        args=(actions, "delete_asked", None),
    )
