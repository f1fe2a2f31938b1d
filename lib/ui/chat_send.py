"""Sending on the Chat page: from what was typed (and attached) to the request going out.

A message waits in `st.session_state[PENDING]` until it can go: files refused by the checks,
`{{variables}}` to fill, the budget, an upload that failed and may go inline instead. At each
stop the user sees why (`process_pending`, drawn where the replies will be), and nothing they
typed or attached is lost meanwhile.

The chat input, the last turns and the replies are a fragment of the page (`app_pages/chat.py`;
the history before them is the whole page's, lib/ui/chat_view.py `earlier_history`), so a message
reruns that part alone. A message that can go is put in the store before the part
draws anything (`start_sending`), so it is drawn in place; the replies then stream at the
bottom (lib/ui/chat_stream.py `finish_sending`) and are drawn there with their actions. What
else a message changes (a new conversation's title and place in the sidebar, the budget
banner) is drawn by one run of the whole page afterwards (bench/concurrent_sessions).
Regenerate, edit and retry go the same way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

import streamlit as st

from lib import chat, chat_attachments, errors, presets, prompts, uploads
from lib.client import ReshiClient
from lib.pricing import CHAT
from lib.prompt_limits import prompt_problem
from lib.safe_text import images_as_links, markdown_literal
from lib.store import Conversation, Message, Store
from lib.ui import state
from lib.ui.budget import ask_to_exceed_budget, within_budget
from lib.ui.chat_view import reopen_edit, set_open_conversation, settings_key
from lib.ui.error_text import error_text
from lib.ui.feedback import toast_after_rerun
from lib.ui.model_features import blocked_text
from lib.ui.prompt_use import variable_input
from lib.ui.session import current_lang, fragment_running_alone, tr
from lib.ui.state.send import Outbox, SendRequests
from lib.upload_checks import check_image, display_name

PENDING = "chat_pending"
INPUT = "chat_input"
BUDGET_KEY = "chat_send"


_FOLLOW_SCRIPT = (Path(__file__).parent / "chat_follow.js").read_text()


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
    value = st.session_state.get(INPUT)
    if value is None:
        return
    text = value if isinstance(value, str) else value.text
    files = [] if isinstance(value, str) else [(f.name, f.getvalue()) for f in value.files]
    _wait(text or "", files + state.of(Outbox).take_draft_files())


def queue_message(text: str) -> None:
    """A callback: `text` goes as if typed in the chat input (the prompt's own message)."""
    _wait(text, [])


def _wait(text: str, files: list) -> None:
    st.session_state[PENDING] = {
        "text": text,
        "files": files,
        "skip_refused": False,
        "values": None,
        "inline": False,
        "budget_ok": False,
        "attachments": None,
    }


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
    if not pending["files"] and (problem := prompt_problem(CHAT, pending["text"])):
        st.warning(tr(problem), icon=":material/warning:")
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
            st.warning(
                tr(
                    "chat.file_refused",
                    name=markdown_literal(display_name(item.name)),
                    reason=item.reason(current_lang()),
                ),
                icon=":material/block:",
            )
        with st.container(horizontal=True):
            if pending["text"].strip() or len(refused) < len(pending["checked"]):
                _decision_button(tr("chat.send_without"), ":material/send:", "chat_send_without", "skip_refused")
            _cancel_button("chat_cancel_refused")
    return False


def _needs_variables(pending: dict, settings: dict) -> bool:
    """`{{variables}}` in the message, or new ones in the system prompt."""
    return bool(
        presets.variables(pending["text"])
        or [v for v in presets.variables(settings["system"]) if not settings["variables"].get(v)]
    )


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
        st.form_submit_button(
            tr("chat.variables_send"),
            icon=":material/send:",
            type="primary",
            on_click=_fill_variables,
            args=(names, settings),
        )
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
                _decision_button(
                    tr("chat.send_inline"),
                    ":material/data_object:",
                    "chat_send_inline",
                    "inline",
                    help=tr("chat.send_inline_help"),
                )
                _cancel_button("chat_cancel_upload")
        return None


def _answers_of(store: Store, user: str, conversation_id: int, reply_id: int | None) -> list[dict]:
    """The answers a reply being sent again has had (it is the last message: only it regenerates)."""
    last = store.list_messages(user, conversation_id, limit=1) if reply_id else []
    return chat.versions_of(last[0]) if last and last[0].id == reply_id else []
