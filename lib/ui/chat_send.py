"""Sending on the Chat page: from what was typed (and attached) to the replies streaming in.

A message waits in `st.session_state[PENDING]` until it can go: files refused by the checks,
`{{variables}}` to fill, the budget, an upload that failed and may go inline instead. At each
stop the user sees why (`process_pending`, drawn where the replies will be), and nothing they
typed or attached is lost meanwhile.

The chat input, the history and the replies are a fragment of the page (`app_pages/chat.py`), so
a message reruns that part alone. A message that can go is put in the store before the part
draws anything (`start_sending`), so it is drawn in place; the replies then stream at the
bottom (`finish_sending`) and are drawn there with their actions. What else a message changes
(a new conversation's title and place in the sidebar, the budget banner) is drawn by one run
of the whole page afterwards (bench/concurrent_sessions). Regenerate, edit and retry go the
same way.

Streams: one model through `st.write_stream`; 2-3 models through lib/compare.py, whose worker
threads fill per-column queues that this (script) thread drains into placeholders. The Stop
button shown while replies stream ends the script run; the `finally` blocks keep what arrived.
"""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

from lib import chat, chat_attachments, compare, errors, presets, prompts, tools, uploads
from lib.client import ChatStream, ReshiClient
from lib.pricing import CHAT, COMPARE
from lib.prompt_limits import prompt_problem
from lib.reply_saving import ReplySaver
from lib.safe_text import images_as_links, markdown_literal
from lib.store import Conversation, Message, Store
from lib.ui.budget import ask_to_exceed_budget, banner_out_of_date, within_budget
from lib.ui.chat_tool_calls import answered_by_mocks, streaming_calls
from lib.ui.chat_view import (
    CONTINUE,
    EDIT,
    KEEP,
    LISTED,
    REPLACE,
    RETRY,
    render_history,
    set_open_conversation,
    settings_key,
)
from lib.ui.error_text import error_text
from lib.ui.model_features import blocked_text, thinking_block
from lib.ui.prompt_use import variable_input
from lib.ui.session import current_lang, fragment_running_alone, tr
from lib.ui.vote_view import blind_meta, blind_reply_boxes, blind_slots_for
from lib.upload_checks import check_image, display_name

PENDING = "chat_pending"
DRAFT_FILES = "chat_draft_files"
LAST_CALLS = "chat_last_calls"
LIVE = "chat_live"
INPUT = "chat_input"
BUDGET_KEY = "chat_send"
_REDRAW_SECONDS = 0.05
_MIN_REDRAW_INTERVAL = 0.1


_FOLLOW_SCRIPT = (Path(__file__).parent / "chat_follow.js").read_text()


def follow_new_messages() -> None:
    """Keep the newest message in view while replies stream, unless the user scrolled up."""
    st.html(f"<script>{_FOLLOW_SCRIPT}</script>", unsafe_allow_javascript=True)


def attach_to_next_message(name: str, data: bytes) -> None:
    """Another page (the Images gallery) hands an image to the next message sent in Chat."""
    st.session_state.setdefault(DRAFT_FILES, []).append((name, data))


def render_draft_files() -> None:
    """Images waiting for the next message, with a way to drop them."""
    drafts = st.session_state.get(DRAFT_FILES)
    if not drafts:
        return
    with st.container(border=True):
        st.caption(tr("chat.draft_files"))
        for column, (name, data) in zip(st.columns(max(len(drafts), 4)), drafts):
            column.image(data, caption=display_name(name), width=120)
        st.button(tr("chat.draft_clear"), icon=":material/close:", key="chat_draft_clear", type="tertiary",
                  on_click=st.session_state.pop, args=(DRAFT_FILES, None))


def take_input() -> None:
    """The chat input's `on_submit`: before the run, so the top of the page can already send it.
    A new submit (text, or text with files) replaces any message still waiting; images handed
    over by another page go with it."""
    value = st.session_state.get(INPUT)
    if value is None:
        return
    text = value if isinstance(value, str) else value.text
    files = [] if isinstance(value, str) else [(f.name, f.getvalue()) for f in value.files]
    _wait(text or "", files + st.session_state.pop(DRAFT_FILES, []))


def queue_message(text: str) -> None:
    """A callback: `text` goes as if typed in the chat input (the prompt's own message)."""
    _wait(text, [])


def _wait(text: str, files: list) -> None:
    st.session_state[PENDING] = {"text": text, "files": files, "skip_refused": False, "values": None,
                                 "inline": False, "budget_ok": False, "attachments": None}


def _cancel_button(key: str) -> None:
    st.button(tr("chat.cancel_send"), icon=":material/close:", key=key, type="tertiary", on_click=_cancel)


def _cancel() -> None:
    """The message does not go, but its text goes back into the input: nothing typed is lost.
    (A callback runs before the chat input is drawn, so the input shows it in this run.)"""
    pending = st.session_state.pop(PENDING, None)
    if pending and pending["text"]:
        st.session_state[INPUT] = pending["text"]


def _decision_button(label: str, icon: str, key: str, field: str, **kw) -> None:
    """A choice about the waiting message, recorded before the next run (callbacks run first),
    so that run already acts on it."""
    st.button(label, icon=icon, key=key, type="primary", on_click=_decide, args=(field,), **kw)


def _decide(field: str) -> None:
    if PENDING in st.session_state:
        st.session_state[PENDING][field] = True


@dataclass
class Outgoing:
    """What `finish_sending` answers: the conversation's last question, once the messages it
    replaces are gone and an edited question has its new text (both done just before the
    replies are asked for: a click while the page draws stops the run, and then nothing is
    lost); `earlier`: the answers of a reply being regenerated, kept as versions of the new one."""
    conversation_id: int
    earlier: list[dict] = field(default_factory=list)
    replacing: list[int] = field(default_factory=list)
    edit: tuple[int, str] | None = None
    continuing: int | None = None  # a cut reply to extend in place (drawn by the stream, not the history)

    def shown(self, history: list[Message]) -> list[Message]:
        """The history as it will be when the replies come."""
        return [replace(m, content=self.edit[1]) if self.edit and m.id == self.edit[0] else m
                for m in history if m.id not in self.replacing and m.id != self.continuing]

    def apply(self, store: Store, user: str) -> None:
        if self.edit:
            store.update_message(user, self.edit[0], content=self.edit[1])
        for message_id in self.replacing:
            store.delete_message(user, message_id)


def start_sending(store: Store, user: str, client: ReshiClient, conversation: Conversation | None,
                  settings: dict) -> Outgoing | None:
    """Before the page draws: an edit or a retry to send again, or a waiting message that
    nothing stands in the way of, which goes into the store (in a new conversation if none is
    open). The page then draws them in place, and `finish_sending` streams the replies at its
    bottom."""
    continuing = st.session_state.pop(CONTINUE, None)
    if continuing and conversation is not None:
        return Outgoing(conversation.id, continuing=continuing)
    again = _edit_or_retry(store, user, conversation)
    if again is not None:
        return again
    pending = st.session_state.get(PENDING)
    if pending is None or not _clear_to_send(pending, settings, client):
        return None
    text = presets.fill(pending["text"], pending["values"])
    if conversation is None:
        conversation = store.create_conversation(user, chat.title_from(text or pending["checked"][0].name), settings)
        st.session_state[settings_key(conversation.id)] = settings
        st.session_state[settings_key(None)] = copy.deepcopy(settings)  # the next new chat's, its own
        set_open_conversation(store, user, conversation.id)
    attachments = pending["attachments"]
    used = presets.values_used(pending["text"], settings["system"], {**settings["variables"], **pending["values"]})
    meta = {**({"attachments": attachments} if attachments else {}), **({"variables": used} if used else {})}
    store.add_message(user, conversation.id, "user", text, meta or None)
    st.session_state.pop(PENDING)  # only now: a database that failed leaves it to go back into the input
    return Outgoing(conversation.id, [])


def _edit_or_retry(store: Store, user: str, conversation: Conversation | None) -> Outgoing | None:
    """Regenerate, Retry, or an edited question (the messages after it are replaced). Either
    request is dropped when no conversation is open, or the question is not in the open one."""
    edit, retry = st.session_state.pop(EDIT, None), st.session_state.pop(RETRY, False)
    replacing, keep = st.session_state.pop(REPLACE, None) or [], st.session_state.pop(KEEP, None)
    if conversation is None or not (edit or retry):
        return None
    if edit is None:
        return Outgoing(conversation.id, _answers_of(store, user, conversation.id, keep), replacing)
    question_id, text = edit
    ids = [m.id for m in store.list_messages(user, conversation.id)]
    if question_id not in ids:
        return None
    if prompt_problem(CHAT, text):
        st.toast(tr(prompt_problem(CHAT, text)), icon=":material/warning:")
        return None
    return Outgoing(conversation.id, replacing=[i for i in ids if i > question_id], edit=(question_id, text))


def _clear_to_send(pending: dict, settings: dict, client: ReshiClient) -> bool:
    """Nothing to ask the user and nothing to upload: each check that passes is noted in
    `pending`, so a later run does not ask again. What stops it is drawn by `process_pending`."""
    if not pending["files"] and prompt_problem(CHAT, pending["text"]):
        return False
    if blocked_text(settings):  # a schema or extra parameters to fix first: the message waits
        return False
    if "checked" not in pending:  # decoded once, not on every run while the user decides
        pending["checked"] = [check_image(data, name) for name, data in pending["files"]]
    if any(not c.ok for c in pending["checked"]) and not pending["skip_refused"]:
        return False
    if pending["values"] is None and not _needs_variables(pending, settings):
        pending["values"] = {}
    if pending["values"] is None:
        return False
    if not pending["budget_ok"]:
        pending["budget_ok"] = within_budget(_estimate(client, settings), BUDGET_KEY)
    if not pending["budget_ok"]:
        return False
    ok = [c for c in pending["checked"] if c.ok]
    if pending["attachments"] is None and (pending["inline"] or not ok):
        pending["attachments"] = [chat_attachments.inline(c) for c in ok]
    return pending["attachments"] is not None


def _estimate(client: ReshiClient, settings: dict) -> float:
    """The per-call price of each model asked; the reply's tokens (per-1K-token price) are not known yet."""
    return sum(client.credits_for(CHAT, m) for m in chat.reply_models(settings))


def process_pending(store: Store, user: str, client: ReshiClient, settings: dict) -> None:
    """Where the replies will be: what the waiting message waits for (the user's decision, or
    its upload, which happens here under its preview and then sends it)."""
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    if not pending["files"] and prompt_problem(CHAT, pending["text"]):
        st.warning(tr(prompt_problem(CHAT, pending["text"])), icon=":material/warning:")
        st.session_state.pop(PENDING)
        return
    blocked = blocked_text(settings)
    if blocked:
        _preview(pending["text"], [])
        st.warning(blocked, icon=":material/data_object:")
        _cancel_button("chat_cancel_blocked")
        return
    if not _refused_files_decided(pending) or not _variables_filled(pending, settings):
        return
    ok = [c for c in pending["checked"] if c.ok]
    _preview(presets.fill(pending["text"], pending["values"]), ok)
    if not pending["budget_ok"]:
        ask_to_exceed_budget(_estimate(client, settings), BUDGET_KEY, on_cancel=_cancel)
        return
    attachments = _uploaded(store, user, client, ok)
    if attachments is not None:
        pending["attachments"] = attachments
        _run_again()  # the next run's start_sending sends it


def _run_again() -> None:
    """Rerun the conversation part alone when it is running alone (Streamlit refuses
    `scope="fragment"` during a run of the whole page, which then runs again instead)."""
    st.rerun(scope="fragment" if fragment_running_alone() else "app")


def _refused_files_decided(pending: dict) -> bool:
    """False, with the refused files and a choice, while the user has not chosen to send without them."""
    refused = [c for c in pending["checked"] if not c.ok]
    if not refused or pending["skip_refused"]:
        return True
    with st.container(border=True):
        for item in refused:
            st.warning(tr("chat.file_refused", name=markdown_literal(display_name(item.name)),
                          reason=item.reason(current_lang())), icon=":material/block:")
        with st.container(horizontal=True):
            if pending["text"].strip() or len(refused) < len(pending["checked"]):
                _decision_button(tr("chat.send_without"), ":material/send:", "chat_send_without", "skip_refused")
            _cancel_button("chat_cancel_refused")
    return False


def _needs_variables(pending: dict, settings: dict) -> bool:
    """`{{variables}}` in the message, or new ones in the system prompt."""
    return bool(presets.variables(pending["text"]) or
                [v for v in presets.variables(settings["system"]) if not settings["variables"].get(v)])


def _variables_filled(pending: dict, settings: dict) -> bool:
    """A small form for the message's `{{variables}}`; its Send fills them before the next run."""
    if pending["values"] is not None:
        return True
    names = presets.variables(pending["text"], settings["system"])
    if pending["text"].strip():  # what was typed stays in sight while its values are asked for
        _preview(pending["text"], [c for c in pending["checked"] if c.ok])
    with st.form("chat_variables_form", border=True):
        st.markdown(tr("chat.variables_title"))
        for name in names:
            variable_input(name, settings, settings["variables"].get(name, ""), key=f"chat_var_{name}")
        st.form_submit_button(tr("chat.variables_send"), icon=":material/send:", type="primary",
                              on_click=_fill_variables, args=(names, settings))
    _cancel_button("chat_cancel_variables")
    return False


def _fill_variables(names: list[str], settings: dict) -> None:
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    values = {name: st.session_state.get(f"chat_var_{name}", "") for name in names}
    settings["variables"].update({k: v for k, v in values.items() if k in prompts.kept_variables(settings)})
    pending["values"] = values


def _preview(text: str, checked: list) -> None:
    with st.chat_message("user"):
        st.markdown(images_as_links(text))
        for column, item in zip(st.columns(max(len(checked), 4)), checked):
            column.image(item.data, caption=display_name(item.name), width=120)


def _uploaded(store: Store, user: str, client: ReshiClient, checked: list) -> list | None:
    """Upload each image; on failure None, with the choice to send them inline instead."""
    try:
        return [chat_attachments.uploaded(uploads.send(client, store, user, c), c.name) for c in checked]
    except errors.ReshiError as exc:
        with st.container(border=True):
            st.error(tr("chat.upload_failed", reason=error_text(exc, current_lang())), icon=":material/cloud_off:")
            with st.container(horizontal=True):
                _decision_button(tr("chat.send_inline"), ":material/data_object:", "chat_send_inline", "inline",
                                 help=tr("chat.send_inline_help"))
                _cancel_button("chat_cancel_upload")
        return None


def _answers_of(store: Store, user: str, conversation_id: int, reply_id: int | None) -> list[dict]:
    """The answers a reply being sent again has had (it is the last message: only it regenerates)."""
    last = store.list_messages(user, conversation_id, limit=1) if reply_id else []
    return chat.versions_of(last[0]) if last and last[0].id == reply_id else []


def _keep_earlier_answers(store: Store, user: str, conversation_id: int, question_id: int,
                          earlier: list[dict]) -> None:
    """The new answer is shown with the earlier ones behind ‹ ›; when none came (stopped at once),
    the last earlier one is back: regenerating never loses an answer."""
    last = store.list_messages(user, conversation_id, limit=1)[-1]
    if last.id > question_id:
        store.update_message(user, last.id, *chat.with_new_version(earlier, last.content, last.meta))
    else:
        store.add_message(user, conversation_id, "assistant", *chat.showing(earlier, len(earlier) - 1))


# ---------------------------------------------------------------- streaming

@dataclass
class LiveReply:
    """The replies a script run is streaming, as the next run sees them.

    A click while replies stream (Stop, or any other) makes Streamlit start the next run at once
    in a new thread (`runner.fastReruns`) while the old run is only being told to stop: without
    waiting, the next run would read the history before the old run's `finally` saved the reply.
    """
    streams: list[ChatStream]
    saved: threading.Event = field(default_factory=threading.Event)


def settle_live_reply(wait_seconds: float = 5.0) -> None:
    """Stop the replies a previous run was streaming (their calls are recorded as stopped and
    their connections closed) and wait until what arrived of them is saved."""
    live = st.session_state.pop(LIVE, None)
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
            question_id, count = continue_reply(store, user, client, outgoing.conversation_id, settings,
                                                outgoing.continuing)
        else:
            question_id, count = send_replies(store, user, client, outgoing.conversation_id, settings,
                                              outgoing.earlier)
        step = 0
        while results := answered_by_mocks(store, user, outgoing.conversation_id, settings):  # a chain, step by step
            step += 1
            count += results + send_replies(store, user, client, outgoing.conversation_id, settings, [], step)[1]
    replies = [m for m in store.list_messages(user, outgoing.conversation_id, limit=count) if m.id > question_id]
    with slot.container():
        render_history(store, user, client, replies, before=_turn_before(store, user, replies, question_id))
    if outgoing.conversation_id not in st.session_state.get(LISTED, []) or banner_out_of_date():
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


def send_replies(store: Store, user: str, client: ReshiClient, conversation_id: int, settings: dict,
                 earlier: list[dict], step: int = 0) -> tuple[int, int]:
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
    live = st.session_state[LIVE] = LiveReply(streams)
    slots = blind_slots_for(history, columns, len(streams)) if models and settings.get("blind") else None

    def after() -> None:
        if earlier and not models:  # before `saved`: the next run must see the versions
            _keep_earlier_answers(store, user, conversation_id, history[-1].id, earlier)
        live.saved.set()
    try:
        stream_replies(store, user, conversation_id, history[-1].id if models else None, streams, slots, step=step,
                       columns=columns, after=after)
    finally:
        _remember_calls(conversation_id, client.base_url, streams)
    return history[-1].id, len(streams)


def continue_reply(store: Store, user: str, client: ReshiClient, conversation_id: int, settings: dict,
                   reply_id: int) -> tuple[int, int]:
    """The last reply, cut short or stopped, goes on where it ended: the model gets the
    conversation with that reply and an instruction to continue, which is not kept, and what it
    says is added to the same message, drawn in its place. Returns what `send_replies` does."""
    history = store.list_messages(user, conversation_id)
    reply = history[-1] if history and history[-1].id == reply_id and history[-1].role == "assistant" else None
    if reply is None:  # no longer the last reply (another tab went on): nothing to extend
        return reply_id - 1, 1
    system = presets.fill(settings["system"], settings["variables"])
    messages = [*chat.api_messages(system, history), {"role": "user", "content": tr("chat.continue_prompt")}]
    stream = client.chat.stream((reply.meta or {}).get("model") or settings["model"], messages,
                                **chat.request_params(settings))
    live = st.session_state[LIVE] = LiveReply([stream])
    try:
        stream_replies(store, user, conversation_id, None, [stream], extending=reply, after=live.saved.set)
    finally:
        _remember_calls(conversation_id, client.base_url, [stream])
    return reply_id - 1, 1


def _requests(settings: dict, history: list[Message]) -> list[tuple[str, list[dict]]]:
    """(model, messages) of each reply a send asks for, after `history`."""
    system = presets.fill(settings["system"], settings["variables"])
    return [(model, chat.api_messages(system, history, column=i)) for i, model in enumerate(chat.reply_models(settings))]


def planned_calls(client: ReshiClient, settings: dict, history: list[Message], next_message: str) -> list[dict]:
    """What View code shows for a conversation this session has not sent in (reopened after a
    reload, a new tab or a restart): the requests its next message would make, built from the
    stored history with `next_message` standing for the text not typed yet; no events."""
    last_id = history[-1].id if history else 0
    following = [*history, Message(last_id + 1, 0, "", "user", next_message, {}, datetime.now(UTC))]
    params = chat.request_params(settings)
    return [{"model": model, "body": client.chat.stream_body(model, messages, **params), "events": None,
             "done": False, "text": "", "base_url": client.base_url}
            for model, messages in _requests(settings, following)]


def _remember_calls(conversation_id: int, base_url: str, streams: list[ChatStream]) -> None:
    """What View code shows for this conversation: each request as sent, and the events that
    came back. Kept per conversation, so a new chat never shows another chat's request."""
    st.session_state.setdefault(LAST_CALLS, {})[conversation_id] = [
        {"model": s.model, "body": s.request_body, "events": list(s.events), "done": s.done,
         "text": s.text, "base_url": base_url} for s in streams]


def stream_replies(store: Store, user: str, conversation_id: int, group_id: int | None,
                   streams: list[ChatStream], blind_slots: list[int] | None = None,
                   extending: Message | None = None, step: int = 0, columns: list[int] | None = None,
                   after: Callable[[], None] = lambda: None) -> None:
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
    extras = [{} if group_id is None else {**compare.column_meta(group_id, columns[index] if columns else index),
                                           **blind_meta(blind_slots, index)}
              for index in range(len(streams))]
    # A continuation is written into its reply when it ends; new replies are saved as they arrive.
    saver = None if extending is not None else ReplySaver(store, user, conversation_id, streams, extras)
    parallel = compare.ParallelStreams(streams).start()
    leaving = False
    try:
        with st.chat_message("assistant"):
            stop = _stop_button(step)
            boxes = (blind_reply_boxes(blind_slots) if blind_slots
                     else _reply_boxes(streams, side_by_side=group_id is not None))
            shown = [""] * len(streams)
            prefix = extending.content if extending else ""
            if prefix:
                boxes[0].markdown(images_as_links(prefix))
            with st.spinner(tr("chat.waiting", timeout=round(streams[0].read_timeout or 0)), show_time=True):
                while parallel.poll(_REDRAW_SECONDS) and not any(c.text or c.thinking or c.stream.tool_calls
                                                                 for c in parallel.columns):
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
                if extending is not None:
                    _save_continuation(store, user, extending, column.stream, column.error)
                else:
                    saver.finish(index, column.stream, column.error)
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


def _save_continuation(store: Store, user: str, reply: Message, stream: ChatStream,
                       error: errors.ReshiError | None) -> None:
    """What a continuation brought is added to the reply it continues; one that failed before
    any text leaves the reply as it was and says why."""
    if error is not None and not stream.text:
        if get_script_run_ctx() is not None:  # not when it ended unseen, on another page
            st.toast(tr("chat.continue_failed", reason=error_text(error, current_lang())),
                     icon=":material/error:")
        return
    if not stream.text and not stream.done:
        return  # stopped before anything arrived
    meta = chat.reply_meta(stream)
    if error is not None:
        meta.update(error=error.kind, incomplete=True)
    store.update_message(user, reply.id, *chat.continued(reply.content, reply.meta or {}, stream.text, meta))


def _stop_button(step: int = 0):
    """Any click stops the replies (`_stop_if_clicked`, or a run of the whole page, which stops
    this one: `settle_live_reply`); the `finally` blocks here keep what arrived. (The chat
    input's own "stop" mode ends the run without drawing what was kept.)"""
    holder = st.empty()
    # A chain's later steps stream in the same run: each its own key (chat_follow.js matches them all).
    holder.button(tr("chat.stop"), icon=":material/stop_circle:", key=f"chat_stop_{step}" if step else "chat_stop",
                  type="secondary")
    return holder


def _redraw(parallel: compare.ParallelStreams, boxes: list, shown: list, cursor: str, prefix: str = "",
            blind: bool = False) -> None:
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
            thinking_block(thinking + ("" if answering or not cursor else cursor),
                           column.stream.thinking_seconds, live=bool(cursor) and not answering)
            if answering or prefix:
                st.markdown(images_as_links(drawn if answering else prefix))
