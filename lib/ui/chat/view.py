"""The Chat page's open conversation and its settings, the models to pick from, and the parts
of a message more than one place draws (its figures, why a reply ended early, its images).

The sidebar's list is lib/ui/chat/conversations.py; the history lib/ui/chat/history.py, a message's
actions lib/ui/chat/actions.py and a comparison lib/ui/chat/comparison.py. Sending lives in
lib/ui/chat/send.py, streaming in lib/ui/chat/stream.py; View code, export and import in
lib/ui/chat/exports.py. What the page remembers is lib/ui/state/chat.py.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from lib import chat, errors
from lib.chat import attached_images
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.media.upload_checks import display_name
from lib.safe_text import markdown_literal
from lib.sharing.shares import metrics_line
from lib.store import Conversation, Store
from lib.store.ledger import INTERRUPTED
from lib.ui import state
from lib.ui.connection import get_client
from lib.ui.error_text import explain, recorded_error_text
from lib.ui.media.fetched import fetch_media
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr
from lib.ui.state import Widget, WidgetFamily
from lib.ui.state.chat import RETRY_REPLY, OpenConversation, SettingsInUse
from lib.ui.state.send import Edit, SendRequests
from lib.ui.store_status import remember_setting

OPEN_SETTING = "chat.open_conversation"
THUMB_WIDTH = 160


def open_conversation_id(store: Store, user: str) -> int | None:
    """The open conversation: this session's choice, else the one the user had open last time."""
    opened = state.of(OpenConversation)
    if not opened.chosen:
        saved = store.get_setting(user, OPEN_SETTING)
        opened.conversation_id = saved if saved and store.get_conversation(user, saved) else None
        opened.chosen = True
    return opened.conversation_id


def conversation_settings(store: Store, user: str) -> tuple[Conversation | None, dict[str, Any]]:
    """The open conversation (None for a new chat) and its settings, kept in this session from
    the first run that opened it (saved with the conversation when they change)."""
    conv_id = open_conversation_id(store, user)
    conversation = store.get_conversation(user, conv_id) if conv_id else None
    kept = state.of(SettingsInUse).by_conversation
    if conv_id not in kept:
        kept[conv_id] = dict(chat.merged_settings(conversation.settings if conversation else None))
    return conversation, kept[conv_id]


def tools_of_open_conversation() -> list[dict[str, Any]]:
    settings = state.of(SettingsInUse).by_conversation.get(state.of(OpenConversation).conversation_id, {})
    return settings.get("tools") or []


def set_open_conversation(store: Store, user: str, conversation_id: int | None) -> None:
    """Open it in this session, and remember it for the next one."""
    opened = state.of(OpenConversation)
    opened.conversation_id, opened.chosen, opened.window = conversation_id, True, chat.HISTORY_PAGE
    remember_setting(store, user, OPEN_SETTING, conversation_id)


@st.cache_data(ttl=600, show_spinner=False)
def _cached_model_ids(base_url: str, key_fingerprint: str, _client: ReshiClient) -> list[str]:
    return sorted(m.id for m in _client.models.list() if m.is_chat)


def model_ids(client: ReshiClient) -> list[str]:
    """Chat models from /models, cached per base URL and key; the default model when it fails."""
    try:
        return _cached_model_ids(client.base_url, client.key_fingerprint, client) or [chat.DEFAULT_MODEL]
    except errors.ReshiError as exc:
        st.warning(tr("chat.models_failed", reason=explain(exc, current_lang())), icon=":material/warning:")
        return [chat.DEFAULT_MODEL]


def refresh_models() -> None:
    _cached_model_ids.clear()


def keep_settings(conversation_id: int | None, settings: dict[str, Any]) -> None:
    """These settings are the conversation's in this session (None: the next new chat's)."""
    state.of(SettingsInUse).by_conversation[conversation_id] = settings


def meta_line(meta: dict[str, Any], *, with_model: bool = True) -> str:
    return metrics_line(meta, current_lang(), with_model=with_model)


# ---------------------------------------------------------------- what the next send does


def request_retry(replace: list[int], keep: int | None = None) -> None:
    """Ask the page to send the replies again, the listed messages removed first; the answers of
    the reply `keep` stay as versions of the new one."""
    state.of(SendRequests).ask_retry(replace, keep)


def request_continue(message_id: int) -> None:
    """The cut reply is extended in place by the run the click starts."""
    state.of(SendRequests).continuing = message_id


def request_edit(message_id: int, text: str, replacing: int) -> None:
    """Recorded only: the page applies it after any reply still streaming has been saved.
    `replacing`: how many messages the user was told it replaces (lib/ui/chat/send.py's check)."""
    state.of(SendRequests).edit = Edit(message_id, text, replacing)


def edited_question() -> int | None:
    """The question an edit waiting to be sent forks the conversation at."""
    edit = state.of(SendRequests).edit
    return edit.question_id if edit else None


# ---------------------------------------------------------------- the header


def title_heading(container: Any, title: str) -> None:
    """The conversation's title on one line beside the header's buttons, cut with "…" when
    long (it wrapped to three lines at 1400 px); the whole title is its tooltip."""
    container.subheader(title, help=title if len(title) > 30 else None, anchor=False)


def system_prompt_strip(settings: dict[str, Any], widget: str) -> None:
    """The system prompt in force, above the conversation (it was visible only inside
    Settings), with a popover to edit it there; both editors write the same setting, and each
    redraws from it when the other changed it."""
    if not settings["system"].strip():
        return
    row = st.container(horizontal=True, vertical_alignment="center", gap="small", key="chat_system_strip")
    first = " ".join(settings["system"].split())
    row.caption(
        ":material/psychology: "
        + tr("chat.system_active", prompt=markdown_literal(first[:140] + ("…" if len(first) > 140 else ""))),
        width="stretch",
    )
    with row.popover(tr("chat.system_edit"), icon=":material/edit:", type="tertiary"):
        widgets = WidgetFamily[str](widget)
        here, there = widgets("system_strip"), widgets("system")
        st.text_area(
            tr("chat.system_prompt"),
            value=settings["system"],
            key=here.key,
            height=160,
            on_change=system_edited,
            args=(settings, here, there),
        )


def system_edited(settings: dict[str, Any], changed: Widget[str], other: Widget[str]) -> None:
    settings["system"] = changed.value()
    other.forget()


# ---------------------------------------------------------------- a reply's notes


FINISH_KEY = key_family("chat.finish", chat.UNFINISHED_REASONS)


def failure_text(meta: dict) -> str:
    """A failed reply's error, in the user's language, with the server's own words if it sent any."""
    return recorded_error_text(meta.get("error", "error"), meta.get("server_message", ""), current_lang())


def failed_reply(meta: dict, message_id: int, is_last: bool) -> None:
    """A turn whose reply failed keeps its error here, in place; only the last can be retried."""
    st.error(failure_text(meta), icon=":material/error:")
    if is_last:
        _retry_button(message_id)


def _retry_button(message_id: int) -> None:
    """Send the reply again; it is kept as a version of the new one (callbacks run before the
    page, so the run the click starts already sends)."""
    st.button(
        tr("chat.retry"),
        icon=":material/replay:",
        key=RETRY_REPLY(message_id).key,
        on_click=request_retry,
        args=([message_id],),
        kwargs={"keep": message_id},
    )


def reply_notes(meta: dict, message_id: int, is_last: bool, compact: bool = False) -> None:
    """Why a reply ended early, when it did (`compact`: in a comparison's narrow column)."""
    reason = meta.get("finish_reason")
    if meta.get("stopped"):
        st.caption(tr("chat.stopped_note"))
    elif meta.get(INTERRUPTED):  # the server stopped while it streamed (lib/chat/reply_saving.py)
        st.warning(tr("store.reply_interrupted"), icon=":material/power_off:")
        if is_last:
            _retry_button(message_id)
    elif meta.get("incomplete"):
        st.warning(tr("chat.incomplete_short" if compact else "chat.incomplete"), icon=":material/content_cut:")
        if is_last:
            _retry_button(message_id)
    elif reason in chat.UNFINISHED_REASONS:
        st.warning(tr(FINISH_KEY(reason)), icon=":material/short_text:")


def continues(meta: dict) -> bool:
    return bool(meta.get("stopped") or meta.get(INTERRUPTED)) or meta.get("finish_reason") in chat.UNFINISHED_REASONS


# ---------------------------------------------------------------- attachments


def attachment_strip(store: Store, user: str, client: ReshiClient | None, attachments: list[dict]) -> None:
    """Thumbnails of a message's images; an upload past its expiry says so instead."""
    now = datetime.now(UTC)
    for column, attachment in zip(st.columns(max(len(attachments), 4)), attachments):
        name = display_name(str(attachment.get("name") or ""))
        image = (
            None if not attached_images.is_available(attachment, now) else _image_bytes(store, user, client, attachment)
        )
        if image:
            column.image(image, caption=name, width=THUMB_WIDTH)
        else:
            column.caption(f":material/hide_image: {markdown_literal(name)} · {tr('chat.image_expired')}")


def attachment_image(attachment: dict) -> bytes | None:
    """An attachment's image at its best, for a copy (a share): inline, the upload itself while
    the provider keeps it, else its thumbnail; None when none is left."""
    if attached_images.is_available(attachment, datetime.now(UTC)) and attachment.get("url"):
        full = fetch_media(get_client(), attachment["url"], "image")
        if full:
            return full
    return _image_bytes(get_store(), current_user(), None, attachment)


def _image_bytes(store: Store, user: str, client: ReshiClient | None, attachment: dict) -> bytes | None:
    if attachment.get("data_url"):
        return base64.b64decode(attachment["data_url"].partition(",")[2])
    upload = store.get_upload(user, attachment["upload_id"]) if attachment.get("upload_id") else None
    if upload is not None and upload.thumbnail:
        return upload.thumbnail
    return fetch_media(client, attachment["url"], "image") if client else None
