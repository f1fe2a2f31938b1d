"""What the Chat page remembers between runs: the open conversation and its list, each
conversation's settings as this session edits them, the flags of a message's actions (edit, copy,
fork, delete), and what the tool-call cards, the Tools dialog and import keep.

The send flow's own state (the waiting message, a retry, an edit to send) is lib/ui/state/send.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib import chat
from lib.chat.structured import Problem
from lib.ui.state import FeatureState, Widget, WidgetFamily

LIST_PAGE = 20  # conversations the sidebar lists, and how many more each "More" shows


@dataclass
class OpenConversation(FeatureState):
    """The conversation the page shows (None: a new chat) and the list beside it."""

    chosen: bool = False  # False until the first run reads the one the user had open last time
    conversation_id: int | None = None
    window: int = chat.HISTORY_PAGE  # how many of the conversation's last messages the page shows
    list_size: int = LIST_PAGE  # how many conversations the sidebar lists
    listed: list[int] = field(default_factory=list)  # the ids of the conversations the sidebar drew last
    # The whole page's run drew the history of this conversation up to this message id; the
    # conversation part draws from there on (lib/ui/chat/history.py).
    page_drew: tuple[int | None, int] = (None, 0)
    kept_model: str | None = None  # a comparison's column kept: the conversation goes on with its model


@dataclass
class SettingsInUse(FeatureState):
    """Each conversation's settings (lib/chat/__init__.py `merged_settings`) from the first run that opened
    it; None: a new chat's. Saved with the conversation when they change."""

    by_conversation: dict[int | None, dict[str, Any]] = field(default_factory=dict)


@dataclass
class MessageActions(FeatureState):
    """The flags a message's or a conversation's buttons leave for the run they start."""

    delete_asked: int | None = None  # the conversation whose Delete waits for its confirmation
    forked: str | None = None  # the title of the conversation a Fork just made
    copy_asked: int | None = None  # the message whose Copy was clicked, until it is copied
    copies: int = 0  # copies so far: each copy's script is new, so a second click runs it again
    editing: int | None = None  # the question whose Edit was clicked: its dialog opens
    edit_draft: dict[int, str] = field(default_factory=dict)  # the text its dialog opens with again


@dataclass
class ChatPanels(FeatureState):
    """What the page's panels keep: tool-call cards, the Tools dialog, the schema editor, import,
    and a prompt version on its way from the Prompts page."""

    missing_results: dict[int, list[str]] = field(default_factory=dict)  # reply id -> calls Continue found empty
    tools_import_note: tuple[bool, str] | None = None  # (imported, what to say) under the import box
    tools_import_text: dict[str, str] = field(default_factory=dict)  # editor -> the box's text while closed
    example_problems: dict[str, Problem | None] = field(default_factory=dict)  # example box -> why no schema
    import_adjusted: list[str] | None = None  # what an import had to leave out or clamp, said after its rerun
    import_done: tuple[str, str] | None = None  # (note, icon): the toast of the run after an import
    import_uploads: int = 0  # a new uploader per import: it starts empty
    prompt_opening: tuple[int, int] | None = None  # (prompt id, version number) sent to a new chat


def settings_widgets(conversation_id: int | None) -> WidgetFamily[Any]:
    """The settings widgets of a conversation (`chat_12_model`, `chat_new_compare_on`, ...)."""
    return WidgetFamily(f"chat_{conversation_id or 'new'}")


# The sidebar's list
NEW_CHAT: Widget[bool] = Widget("chat_new")
OPEN: WidgetFamily[bool] = WidgetFamily("chat_open")
PIN: WidgetFamily[bool] = WidgetFamily("chat_pin")
TITLE: WidgetFamily[str] = WidgetFamily("chat_title")
RENAME: WidgetFamily[bool] = WidgetFamily("chat_rename")
DELETE: WidgetFamily[bool] = WidgetFamily("chat_delete")
DELETE_CONFIRM: WidgetFamily[bool] = WidgetFamily("chat_delete_confirm")
DELETE_CANCEL: WidgetFamily[bool] = WidgetFamily("chat_delete_cancel")
MORE_CONVERSATIONS: Widget[bool] = Widget("chat_more_conversations")
# The history and a message's actions
SHOW_EARLIER: Widget[bool] = Widget("chat_show_earlier")
BODY: WidgetFamily[Any] = WidgetFamily("chat_body")
VERSION_PREV: WidgetFamily[bool] = WidgetFamily("chat_version_prev")
VERSION_NEXT: WidgetFamily[bool] = WidgetFamily("chat_version_next")
RETRY_REPLY: WidgetFamily[bool] = WidgetFamily("chat_retry")
RETRY_QUESTION: Widget[bool] = Widget("chat_retry_pending")
COPY: WidgetFamily[bool] = WidgetFamily("chat_copy")
FORK: WidgetFamily[bool] = WidgetFamily("chat_fork")
REGENERATE: WidgetFamily[bool] = WidgetFamily("chat_regenerate")
CONTINUE_REPLY: WidgetFamily[bool] = WidgetFamily("chat_continue")
EDIT: WidgetFamily[bool] = WidgetFamily("chat_edit")
EDIT_TEXT: WidgetFamily[str] = WidgetFamily("chat_edit_text")
EDIT_SEND: WidgetFamily[bool] = WidgetFamily("chat_edit_send")
KEEP_ANSWER: WidgetFamily[bool] = WidgetFamily("chat_keep")
# Tool calls
TOOLS_OPEN: Widget[bool] = Widget("chat_tools_open")
TOOL_RESULT: WidgetFamily[str] = WidgetFamily("chat_tool_result")  # per reply and call
TOOLS_CONTINUE: WidgetFamily[bool] = WidgetFamily("chat_tools_continue")
# The Prompts popover (a selectbox is keyed per language: it keeps the labels it was made with)
PROMPT_PICK: WidgetFamily[int] = WidgetFamily("chat_prompt_pick")
PROMPT_VERSION: WidgetFamily[int] = WidgetFamily("chat_prompt_version")  # per prompt
PROMPT_USE: Widget[bool] = Widget("chat_prompt_use")
PROMPT_MESSAGE: Widget[bool] = Widget("chat_prompt_message")
PROMPT_NOTE: Widget[str] = Widget("chat_prompt_note")
PROMPT_SAVE_VERSION: Widget[bool] = Widget("chat_prompt_save_v")
PROMPT_NAME: Widget[str] = Widget("chat_prompt_name")
# The header's tools
REFRESH_MODELS: Widget[bool] = Widget("chat_refresh_models")
VIEW_CODE: Widget[bool] = Widget("chat_view_code")
CODE_MODEL: Widget[str] = Widget("chat_code_model")
EXPORT_MARKDOWN: Widget[bool] = Widget("chat_export_md")
EXPORT_JSON: Widget[bool] = Widget("chat_export_json")
IMPORT_POPOVER: Widget[bool] = Widget("chat_import_popover")
IMPORT_FILE: WidgetFamily[Any] = WidgetFamily("chat_import_file")  # per import (`import_uploads`)
IMPORT_GO: Widget[bool] = Widget("chat_import_go")
