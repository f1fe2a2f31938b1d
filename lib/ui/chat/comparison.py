"""A comparison on the Chat page: its replies side by side (a blind one in its shuffled order,
names hidden until the vote), each column's chain at its step, Keep, and the turn's vote."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib.chat import compare
from lib.safe_text import markdown_literal
from lib.store import Message, Store
from lib.ui import state
from lib.ui.chat.model_features import reply_body, thinking_block
from lib.ui.chat.tool_calls import call_cards
from lib.ui.chat.view import failure_text, meta_line, reply_notes, request_retry, tools_of_open_conversation
from lib.ui.session import tr
from lib.ui.sharing import votes
from lib.ui.state.chat import BODY, KEEP_ANSWER, REGENERATE, OpenConversation


def render_comparison(
    store: Store,
    user: str,
    group: list[Message],
    *,
    is_last: bool,
    calls: tuple[dict[str, Message], set[int]] = ({}, set()),
    turn: Sequence[list[Message]] = (),
    turn_going_on: bool = False,
) -> None:
    """Side by side; a blind comparison in its shuffled order, names hidden until the vote.
    `calls`: the tool results, and the replies whose calls are still open (each column its chain).
    `turn`: the comparison groups answering the same question (a chain's steps), voted on once
    under the last, when no chain of it goes on."""
    turn = turn or [group]
    shown = _in_turn_columns(votes.shown_order(group), votes.shown_order(turn[0]))
    with st.chat_message("assistant"):
        for number, (column, message) in enumerate(zip(st.columns(len(shown), border=True), shown)):
            with column:
                if message is None:  # this column's chain is not at this step
                    st.caption(tr("tools.column_not_here"))
                    continue
                _comparison_column(store, user, group, message, votes.column_heading(message, number, group), calls)
        turn_ends_here = turn[-1][0].id == group[0].id
        if turn_ends_here and votes.hidden(group) and not turn_going_on:
            votes.vote_buttons(
                store, user, votes.shown_order(turn[0]), revealing=[m.id for step in turn[1:] for m in step]
            )
        elif turn_ends_here and votes.is_blind(group) and not votes.hidden(group):
            votes.verdict_note(votes.shown_order(turn[0]))
        if is_last:
            st.button(
                tr("chat.regenerate"),
                icon=":material/autorenew:",
                type="tertiary",
                key=REGENERATE(group[0].id).key,
                on_click=request_retry,
                args=([m.id for m in group],),
            )


def _in_turn_columns(shown: list[Message], first: list[Message]) -> Sequence[Message | None]:
    """A chain's later step where only some columns went on: each reply in its column's place
    (the turn's first step has them all), None where a column has nothing at this step."""
    if len(shown) >= len(first):
        return shown
    place = {_column_of(m): m for m in shown}
    return [place.get(_column_of(m)) for m in first]


def _column_of(message: Message) -> int:
    return int((message.meta or {}).get("column", 0))


def _comparison_column(
    store: Store,
    user: str,
    group: list[Message],
    message: Message,
    heading: str,
    calls: tuple[dict[str, Message], set[int]],
) -> None:
    meta = message.meta or {}
    st.markdown(f"**{markdown_literal(heading)}**")
    if meta.get("failed"):
        st.error(failure_text(meta), icon=":material/error:")
        return
    if not votes.hidden(group):  # a thinking block would tell a reasoning model before the vote
        thinking_block(meta.get("thinking") or "", meta.get("thinking_seconds"))
    reply_body(message.content, meta, key=BODY(message.id).key)
    if meta.get("tool_calls"):
        results, open_ids = calls
        call_cards(store, user, message, tools_of_open_conversation(), results, message.id in open_ids, request_retry)
    reply_notes(meta, message.id, is_last=False, compact=True)
    if votes.hidden(group):  # no price or figure may tell the models apart before the vote
        return
    st.caption(meta_line(meta, with_model=False))
    if st.button(
        tr("chat.keep"), icon=":material/check_circle:", key=KEEP_ANSWER(message.id).key, help=tr("chat.keep_help")
    ):
        kept = compare.keep_answer(store, user, group, message.id)
        state.of(OpenConversation).kept_model = (kept.meta or {}).get("model") if kept else None
        st.rerun()
