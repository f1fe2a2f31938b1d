"""A message's actions on the Chat page: Copy (as Markdown), Fork (a new conversation up to
it), thumbs, Regenerate and Continue (the last reply), and Edit (a question's dialog, whose
sending forks the conversation there)."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from lib.chat import transcripts
from lib.credits.pricing import CHAT
from lib.prompts.limits import prompt_problem
from lib.store import Message, Store
from lib.ui import state
from lib.ui.chat.view import continues, request_continue, request_edit, request_retry, set_open_conversation
from lib.ui.session import tr
from lib.ui.sharing import votes
from lib.ui.state.chat import (
    CONTINUE_REPLY,
    COPY,
    EDIT,
    EDIT_SEND,
    EDIT_TEXT,
    FORK,
    REGENERATE,
    MessageActions,
)


def message_actions(store: Store, user: str, message: Message, is_last: bool) -> None:
    row = st.container(horizontal=True, gap="small")
    row.button(
        tr("chat.copy"),
        icon=":material/content_copy:",
        type="tertiary",
        key=COPY(message.id).key,
        help=tr("chat.copy_help_markdown"),
        on_click=_ask_copy,
        args=(message.id,),
    )
    _copy_if_asked(message)
    row.button(
        tr("chat.fork"),
        icon=":material/call_split:",
        type="tertiary",
        key=FORK(message.id).key,
        help=tr("chat.fork_help"),
        on_click=_fork,
        args=(store, user, message),
    )
    if message.role == "assistant":
        votes.thumb_buttons(store, user, message, row)
    if is_last and message.role == "assistant":
        row.button(
            tr("chat.regenerate"),
            icon=":material/autorenew:",
            type="tertiary",
            key=REGENERATE(message.id).key,
            on_click=request_retry,
            args=([message.id],),
            kwargs={"keep": message.id},
        )
    if is_last and message.role == "assistant" and continues(message.meta or {}):
        row.button(
            tr("chat.continue"),
            icon=":material/resume:",
            type="tertiary",
            key=CONTINUE_REPLY(message.id).key,
            help=tr("chat.continue_help"),
            on_click=request_continue,
            args=(message.id,),
        )
    if message.role == "user":
        _edit_button(store, user, message, row)


def _fork(store: Store, user: str, message: Message) -> None:
    """A new conversation from the start up to this message, opened (the original stays)."""
    original = store.get_conversation(user, message.conversation_id)
    fork = (
        transcripts.fork_at(store, user, original, message.id, tr("chat.fork_title", title=original.title))
        if original
        else None
    )
    if fork is not None:
        set_open_conversation(store, user, fork.id)
        state.of(MessageActions).forked = fork.title  # the part that ran the click runs the whole page


def _ask_copy(message_id: int) -> None:
    actions = state.of(MessageActions)
    actions.copy_asked, actions.copies = message_id, actions.copies + 1


# Streamlit has no clipboard API: a script in the page writes it, in the run that follows the
# click (Chromium lets a focused page write without a fresh gesture). The old way, a textarea and
# execCommand, covers pages served over plain http, where navigator.clipboard does not exist.
_COPY_SCRIPT = """<script>/* copy {count} */
(async (text) => {{
  try {{ await navigator.clipboard.writeText(text); }} catch (error) {{
    const area = document.createElement("textarea");
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand("copy"); area.remove();
  }}
}})({text});
</script>"""


def _copy_if_asked(message: Message) -> None:
    """Copy the message as Markdown if its Copy was just clicked. The count makes each copy's
    script new, so a second click on the same message runs it again."""
    actions = state.of(MessageActions)
    if actions.copy_asked != message.id:
        return
    actions.copy_asked = None  # copied once; the count stays, for the next one
    text = json.dumps(message.content).replace("<", "\\u003c")  # no "</script>" can end the script early
    st.html(_COPY_SCRIPT.format(count=actions.copies, text=text), unsafe_allow_javascript=True)
    st.toast(tr("chat.copied"), icon=":material/content_copy:")


def _edit_button(store: Store, user: str, message: Message, row: Any) -> None:
    """Edit opens a dialog, drawn by the run the click starts: what sending replaces is counted
    then (the history above the last question is drawn once per run of the whole page, and the
    conversation may have gone on since), and the page does not carry an editor for every question."""
    actions = state.of(MessageActions)
    row.button(
        tr("chat.edit"),
        icon=":material/edit:",
        type="tertiary",
        key=EDIT(message.id).key,
        on_click=setattr,
        args=(actions, "editing", message.id),
    )
    if actions.editing == message.id:
        actions.editing = None
        st.dialog(tr("chat.edit"), width="large")(_edit_body)(store, user, message)


def _edit_body(store: Store, user: str, message: Message) -> None:
    drafts = state.of(MessageActions).edit_draft
    draft = drafts.get(message.id, message.content)
    drafts.clear()
    text = st.text_area(tr("chat.edit_label"), value=draft, key=EDIT_TEXT(message.id).key, height=200)
    replacing = len(store.list_messages(user, message.conversation_id, since=message.id + 1))
    if replacing > 1:  # more than this question's own reply: say what the fork drops
        st.caption(tr("chat.edit_replaces", count=replacing))
    if st.button(
        tr("chat.edit_send"),
        icon=":material/send:",
        type="primary",
        key=EDIT_SEND(message.id).key,
        disabled=prompt_problem(CHAT, text) is not None,
        on_click=_ask_edit,
        args=(message.id, replacing),
    ):
        st.rerun()  # the dialog closes, and the page sends it


def reopen_edit(message_id: int, text: str) -> None:
    """The question's dialog opens again in the next run, with the text it was sent with."""
    actions = state.of(MessageActions)
    actions.editing, actions.edit_draft = message_id, {message_id: text}


def _ask_edit(message_id: int, replacing: int) -> None:
    """The dialog's text, to be sent by the page (`request_edit`)."""
    request_edit(message_id, EDIT_TEXT(message_id).value() or "", replacing)
