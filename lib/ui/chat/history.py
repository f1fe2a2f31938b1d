"""The Chat page's history: its messages drawn (a question folded when long, a reply's versions,
its tool calls, its notes and actions), the window of the last ones with "Show earlier", and the
split between the page's run and the conversation part's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from lib import chat
from lib.chat.tools import open_reply_ids
from lib.client import ReshiClient
from lib.prompts import templating
from lib.safe_text import markdown_literal
from lib.sharing import votes
from lib.store import Conversation, Message, Store
from lib.ui import state
from lib.ui.chat.actions import message_actions
from lib.ui.chat.comparison import render_comparison
from lib.ui.chat.model_features import reply_body, thinking_block
from lib.ui.chat.tool_calls import call_cards, results_of
from lib.ui.chat.view import (
    attachment_strip,
    edited_question,
    failed_reply,
    meta_line,
    reply_notes,
    request_retry,
    tools_of_open_conversation,
)
from lib.ui.session import tr
from lib.ui.state.chat import BODY, SHOW_EARLIER, VERSION_NEXT, VERSION_PREV, MessageActions, OpenConversation


def render_history(
    store: Store,
    user: str,
    client: ReshiClient,
    history: list[Message],
    coming: int = 0,
    before: Sequence[Message] = (),
    after: Sequence[Message] = (),
) -> None:
    """Every message with its actions. Any question can be edited and sent again: the
    conversation forks there, the messages after it replaced by the new replies (`coming`:
    replies this run is about to stream, drawn after these). `before`: the messages of the
    turn already on the page (a chain's earlier steps), not drawn, but read for the calls'
    results and for whether the turn's chains go on. `after`: the messages drawn below these
    by another part of the page (none of these is then the last)."""
    actions = state.of(MessageActions)
    forked, actions.forked = actions.forked, None
    if forked:  # a new conversation: its title and place in the sidebar need the whole page
        st.toast(tr("chat.forked", title=forked), icon=":material/call_split:")
        st.rerun()
    groups = chat.group_turns([m for m in history if m.role != "tool"])  # results are drawn in their calls' cards
    known = [*before, *history, *after]
    every_group = chat.group_turns([m for m in known if m.role != "tool"])
    skipped = len(every_group) - len(groups)  # the groups of `before`
    results, open_ids = results_of(known), open_reply_ids(known, sending=bool(coming))
    for position, group in enumerate(groups):
        is_last = position == len(groups) - 1 and not after
        if "compare_group" in (group[0].meta or {}):
            turn = votes.turn_comparisons(every_group, skipped + position)
            going_on = (coming and all(g[0].role != "user" for g in groups[position:])) or any(
                m.id in open_ids for step in turn for m in step
            )
            # (replies `coming` in this run are drawn after it: it is no longer the last, e.g. a chain's step)
            render_comparison(
                store,
                user,
                group,
                is_last=is_last and not coming,
                calls=(results, open_ids),
                turn=turn,
                turn_going_on=bool(going_on),
            )
        else:
            message = group[0]
            render_message(
                store, user, client, message, is_last=is_last, results=results, open_calls=message.id in open_ids
            )


# The page's whole run draws the history up to the last question (`earlier_history`), which no
# message sent from the chat input changes, and the conversation part, which a message reruns
# alone, draws from there on (`recent_history`): a message redraws the turns since the page's
# last run, not the whole window, so its cost does not grow with the conversation (issue 30).
# Everything that depends on the last message (Regenerate, Continue, Retry, open tool calls, a
# turn's vote) is in the last turn, drawn by the conversation part.
RECENT_LIMIT = 20  # messages the conversation part draws before a run of the whole page takes them over


def earlier_history(store: Store, user: str, client: ReshiClient, conversation: Conversation | None) -> None:
    """In a run of the whole page: "Show earlier", and the window's messages before its last
    question (before a question being edited, when one is: the messages from it on change)."""
    opened = state.of(OpenConversation)
    if conversation is None:
        opened.page_drew = (None, 0)
        return
    window = opened.window
    history = store.list_messages(user, conversation.id, limit=window)
    _show_earlier(store, user, conversation.id, window)
    edited = edited_question()
    split = min(
        max((i for i, m in enumerate(history) if m.role == "user"), default=0),
        next((i for i, m in enumerate(history) if m.id == edited), len(history)),
    )
    opened.page_drew = (conversation.id, history[split].id if split < len(history) else 0)
    render_history(store, user, client, history[:split], after=history[split:])


def recent_history(store: Store, user: str, conversation_id: int | None) -> tuple[list[Message], bool]:
    """In the conversation part: the messages from where the page's run left off (the whole
    window when that run drew another conversation: a new one, created by this part's run), and
    whether the conversation has none at all."""
    if conversation_id is None:
        return [], True
    opened = state.of(OpenConversation)
    drawn_for, since = opened.page_drew
    if drawn_for == conversation_id:
        recent = store.list_messages(user, conversation_id, since=since)
        return recent, not recent and store.count_messages(user, conversation_id) == 0
    window = opened.window
    _show_earlier(store, user, conversation_id, window)
    recent = store.list_messages(user, conversation_id, limit=window)
    return recent, not recent


def _show_earlier(store: Store, user: str, conversation_id: int, window: int) -> None:
    total = store.count_messages(user, conversation_id)
    if total > window:
        st.button(
            tr("chat.show_earlier", count=total - window),
            icon=":material/expand_less:",
            key=SHOW_EARLIER.key,
            on_click=setattr,
            args=(state.of(OpenConversation), "window", window + chat.HISTORY_PAGE),
        )


def render_message(
    store: Store,
    user: str,
    client: ReshiClient,
    message: Message,
    *,
    is_last: bool,
    results: dict[str, Message] | None = None,
    open_calls: bool = False,
) -> None:
    """One stored message. Model text is Markdown with HTML off: tags show as text. A reply's
    tool calls are cards, with their `results` (the last reply's still open to answer)."""
    meta = message.meta or {}
    with st.chat_message(message.role):
        if len(meta.get("versions") or []) > 1:
            _version_switcher(store, user, message)
        if meta.get("failed"):
            failed_reply(meta, message.id, is_last)
            return
        thinking_block(meta.get("thinking") or "", meta.get("thinking_seconds"))
        if message.role == "user" and chat.is_long(message.content):
            _folded(message)
        else:
            reply_body(message.content, meta, key=BODY(message.id).key)
        if meta.get("attachments"):
            attachment_strip(store, user, client, meta["attachments"])
        if meta.get("variables"):
            st.caption(
                ":material/data_object: "
                + tr("chat.variables_used", values=markdown_literal(templating.variables_line(meta["variables"])))
            )
        if meta.get("tool_calls"):
            call_cards(store, user, message, tools_of_open_conversation(), results or {}, open_calls, request_retry)
        if message.role == "assistant":
            st.caption(meta_line(meta))
            reply_notes(meta, message.id, is_last)
        message_actions(store, user, message, is_last)


def _folded(message: Message) -> None:
    """A long question (a pasted document) folded under its first line, so the replies around
    it stay in reach; one click shows it whole."""
    first = next((line.strip() for line in message.content.splitlines() if line.strip()), "")
    label = tr(
        "chat.long_message",
        start=markdown_literal(first[:80] + ("…" if len(first) > 80 else "")),
        lines=len(message.content.splitlines()),
    )
    with st.expander(label, expanded=False, icon=":material/article:"):
        st.markdown(message.content)


def _version_switcher(store: Store, user: str, message: Message) -> None:
    """‹ 2/3 ›: the answers this reply had before it was regenerated, one shown at a time."""
    versions, shown = message.meta["versions"], message.meta.get("version", 0)
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    switch = dict(store=store, user=user, message_id=message.id, versions=versions)
    row.button(
        "",
        icon=":material/chevron_left:",
        type="tertiary",
        key=VERSION_PREV(message.id).key,
        help=tr("chat.version_prev"),
        disabled=shown == 0,
        on_click=_show_version,
        kwargs={**switch, "index": shown - 1},
    )
    row.caption(tr("chat.version_of", number=shown + 1, count=len(versions)))
    row.button(
        "",
        icon=":material/chevron_right:",
        type="tertiary",
        key=VERSION_NEXT(message.id).key,
        help=tr("chat.version_next"),
        disabled=shown == len(versions) - 1,
        on_click=_show_version,
        kwargs={**switch, "index": shown + 1},
    )


def _show_version(store: Store, user: str, message_id: int, versions: list[dict[str, Any]], index: int) -> None:
    store.update_message(user, message_id, *chat.showing(versions, index))
