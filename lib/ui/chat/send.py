"""Sending on the Chat page: from what was typed (and attached) to the request going out.

A message waits as a `PendingSend` (lib/chat/send_flow.py, kept in lib/ui/state/send.py `Outbox`)
until it can go: files refused by the checks, `{{variables}}` to fill, the budget, an upload
that failed and may go inline instead. Each run looks at it again (`_look_again`) and feeds
lib/chat/send_flow.py `advance` what it finds; the clicks feed it their choices (`_feed`). At each
step that stops it the user sees why (`draw_pending_step`, drawn where the replies will be),
and nothing they typed or attached is lost meanwhile.

The chat input, the last turns and the replies are a fragment of the page (`app_pages/chat.py`;
the history before them is the whole page's, lib/ui/chat/history.py `earlier_history`), so a message
reruns that part alone. A message that can go is put in the store before the part
draws anything (`start_sending`), so it is drawn in place; the replies then stream at the
bottom (lib/ui/chat/stream.py `finish_sending`) and are drawn there with their actions. What
else a message changes (a new conversation's title and place in the sidebar, the budget
banner) is drawn by one run of the whole page afterwards (bench/concurrent_sessions).
Regenerate, edit and retry go the same way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

import streamlit as st

from lib import chat, errors, prompts
from lib.chat import attached_images
from lib.chat.send_flow import (
    BudgetChecked,
    Choice,
    Event,
    FilesChecked,
    Looked,
    PendingSend,
    Step,
    Uploaded,
    VariablesFilled,
    advance,
)
from lib.client import ReshiClient
from lib.credits.pricing import CHAT
from lib.media import uploads
from lib.media.upload_checks import Checked, check_image, display_name
from lib.prompts import templating
from lib.prompts.limits import prompt_problem
from lib.safe_text import images_as_links, markdown_literal
from lib.store import Conversation, Message, Store
from lib.ui import state
from lib.ui.chat.actions import reopen_edit
from lib.ui.chat.model_features import blocked_text
from lib.ui.chat.view import keep_settings, set_open_conversation
from lib.ui.credits.budget import ask_to_exceed_budget, within_budget
from lib.ui.error_text import error_text
from lib.ui.feedback import toast_after_rerun
from lib.ui.prompts.use import variable_input
from lib.ui.session import current_lang, fragment_running_alone, tr
from lib.ui.state.send import INPUT, VARIABLE, Outbox, SendRequests

BUDGET_KEY = "chat_send"


_FOLLOW_SCRIPT = (Path(__file__).parent / "follow.js").read_text()


def follow_new_messages() -> None:
    """Keep the newest message in view while replies stream, unless the user scrolled up."""
    st.html(f"<script>{_FOLLOW_SCRIPT}</script>", unsafe_allow_javascript=True)


def render_draft_files() -> None:
    """Images waiting for the next message, with a way to drop them."""
    outbox = state.of(Outbox)
    drafts = outbox.draft_files
    if not drafts:
        return
    with st.container(border=True):
        st.caption(tr("chat.draft_files"))
        for column, (name, data) in zip(st.columns(max(len(drafts), 4)), drafts):
            column.image(data, caption=display_name(name), width=120)
        st.button(
            tr("chat.draft_clear"),
            icon=":material/close:",
            key="chat_draft_clear",
            type="tertiary",
            on_click=outbox.clear_draft_files,
        )


def take_input() -> None:
    """The chat input's `on_submit`: before the run, so the top of the page can already send it.
    A new submit (text, or text with files) replaces any message still waiting; images handed
    over by another page go with it."""
    value = INPUT.value()
    if value is None:
        return
    text = value if isinstance(value, str) else value.text
    files = [] if isinstance(value, str) else [(f.name, f.getvalue()) for f in value.files]
    _wait(text or "", files + state.of(Outbox).take_draft_files())


def queue_message(text: str) -> None:
    """A callback: `text` goes as if typed in the chat input (the prompt's own message)."""
    _wait(text, [])


def _wait(text: str, files: list[tuple[str, bytes]]) -> None:
    state.of(Outbox).pending = PendingSend(text, tuple(files))


def take_unsent_text() -> str | None:
    """The waiting message is dropped (the database failed while it was being stored): its text,
    which goes back into the input."""
    outbox = state.of(Outbox)
    pending, outbox.pending = outbox.pending, None
    return pending.text if pending else None


def _feed(event: Event) -> None:
    """A click about the waiting message, recorded before the next run (callbacks run first), so
    that run already acts on it. A cancelled message does not go, but its text goes back into the
    input: nothing typed is lost. (A callback runs before the chat input is drawn, so the input
    shows it in this run.)"""
    outbox = state.of(Outbox)
    if outbox.pending is None:
        return
    outbox.pending = advance(outbox.pending, event)
    if outbox.pending.step is Step.CANCELLED:
        if outbox.pending.text:
            INPUT.set(outbox.pending.text)
        outbox.pending = None


def _cancel() -> None:
    _feed(Choice.CANCEL)


def _cancel_button(key: str) -> None:
    st.button(tr("chat.cancel_send"), icon=":material/close:", key=key, type="tertiary", on_click=_cancel)


def _choice_button(label: str, icon: str, key: str, choice: Choice, **kw) -> None:
    st.button(label, icon=icon, key=key, type="primary", on_click=_feed, args=(choice,), **kw)


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
        return [
            replace(m, content=self.edit[1]) if self.edit and m.id == self.edit[0] else m
            for m in history
            if m.id not in self.replacing and m.id != self.continuing
        ]

    def apply(self, store: Store, user: str) -> None:
        if self.edit:
            store.update_message(user, self.edit[0], content=self.edit[1])
        for message_id in self.replacing:
            store.delete_message(user, message_id)


def start_sending(
    store: Store, user: str, client: ReshiClient, conversation: Conversation | None, settings: dict
) -> Outgoing | None:
    """Before the page draws: an edit or a retry to send again, or a waiting message that
    nothing stands in the way of, which goes into the store (in a new conversation if none is
    open). The page then draws them in place, and `finish_sending` streams the replies at its
    bottom."""
    continuing = state.of(SendRequests).take_continuing()
    if continuing and conversation is not None:
        return Outgoing(conversation.id, continuing=continuing)
    again = _edit_or_retry(store, user, conversation)
    if again is not None:
        return again
    outbox = state.of(Outbox)
    if outbox.pending is None:
        return None
    pending = outbox.pending = _look_again(outbox.pending, settings, client)
    if pending.step is not Step.READY:
        return None
    text = pending.filled_text()
    if conversation is None:
        conversation = store.create_conversation(user, chat.title_from(text or pending.files[0][0]), settings)
        keep_settings(conversation.id, settings)
        keep_settings(None, copy.deepcopy(settings))  # the next new chat's, its own
        set_open_conversation(store, user, conversation.id)
    attachments = list(pending.attachments or ())
    used = templating.values_used(pending.text, settings["system"], {**settings["variables"], **(pending.values or {})})
    meta = {**({"attachments": attachments} if attachments else {}), **({"variables": used} if used else {})}
    store.add_message(user, conversation.id, "user", text, meta or None)
    outbox.pending = None  # only now: a database that failed leaves it to go back into the input
    return Outgoing(conversation.id, [])


def _edit_or_retry(store: Store, user: str, conversation: Conversation | None) -> Outgoing | None:
    """Regenerate, Retry, or an edited question (the messages after it are replaced). Either
    request is dropped when no conversation is open, or the question is not in the open one."""
    edit, retry, replacing, keep = state.of(SendRequests).take_retry()
    if conversation is None or not (edit or retry):
        return None
    if edit is None:
        return Outgoing(conversation.id, _answers_of(store, user, conversation.id, keep), replacing)
    question_id, text, told = edit
    ids = [m.id for m in store.list_messages(user, conversation.id)]
    if question_id not in ids:
        return None
    if problem := prompt_problem(CHAT, text):
        st.toast(tr(problem), icon=":material/warning:")
        return None
    replacing = [i for i in ids if i > question_id]
    if len(replacing) > told:  # messages came since its dialog counted them (another tab went on)
        reopen_edit(question_id, text)
        toast_after_rerun(tr("chat.edit_grew", count=len(replacing)), ":material/warning:")
        st.rerun()
    return Outgoing(conversation.id, replacing=replacing, edit=(question_id, text))


def _look_again(pending: PendingSend, settings: dict, client: ReshiClient) -> PendingSend:
    """This run's look at the waiting message (lib/chat/send_flow.py): against the settings as they
    are now, its files checked once, its price against the budget, up to the first step that
    needs the user or its upload. What stops it is drawn by `draw_pending_step`."""
    pending = advance(pending, Looked.at(pending, settings))
    if pending.step is Step.CHECK_FILES:
        pending = advance(pending, FilesChecked(tuple(check_image(data, name) for name, data in pending.files)))
    if pending.step is Step.CHECK_BUDGET:
        pending = advance(pending, BudgetChecked(within_budget(_estimate(client, settings), BUDGET_KEY)))
    return pending


def _estimate(client: ReshiClient, settings: dict) -> float:
    """The per-call price of each model asked; the reply's tokens (per-1K-token price) are not known yet."""
    return sum(client.credits_for(CHAT, m) for m in chat.reply_models(settings))


def draw_pending_step(store: Store, user: str, client: ReshiClient, settings: dict) -> None:
    """Where the replies will be: what the waiting message waits for (the user's decision, or
    its upload, which happens here under its preview and then sends it)."""
    outbox = state.of(Outbox)
    pending = outbox.pending
    if pending is None:
        return
    if pending.step is Step.REFUSED:
        st.warning(tr(pending.refusal or ""), icon=":material/warning:")
        outbox.pending = None
    elif pending.step is Step.FIX_SETTINGS:
        _preview(pending.text, [])
        st.warning(blocked_text(settings) or "", icon=":material/data_object:")
        _cancel_button("chat_cancel_blocked")
    elif pending.step is Step.ASK_REFUSED_FILES:
        _ask_about_refused_files(pending)
    elif pending.step is Step.ASK_VARIABLES:
        _ask_for_variables(pending, settings)
    elif pending.step is Step.ASK_BUDGET:
        _preview(pending.filled_text(), pending.accepted)
        ask_to_exceed_budget(_estimate(client, settings), BUDGET_KEY, on_cancel=_cancel)
    elif pending.step is Step.UPLOAD:
        _preview(pending.filled_text(), pending.accepted)
        _upload(store, user, client, pending)


def _run_again() -> None:
    """Rerun the conversation part alone when it is running alone (Streamlit refuses
    `scope="fragment"` during a run of the whole page, which then runs again instead)."""
    st.rerun(scope="fragment" if fragment_running_alone() else "app")


def _ask_about_refused_files(pending: PendingSend) -> None:
    """The refused files, with the choice to send without them (when anything is left to send)."""
    with st.container(border=True):
        for item in pending.refused:
            st.warning(
                tr(
                    "chat.file_refused",
                    name=markdown_literal(display_name(item.name)),
                    reason=item.reason(current_lang()),
                ),
                icon=":material/block:",
            )
        with st.container(horizontal=True):
            if pending.may_go_without_refused:
                _choice_button(
                    tr("chat.send_without"), ":material/send:", "chat_send_without", Choice.SEND_WITHOUT_REFUSED
                )
            _cancel_button("chat_cancel_refused")


def _ask_for_variables(pending: PendingSend, settings: dict) -> None:
    """A small form for the message's `{{variables}}`; its Send fills them before the next run."""
    names = templating.variables(pending.text, settings["system"])
    if pending.text.strip():  # what was typed stays in sight while its values are asked for
        _preview(pending.text, pending.accepted)
    with st.form("chat_variables_form", border=True):
        st.markdown(tr("chat.variables_title"))
        for name in names:
            variable_input(name, settings, settings["variables"].get(name, ""), key=VARIABLE(name).key)
        st.form_submit_button(
            tr("chat.variables_send"),
            icon=":material/send:",
            type="primary",
            on_click=_fill_variables,
            args=(names, settings),
        )
    _cancel_button("chat_cancel_variables")


def _fill_variables(names: list[str], settings: dict) -> None:
    if state.of(Outbox).pending is None:
        return
    values = {name: VARIABLE(name).value("") or "" for name in names}
    settings["variables"].update({k: v for k, v in values.items() if k in prompts.kept_variables(settings)})
    _feed(VariablesFilled(values))


def _preview(text: str, checked: list[Checked]) -> None:
    with st.chat_message("user"):
        st.markdown(images_as_links(text))
        for column, item in zip(st.columns(max(len(checked), 4)), checked):
            column.image(item.data, caption=display_name(item.name), width=120)


def _upload(store: Store, user: str, client: ReshiClient, pending: PendingSend) -> None:
    """Upload each image, then send it (the next run); on failure, the choice to send them inline."""
    outbox = state.of(Outbox)
    try:
        uploaded = [attached_images.uploaded(uploads.send(client, store, user, c), c.name) for c in pending.accepted]
    except errors.ReshiError as exc:
        outbox.pending = advance(pending, Choice.UPLOAD_FAILED)
        with st.container(border=True):
            st.error(tr("chat.upload_failed", reason=error_text(exc, current_lang())), icon=":material/cloud_off:")
            with st.container(horizontal=True):
                _choice_button(
                    tr("chat.send_inline"),
                    ":material/data_object:",
                    "chat_send_inline",
                    Choice.SEND_INLINE,
                    help=tr("chat.send_inline_help"),
                )
                _cancel_button("chat_cancel_upload")
        return
    outbox.pending = advance(pending, Uploaded(tuple(uploaded)))
    _run_again()  # the next run's start_sending sends it


def _answers_of(store: Store, user: str, conversation_id: int, reply_id: int | None) -> list[dict]:
    """The answers a reply being sent again has had (it is the last message: only it regenerates)."""
    last = store.list_messages(user, conversation_id, limit=1) if reply_id else []
    return chat.versions_of(last[0]) if last and last[0].id == reply_id else []
