"""The replies on the Chat page as they arrive: drawn, saved as they go, and kept when stopped.

One model or 2-3 side by side go through lib/chat/compare.py, whose worker threads fill per-column
queues that this (script) thread drains into placeholders. The Stop button shown while replies
stream ends the script run; the `finally` blocks keep what arrived. lib/ui/chat/stream.py asks
for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

from lib import chat, errors
from lib.chat import compare
from lib.chat.reply_saving import ReplySaver
from lib.client import ChatStream
from lib.safe_text import images_as_links, markdown_literal
from lib.store import Message, Store
from lib.ui.chat.model_features import thinking_block
from lib.ui.chat.tool_calls import streaming_calls
from lib.ui.error_text import error_text
from lib.ui.session import current_lang, tr
from lib.ui.sharing.votes import blind_meta, blind_reply_boxes

_REDRAW_SECONDS = 0.05
_MIN_REDRAW_INTERVAL = 0.1


def stream_replies(
    store: Store,
    user: str,
    conversation_id: int,
    group_id: int | None,
    streams: list[ChatStream],
    blind_slots: list[int] | None = None,
    extending: Message | None = None,
    step: int = 0,
    columns: list[int] | None = None,
    after: Callable[[], None] = lambda: None,
) -> None:
    """One reply, or 2-3 side by side (`group_id`: the user message they answer), read in worker
    threads and redrawn together; whatever arrives is kept, also when the user stops them.
    A blind comparison (`blind_slots`: where each column is shown) streams as "Model A/B/C".
    `columns`: the comparison's columns the streams answer (after tool results, only those whose
    chain goes on), so each keeps its place.
    `extending`: the reply one stream continues, drawn before what arrives and saved with it.
    `after` runs once the replies are saved: at once, or when they end if the user went to
    another page meanwhile (they are finished unseen, `_finish_unseen`).

    Until the first words arrive, a spinner counts the seconds against the timeout.
    """
    extras = [
        {}
        if group_id is None
        else {**compare.column_meta(group_id, columns[index] if columns else index), **blind_meta(blind_slots, index)}
        for index in range(len(streams))
    ]
    # A continuation is written into its reply when it ends; new replies are saved as they arrive.
    saver = None if extending is not None else ReplySaver(store, user, conversation_id, streams, extras)
    parallel = compare.ParallelStreams(streams).start()
    leaving = False
    try:
        with st.chat_message("assistant"):
            stop = _stop_button(step)
            boxes = (
                blind_reply_boxes(blind_slots)
                if blind_slots
                else _reply_boxes(streams, side_by_side=group_id is not None)
            )
            shown = [""] * len(streams)
            prefix = extending.content if extending else ""
            if prefix:
                boxes[0].markdown(images_as_links(prefix))
            with st.spinner(tr("chat.waiting", timeout=round(streams[0].read_timeout or 0)), show_time=True):
                while parallel.poll(_REDRAW_SECONDS) and not any(
                    c.text or c.thinking or c.stream.tool_calls for c in parallel.columns
                ):
                    if _stop_if_clicked(parallel):
                        st.empty()  # a point where Streamlit ends this run for the page asked
            drawn_at = 0.0
            while not parallel.finished:
                # Drawn before waiting for more, so the first words show the moment they arrive.
                # Each redraw is a websocket message the server serialises and sends: ten a second
                # reads as live, where one per token costs the server most of a reply's CPU.
                if time.monotonic() - drawn_at >= _MIN_REDRAW_INTERVAL:
                    _redraw(parallel, boxes, shown, cursor="▌", prefix=prefix, blind=bool(blind_slots))
                    drawn_at = time.monotonic()
                if not parallel.poll(_REDRAW_SECONDS):
                    break
                if _stop_if_clicked(parallel):
                    st.empty()
                if saver is not None:
                    saver.maybe_save()
            _redraw(parallel, boxes, shown, cursor="", prefix=prefix, blind=bool(blind_slots))
            stop.empty()
    except RerunException as rerun:
        leaving = _leaves_page(rerun.rerun_data)
        raise
    except StopException:
        # A click that runs the whole app (a page in the sidebar, most often): Streamlit stops
        # this run and starts the next at once (runner.fastReruns), not saying where to. The
        # replies go on; if the next run is the Chat page again, it stops them
        # (`settle_live_reply`), as any click there does.
        leaving = True
        raise
    finally:

        def save_then() -> None:
            for index, column in enumerate(parallel.columns):
                if saver is not None:
                    saver.finish(index, column.stream, column.error)
                elif extending is not None:
                    _save_continuation(store, user, extending, column.stream, column.error)
            after()

        if leaving:
            _finish_unseen(parallel, saver, save_then)
        else:
            parallel.stop()
            save_then()


def _leaves_page(rerun_data) -> bool:
    """The run asked for next shows another page (a link in the sidebar), not this one."""
    ctx = get_script_run_ctx()
    target = getattr(rerun_data, "page_script_hash", "")
    return bool(ctx and target and target != ctx.page_script_hash)


def _finish_unseen(parallel: compare.ParallelStreams, saver: ReplySaver | None, save: Callable[[], None]) -> None:
    """The user went to another page while replies streamed (or closed the session): they
    finish in a thread of their own and are saved when they end, as if the user had stayed (the
    reply is paid for either way). Coming back to Chat before then stops them
    (`settle_live_reply`), keeping what arrived."""

    def finish() -> None:
        while parallel.poll(0.2):
            if saver is not None:
                saver.maybe_save()
        save()

    threading.Thread(target=finish, name="chat-reply-unseen", daemon=True).start()


def _stop_if_clicked(parallel: compare.ParallelStreams) -> bool:
    """A click on the conversation part (Stop, Regenerate, ...) while its replies stream: the
    replies stop, and that part's next run does what was asked. Streamlit stops a run of the
    whole page for any click, but queues a fragment's run behind the run in progress, and has
    no public way to ask whether one waits: this reads the request it keeps for the script.
    True when the click leads to another page: the replies go on (`_finish_unseen`)."""
    ctx = get_script_run_ctx()
    requests = ctx.script_requests if ctx else None
    if requests is None or requests._state != ScriptRequestType.RERUN:
        return False
    if _leaves_page(requests._rerun_data):
        return True
    parallel.stop()
    return False


def _reply_boxes(streams: list[ChatStream], side_by_side: bool) -> list:
    if not side_by_side:
        return [st.empty()]
    boxes = []
    for column, stream in zip(st.columns(len(streams), border=True), streams):
        column.markdown(f"**{markdown_literal(stream.model)}**")
        boxes.append(column.empty())
    return boxes


def _save_continuation(
    store: Store, user: str, reply: Message, stream: ChatStream, error: errors.ReshiError | None
) -> None:
    """What a continuation brought is added to the reply it continues; one that failed before
    any text leaves the reply as it was and says why."""
    if error is not None and not stream.text:
        if get_script_run_ctx() is not None:  # not when it ended unseen, on another page
            st.toast(tr("chat.continue_failed", reason=error_text(error, current_lang())), icon=":material/error:")
        return
    if not stream.text and not stream.done:
        return  # stopped before anything arrived
    meta = chat.reply_meta(stream)
    if error is not None:
        meta.update({"error": error.kind, "incomplete": True})
    store.update_message(user, reply.id, *chat.continued(reply.content, reply.meta or {}, stream.text, meta))


def _stop_button(step: int = 0):
    """Any click stops the replies (`_stop_if_clicked`, or a run of the whole page, which stops
    this one: `settle_live_reply`); the `finally` blocks here keep what arrived. (The chat
    input's own "stop" mode ends the run without drawing what was kept.)"""
    holder = st.empty()
    # A chain's later steps stream in the same run: each its own key (follow.js matches them all).
    holder.button(
        tr("chat.stop"),
        icon=":material/stop_circle:",
        key=f"chat_stop_{step}" if step else "chat_stop",
        type="secondary",
    )
    return holder


def _redraw(
    parallel: compare.ParallelStreams, boxes: list, shown: list, cursor: str, prefix: str = "", blind: bool = False
) -> None:
    """Each column's text so far; a reasoning model's thinking above it, open while it thinks
    and folded away once the answer starts. A blind comparison shows no thinking before the vote
    (it would tell a reasoning model)."""
    for index, column in enumerate(parallel.columns):
        drawn = prefix + column.text + cursor + streaming_calls(column.stream)
        thinking = "" if blind else column.thinking
        if (thinking, drawn) == shown[index] and cursor:
            continue
        shown[index] = (thinking, drawn)
        if not thinking:
            boxes[index].markdown(images_as_links(drawn))
            continue
        answering = bool(column.text or column.stream.tool_calls)
        with boxes[index].container():
            thinking_block(
                thinking + ("" if answering or not cursor else cursor),
                column.stream.thinking_seconds,
                live=bool(cursor) and not answering,
            )
            if answering or prefix:
                st.markdown(images_as_links(drawn if answering else prefix))
