"""Replies on the Chat page: the requests for what lib/ui/chat/send.py stored (one model, 2-3
side by side, a chain's next step, a cut reply continued), the replies a previous run left
streaming, and what View code shows of the calls. lib/ui/chat/live.py draws them as they arrive
and saves them as they go.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from lib import chat
from lib.chat import tools
from lib.client import ChatStream, ReshiClient
from lib.credits.pricing import CHAT, COMPARE
from lib.prompts import templating
from lib.store import Message, Store
from lib.ui import state
from lib.ui.chat.history import render_history
from lib.ui.chat.live import stream_replies
from lib.ui.chat.send import Outgoing
from lib.ui.chat.tool_calls import answered_by_mocks
from lib.ui.credits.budget import banner_out_of_date
from lib.ui.session import tr
from lib.ui.sharing.votes import blind_slots_for
from lib.ui.state.chat import OpenConversation
from lib.ui.state.send import LiveReply, Replies


def _keep_earlier_answers(store: Store, user: str, conversation_id: int, question_id: int, earlier: list[dict]) -> None:
    """The new answer is shown with the earlier ones behind ‹ ›; when none came (stopped at once),
    the last earlier one is back: regenerating never loses an answer."""
    last = store.list_messages(user, conversation_id, limit=1)[-1]
    if last.id > question_id:
        store.update_message(user, last.id, *chat.with_new_version(earlier, last.content, last.meta))
    else:
        store.add_message(user, conversation_id, "assistant", *chat.showing(earlier, len(earlier) - 1))


def settle_live_reply(wait_seconds: float = 5.0) -> None:
    """Stop the replies a previous run was streaming (their calls are recorded as stopped and
    their connections closed) and wait until what arrived of them is saved."""
    live = state.of(Replies).take_live()
    if live is None:
        return
    for stream in live.streams:
        stream.close()
    live.saved.wait(wait_seconds)


def finish_sending(store: Store, user: str, client: ReshiClient, settings: dict, outgoing: Outgoing | None) -> None:
    """The replies to what `start_sending` stored: streamed into a slot, which then shows them
    as the history does, with their actions (no second run of the page to draw them)."""
    if outgoing is None:
        return
    outgoing.apply(store, user)
    slot = st.empty()
    with slot.container():
        if outgoing.continuing:
            question_id, count = continue_reply(
                store, user, client, outgoing.conversation_id, settings, outgoing.continuing
            )
        else:
            question_id, count = send_replies(store, user, client, outgoing.conversation_id, settings, outgoing.earlier)
        step = 0
        while results := answered_by_mocks(store, user, outgoing.conversation_id, settings):  # a chain, step by step
            step += 1
            count += results + send_replies(store, user, client, outgoing.conversation_id, settings, [], step)[1]
    replies = [m for m in store.list_messages(user, outgoing.conversation_id, limit=count) if m.id > question_id]
    with slot.container():
        render_history(store, user, client, replies, before=_turn_before(store, user, replies, question_id))
    if outgoing.conversation_id not in state.of(OpenConversation).listed or banner_out_of_date():
        # A new conversation gets its title and its place in the sidebar; a limit neared or reached
        # gets its banner. (A listed one keeps its place until the next run of the whole page.)
        st.rerun()


def _turn_before(store: Store, user: str, replies: list[Message], question_id: int) -> list[Message]:
    """A comparison's turn on the page before these replies (its chains' earlier steps): the
    columns a later step is laid out in, and where a blind vote goes, depend on them."""
    if not any("compare_group" in (m.meta or {}) for m in replies):
        return []
    earlier = [m for m in store.list_messages(user, replies[0].conversation_id) if m.id <= question_id]
    return tools.after_last_question(earlier)


def send_replies(
    store: Store,
    user: str,
    client: ReshiClient,
    conversation_id: int,
    settings: dict,
    earlier: list[dict],
    step: int = 0,
) -> tuple[int, int]:
    """Replies to the conversation's last user message: side by side when comparing, else one
    (which keeps the `earlier` answers to that message as its versions). Returns that message's
    id and how many replies were asked for."""
    history = store.list_messages(user, conversation_id)
    models = chat.compare_models(settings)
    params = chat.request_params(settings)
    requests = _requests(settings, history)
    columns = tools.continuing_columns(history, len(requests))  # after tool results: the chains that go on
    if not columns:
        return history[-1].id, 0
    origin = COMPARE if models else CHAT  # the ledger tells a comparison from a chat
    streams = [client.chat.stream(*requests[column], origin=origin, **params) for column in columns]
    live = state.of(Replies).live = LiveReply(streams)
    slots = blind_slots_for(history, columns, len(streams)) if models and settings.get("blind") else None

    def after() -> None:
        if earlier and not models:  # before `saved`: the next run must see the versions
            _keep_earlier_answers(store, user, conversation_id, history[-1].id, earlier)
        live.saved.set()

    try:
        stream_replies(
            store,
            user,
            conversation_id,
            history[-1].id if models else None,
            streams,
            slots,
            step=step,
            columns=columns,
            after=after,
        )
    finally:
        _remember_calls(conversation_id, client.base_url, streams)
    return history[-1].id, len(streams)


def continue_reply(
    store: Store, user: str, client: ReshiClient, conversation_id: int, settings: dict, reply_id: int
) -> tuple[int, int]:
    """The last reply, cut short or stopped, goes on where it ended: the model gets the
    conversation with that reply and an instruction to continue, which is not kept, and what it
    says is added to the same message, drawn in its place. Returns what `send_replies` does."""
    history = store.list_messages(user, conversation_id)
    reply = history[-1] if history and history[-1].id == reply_id and history[-1].role == "assistant" else None
    if reply is None:  # no longer the last reply (another tab went on): nothing to extend
        return reply_id - 1, 1
    system = templating.fill(settings["system"], settings["variables"])
    messages = [*chat.api_messages(system, history), {"role": "user", "content": tr("chat.continue_prompt")}]
    stream = client.chat.stream(
        (reply.meta or {}).get("model") or settings["model"], messages, **chat.request_params(settings)
    )
    live = state.of(Replies).live = LiveReply([stream])
    try:
        stream_replies(store, user, conversation_id, None, [stream], extending=reply, after=live.saved.set)
    finally:
        _remember_calls(conversation_id, client.base_url, [stream])
    return reply_id - 1, 1


def _requests(settings: dict, history: list[Message]) -> list[tuple[str, list[dict]]]:
    """(model, messages) of each reply a send asks for, after `history`."""
    system = templating.fill(settings["system"], settings["variables"])
    return [
        (model, chat.api_messages(system, history, column=i)) for i, model in enumerate(chat.reply_models(settings))
    ]


def planned_calls(client: ReshiClient, settings: dict, history: list[Message], next_message: str) -> list[dict]:
    """What View code shows for a conversation this session has not sent in (reopened after a
    reload, a new tab or a restart): the requests its next message would make, built from the
    stored history with `next_message` standing for the text not typed yet; no events."""
    last_id = history[-1].id if history else 0
    following = [*history, Message(last_id + 1, 0, "", "user", next_message, {}, datetime.now(UTC))]
    params = chat.request_params(settings)
    return [
        {
            "model": model,
            "body": client.chat.stream_body(model, messages, **params),
            "events": None,
            "done": False,
            "text": "",
            "base_url": client.base_url,
        }
        for model, messages in _requests(settings, following)
    ]


def _remember_calls(conversation_id: int, base_url: str, streams: list[ChatStream]) -> None:
    """What View code shows for this conversation: each request as sent, and the events that
    came back. Kept per conversation, so a new chat never shows another chat's request."""
    state.of(Replies).last_calls[conversation_id] = [
        {
            "model": s.model,
            "body": s.request_body,
            "events": list(s.events),
            "done": s.done,
            "text": s.text,
            "base_url": base_url,
        }
        for s in streams
    ]
