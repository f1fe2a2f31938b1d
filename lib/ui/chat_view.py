"""The Chat page's building blocks: the conversation list, messages and their actions.

Sending lives in lib/ui/chat_send.py, streaming in lib/ui/chat_stream.py; View code, presets, export and import in
lib/ui/chat_tools.py.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import streamlit as st

from lib import chat, chat_attachments, chat_io, compare, errors, presets, votes
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.pricing import CHAT
from lib.prompt_limits import prompt_problem
from lib.safe_text import markdown_literal
from lib.shares import metrics_line
from lib.store import Conversation, Message, Store
from lib.store.ledger import INTERRUPTED
from lib.tools import open_reply_ids
from lib.ui import state, vote_view
from lib.ui.chat_tool_calls import call_cards, results_of
from lib.ui.clock import browser_zone
from lib.ui.connection import get_client
from lib.ui.error_text import explain, recorded_error_text
from lib.ui.feedback import toast_after_rerun
from lib.ui.media import fetch_media
from lib.ui.model_features import reply_body, thinking_block
from lib.ui.phone_layout import fold_sidebar_on_phone
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr
from lib.ui.state.send import Edit, SendRequests
from lib.ui.store_status import remember_setting
from lib.upload_checks import display_name

OPEN_SETTING = "chat.open_conversation"
EDITING = "chat_editing"  # the question whose Edit was clicked: its dialog opens
EDIT_DRAFT = "chat_edit_draft"  # {question id: text} its dialog opens with again (`reopen_edit`)
DELETE_ASKED = "chat_delete_asked"  # the conversation whose Delete waits for its confirmation
FORKED = "chat_forked"  # the title of the conversation a Fork just made
COPY = "chat_copy"  # the message whose Copy was clicked, and how many copies so far
WINDOW = "chat_window"  # how many of the conversation's last messages the page shows
THUMB_WIDTH = 160
LIST_SIZE = "chat_list_size"  # how many conversations the sidebar lists
LIST_PAGE = 20
LISTED = "chat_listed"  # the ids of the conversations the sidebar drew last


def open_conversation_id(store: Store, user: str) -> int | None:
    """The open conversation: this session's choice, else the one the user had open last time."""
    if "chat_open" not in st.session_state:
        saved = store.get_setting(user, OPEN_SETTING)
        st.session_state["chat_open"] = saved if saved and store.get_conversation(user, saved) else None
    return st.session_state["chat_open"]


def settings_key(conversation_id: int | None) -> str:
    """Where this session keeps a conversation's settings (None: a new chat's)."""
    return f"chat_settings_{conversation_id or 'new'}"


def conversation_settings(store: Store, user: str) -> tuple[Conversation | None, dict]:
    """The open conversation (None for a new chat) and its settings, kept in this session from
    the first run that opened it (saved with the conversation when they change)."""
    conv_id = open_conversation_id(store, user)
    conversation = store.get_conversation(user, conv_id) if conv_id else None
    key = settings_key(conv_id)
    if key not in st.session_state:
        st.session_state[key] = chat.merged_settings(conversation.settings if conversation else None)
    return conversation, st.session_state[key]


def keep_setting(settings: dict, field: str, widget_key: str) -> None:
    """A settings widget's on_change: its new value is in `settings` before the page runs."""
    settings[field] = st.session_state[widget_key]


def set_open_conversation(store: Store, user: str, conversation_id: int | None) -> None:
    """Open it in this session, and remember it for the next one."""
    st.session_state["chat_open"] = conversation_id
    st.session_state[WINDOW] = chat.HISTORY_PAGE
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


def conversation_sidebar(store: Store, user: str, extra=None) -> None:
    """The list of conversations; `extra` draws more tools (import) under "New chat"."""
    with st.sidebar:
        st.divider()
        # Callbacks, run before the page: one run draws the conversation asked for.
        st.button(
            tr("chat.new_chat"),
            icon=":material/add_comment:",
            use_container_width=True,
            type="primary",
            key="chat_new",
            on_click=_open_from_sidebar,
            args=(store, user, None),
        )
        if extra:
            extra()
        open_id = open_conversation_id(store, user)
        shown = st.session_state.get(LIST_SIZE, LIST_PAGE)
        conversations = store.list_conversations(user, limit=shown)
        hidden = store.count_conversations(user) - shown if len(conversations) == shown else 0
        opened = (
            store.get_conversation(user, open_id) if open_id and all(c.id != open_id for c in conversations) else None
        )
        if opened:  # an older one, opened last time: listed first (after the pinned), no longer hidden
            conversations.insert(0, opened)
            conversations.sort(key=lambda c: c.pinned_at is None)
            hidden -= 1
        st.session_state[LISTED] = [c.id for c in conversations]
        st.html(_LIST_STYLE)
        with st.container(key="chat_list"):
            zone = browser_zone()
            now, shown_group = datetime.now(zone), None
            for conversation in conversations:
                # Pinned first; then Today, Yesterday, Last 7 days, Older: newest first
                group = (
                    PINNED if conversation.pinned_at else chat.date_group(conversation.updated_at.astimezone(zone), now)
                )
                if group != shown_group:
                    st.caption(tr("chat.group_pinned" if group == PINNED else DATE_GROUP_KEY(group)))
                    shown_group = group
                if conversation.id == open_id:
                    _conversation_actions(store, user, conversation)
                else:
                    st.button(
                        conversation.title,
                        key=f"chat_open_{conversation.id}",
                        use_container_width=True,
                        icon=":material/keep:" if conversation.pinned_at else None,
                        type="tertiary",
                        on_click=_open_from_sidebar,
                        args=(store, user, conversation.id),
                    )
        _more_conversations(hidden)


def _open_from_sidebar(store: Store, user: str, conversation_id: int | None) -> None:
    """A new chat or a listed conversation: opened, and on a phone the sidebar folds over it."""
    set_open_conversation(store, user, conversation_id)
    fold_sidebar_on_phone()


DATE_GROUP_KEY = key_family("chat.group", chat.DATE_GROUPS)
PINNED = "pinned"
# The list reads down the left edge, as a list does (Streamlit centres a button's label), and a
# long title ends in "…" on one line, in the list and in the page's header (`title_heading`).
_LIST_STYLE = """<style>
.st-key-chat_list button { justify-content: flex-start; text-align: left; }
.st-key-chat_list button p { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.st-key-chat_list button > div { min-width: 0; justify-content: flex-start; }
.stMain [data-testid="stHeadingWithActionElements"] h3 { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style>"""


def _more_conversations(hidden: int) -> None:
    """The list shows the most recent; the rest a page at a time (every button is drawn, and
    sent to the browser, on every run of the Chat page)."""
    if hidden > 0:
        st.button(
            tr("chat.more_conversations", count=min(hidden, LIST_PAGE)),
            icon=":material/expand_more:",
            type="tertiary",
            key="chat_more_conversations",
            on_click=_show_more_conversations,
        )


def _show_more_conversations() -> None:
    st.session_state[LIST_SIZE] = st.session_state.get(LIST_SIZE, LIST_PAGE) + LIST_PAGE


def _conversation_actions(store: Store, user: str, conversation) -> None:
    pinned = conversation.pinned_at is not None
    with st.popover(
        conversation.title, icon=":material/keep:" if pinned else ":material/chat_bubble:", use_container_width=True
    ):
        st.button(
            tr("chat.unpin" if pinned else "chat.pin"),
            icon=":material/keep_off:" if pinned else ":material/keep:",
            key=f"chat_pin_{conversation.id}",
            help=None if pinned else tr("chat.pin_help"),
            use_container_width=True,
            on_click=store.pin_conversation,
            args=(user, conversation.id, not pinned),
        )
        title = st.text_input(tr("chat.rename"), value=conversation.title, key=f"chat_title_{conversation.id}")
        save_col, delete_col = st.columns(2)
        if save_col.button(
            tr("chat.save"), icon=":material/save:", key=f"chat_rename_{conversation.id}", disabled=not title.strip()
        ):
            store.rename_conversation(user, conversation.id, title.strip())
            st.rerun()
        delete_col.button(
            tr("chat.delete"),
            icon=":material/delete:",
            key=f"chat_delete_{conversation.id}",
            on_click=st.session_state.__setitem__,
            args=(DELETE_ASKED, conversation.id),
        )
        if st.session_state.get(DELETE_ASKED) == conversation.id:
            _confirm_delete(store, user, conversation)


def _confirm_delete(store: Store, user: str, conversation) -> None:
    """A deleted conversation cannot come back: one click more, saying what goes."""
    st.warning(
        tr(
            "chat.delete_confirm",
            title=markdown_literal(conversation.title),
            count=store.count_messages(user, conversation.id),
        ),
        icon=":material/delete_forever:",
    )
    row = st.container(horizontal=True, gap="small")
    if row.button(
        tr("chat.delete_for_good"),
        icon=":material/delete_forever:",
        type="primary",
        key=f"chat_delete_confirm_{conversation.id}",
    ):
        st.session_state.pop(DELETE_ASKED)
        store.delete_conversation(user, conversation.id)
        set_open_conversation(store, user, None)
        toast_after_rerun(tr("chat.deleted", title=conversation.title), ":material/delete:")
        st.rerun()
    row.button(
        tr("chat.cancel_send"),
        icon=":material/close:",
        key=f"chat_delete_cancel_{conversation.id}",
        on_click=st.session_state.pop,
        args=(DELETE_ASKED, None),
    )


def meta_line(meta: dict, *, with_model: bool = True) -> str:
    return metrics_line(meta, current_lang(), with_model=with_model)


def request_retry(replace: list[int], keep: int | None = None) -> None:
    """Ask the page to send the replies again, the listed messages removed first; the answers of
    the reply `keep` stay as versions of the new one."""
    state.of(SendRequests).ask_retry(replace, keep)


# ---------------------------------------------------------------- history


def render_history(
    store: Store,
    user: str,
    client: ReshiClient,
    history: list[Message],
    coming: int = 0,
    before: list[Message] = (),
    after: list[Message] = (),
) -> None:
    """Every message with its actions. Any question can be edited and sent again: the
    conversation forks there, the messages after it replaced by the new replies (`coming`:
    replies this run is about to stream, drawn after these). `before`: the messages of the
    turn already on the page (a chain's earlier steps), not drawn, but read for the calls'
    results and for whether the turn's chains go on. `after`: the messages drawn below these
    by another part of the page (none of these is then the last)."""
    forked = st.session_state.pop(FORKED, None)
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
            _render_comparison(
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
PAGE_DREW = "chat_page_drew"  # (conversation id, the first message id left to the conversation part)
RECENT_LIMIT = 20  # messages the conversation part draws before a run of the whole page takes them over


def earlier_history(store: Store, user: str, client: ReshiClient, conversation: Conversation | None) -> None:
    """In a run of the whole page: "Show earlier", and the window's messages before its last
    question (before a question being edited, when one is: the messages from it on change)."""
    if conversation is None:
        st.session_state[PAGE_DREW] = (None, 0)
        return
    window = st.session_state.get(WINDOW, chat.HISTORY_PAGE)
    history = store.list_messages(user, conversation.id, limit=window)
    _show_earlier(store, user, conversation.id, window)
    edit = state.of(SendRequests).edit
    edited = edit.question_id if edit else None
    split = min(
        max((i for i, m in enumerate(history) if m.role == "user"), default=0),
        next((i for i, m in enumerate(history) if m.id == edited), len(history)),
    )
    st.session_state[PAGE_DREW] = (conversation.id, history[split].id if split < len(history) else 0)
    render_history(store, user, client, history[:split], after=history[split:])


def recent_history(store: Store, user: str, conversation_id: int | None) -> tuple[list[Message], bool]:
    """In the conversation part: the messages from where the page's run left off (the whole
    window when that run drew another conversation: a new one, created by this part's run), and
    whether the conversation has none at all."""
    if conversation_id is None:
        return [], True
    drawn_for, since = st.session_state.get(PAGE_DREW) or (None, 0)
    if drawn_for == conversation_id:
        recent = store.list_messages(user, conversation_id, since=since)
        return recent, not recent and store.count_messages(user, conversation_id) == 0
    window = st.session_state.get(WINDOW, chat.HISTORY_PAGE)
    _show_earlier(store, user, conversation_id, window)
    recent = store.list_messages(user, conversation_id, limit=window)
    return recent, not recent


def _show_earlier(store: Store, user: str, conversation_id: int, window: int) -> None:
    total = store.count_messages(user, conversation_id)
    if total > window:
        st.button(
            tr("chat.show_earlier", count=total - window),
            icon=":material/expand_less:",
            key="chat_show_earlier",
            on_click=st.session_state.__setitem__,
            args=(WINDOW, window + chat.HISTORY_PAGE),
        )


def render_message(
    store: Store,
    user: str,
    client: ReshiClient,
    message: Message,
    *,
    is_last: bool,
    results: dict | None = None,
    open_calls: bool = False,
) -> None:
    """One stored message. Model text is Markdown with HTML off: tags show as text. A reply's
    tool calls are cards, with their `results` (the last reply's still open to answer)."""
    meta = message.meta or {}
    with st.chat_message(message.role):
        if len(meta.get("versions") or []) > 1:
            _version_switcher(store, user, message)
        if meta.get("failed"):
            _failed_reply(meta, message.id, is_last)
            return
        thinking_block(meta.get("thinking") or "", meta.get("thinking_seconds"))
        if message.role == "user" and chat.is_long(message.content):
            _folded(message)
        else:
            reply_body(message.content, meta, key=f"chat_body_{message.id}")
        if meta.get("attachments"):
            attachment_strip(store, user, client, meta["attachments"])
        if meta.get("variables"):
            st.caption(
                ":material/data_object: "
                + tr("chat.variables_used", values=markdown_literal(presets.variables_line(meta["variables"])))
            )
        if meta.get("tool_calls"):
            call_cards(store, user, message, _tools_of_open_conversation(), results or {}, open_calls, request_retry)
        if message.role == "assistant":
            st.caption(meta_line(meta))
            reply_notes(meta, message.id, is_last)
        _message_actions(store, user, message, is_last)


def _tools_of_open_conversation() -> list[dict]:
    return st.session_state.get(settings_key(st.session_state.get("chat_open")), {}).get("tools") or []


def title_heading(container, title: str) -> None:
    """The conversation's title on one line beside the header's buttons, cut with "…" when
    long (it wrapped to three lines at 1400 px); the whole title is its tooltip."""
    container.subheader(title, help=title if len(title) > 30 else None, anchor=False)


def system_prompt_strip(settings: dict, widget: str) -> None:
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
        here, there = f"{widget}_system_strip", f"{widget}_system"
        st.text_area(
            tr("chat.system_prompt"),
            value=settings["system"],
            key=here,
            height=160,
            on_change=system_edited,
            args=(settings, here, there),
        )


def system_edited(settings: dict, changed: str, other: str) -> None:
    settings["system"] = st.session_state[changed]
    st.session_state.pop(other, None)


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
        key=f"chat_version_prev_{message.id}",
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
        key=f"chat_version_next_{message.id}",
        help=tr("chat.version_next"),
        disabled=shown == len(versions) - 1,
        on_click=_show_version,
        kwargs={**switch, "index": shown + 1},
    )


def _show_version(store: Store, user: str, message_id: int, versions: list[dict], index: int) -> None:
    store.update_message(user, message_id, *chat.showing(versions, index))


FINISH_KEY = key_family("chat.finish", chat.UNFINISHED_REASONS)


def failure_text(meta: dict) -> str:
    """A failed reply's error, in the user's language, with the server's own words if it sent any."""
    return recorded_error_text(meta.get("error", "error"), meta.get("server_message", ""), current_lang())


def _failed_reply(meta: dict, message_id: int, is_last: bool) -> None:
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
        key=f"chat_retry_{message_id}",
        on_click=request_retry,
        args=([message_id],),
        kwargs={"keep": message_id},
    )


def reply_notes(meta: dict, message_id: int, is_last: bool, compact: bool = False) -> None:
    """Why a reply ended early, when it did (`compact`: in a comparison's narrow column)."""
    reason = meta.get("finish_reason")
    if meta.get("stopped"):
        st.caption(tr("chat.stopped_note"))
    elif meta.get(INTERRUPTED):  # the server stopped while it streamed (lib/reply_saving.py)
        st.warning(tr("store.reply_interrupted"), icon=":material/power_off:")
        if is_last:
            _retry_button(message_id)
    elif meta.get("incomplete"):
        st.warning(tr("chat.incomplete_short" if compact else "chat.incomplete"), icon=":material/content_cut:")
        if is_last:
            _retry_button(message_id)
    elif reason in chat.UNFINISHED_REASONS:
        st.warning(tr(FINISH_KEY(reason)), icon=":material/short_text:")


def _continues(meta: dict) -> bool:
    return bool(meta.get("stopped") or meta.get(INTERRUPTED)) or meta.get("finish_reason") in chat.UNFINISHED_REASONS


def _message_actions(store: Store, user: str, message: Message, is_last: bool) -> None:
    row = st.container(horizontal=True, gap="small")
    row.button(
        tr("chat.copy"),
        icon=":material/content_copy:",
        type="tertiary",
        key=f"chat_copy_{message.id}",
        help=tr("chat.copy_help_markdown"),
        on_click=_ask_copy,
        args=(message.id,),
    )
    _copy_if_asked(message)
    row.button(
        tr("chat.fork"),
        icon=":material/call_split:",
        type="tertiary",
        key=f"chat_fork_{message.id}",
        help=tr("chat.fork_help"),
        on_click=_fork,
        args=(store, user, message),
    )
    if message.role == "assistant":
        vote_view.thumb_buttons(store, user, message, row)
    if is_last and message.role == "assistant":
        row.button(
            tr("chat.regenerate"),
            icon=":material/autorenew:",
            type="tertiary",
            key=f"chat_regenerate_{message.id}",
            on_click=request_retry,
            args=([message.id],),
            kwargs={"keep": message.id},
        )
    if is_last and message.role == "assistant" and _continues(message.meta or {}):
        row.button(
            tr("chat.continue"),
            icon=":material/resume:",
            type="tertiary",
            key=f"chat_continue_{message.id}",
            help=tr("chat.continue_help"),
            on_click=setattr,
            args=(state.of(SendRequests), "continuing", message.id),
        )
    if message.role == "user":
        _edit_button(store, user, message, row)


def _fork(store: Store, user: str, message: Message) -> None:
    """A new conversation from the start up to this message, opened (the original stays)."""
    original = store.get_conversation(user, message.conversation_id)
    fork = (
        chat_io.fork_at(store, user, original, message.id, tr("chat.fork_title", title=original.title))
        if original
        else None
    )
    if fork is not None:
        set_open_conversation(store, user, fork.id)
        st.session_state[FORKED] = fork.title  # the part that ran the click runs the whole page


def _ask_copy(message_id: int) -> None:
    count = st.session_state.get(COPY, {}).get("count", 0) + 1
    st.session_state[COPY] = {"id": message_id, "count": count}


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
    asked = st.session_state.get(COPY)
    if not asked or asked["id"] != message.id:
        return
    asked["id"] = None  # copied once; the count stays, for the next one
    text = json.dumps(message.content).replace("<", "\\u003c")  # no "</script>" can end the script early
    st.html(_COPY_SCRIPT.format(count=asked["count"], text=text), unsafe_allow_javascript=True)
    st.toast(tr("chat.copied"), icon=":material/content_copy:")


def _edit_button(store: Store, user: str, message: Message, row) -> None:
    """Edit opens a dialog, drawn by the run the click starts: what sending replaces is counted
    then (the history above the last question is drawn once per run of the whole page, and the
    conversation may have gone on since), and the page does not carry an editor for every question."""
    row.button(
        tr("chat.edit"),
        icon=":material/edit:",
        type="tertiary",
        key=f"chat_edit_{message.id}",
        on_click=st.session_state.__setitem__,
        args=(EDITING, message.id),
    )
    if st.session_state.get(EDITING) == message.id:
        del st.session_state[EDITING]
        st.dialog(tr("chat.edit"), width="large")(_edit_body)(store, user, message)


def _edit_body(store: Store, user: str, message: Message) -> None:
    draft = (st.session_state.pop(EDIT_DRAFT, None) or {}).get(message.id, message.content)
    text = st.text_area(tr("chat.edit_label"), value=draft, key=f"chat_edit_text_{message.id}", height=200)
    replacing = len(store.list_messages(user, message.conversation_id, since=message.id + 1))
    if replacing > 1:  # more than this question's own reply: say what the fork drops
        st.caption(tr("chat.edit_replaces", count=replacing))
    if st.button(
        tr("chat.edit_send"),
        icon=":material/send:",
        type="primary",
        key=f"chat_edit_send_{message.id}",
        disabled=prompt_problem(CHAT, text) is not None,
        on_click=_ask_edit,
        args=(message.id, replacing),
    ):
        st.rerun()  # the dialog closes, and the page sends it


def reopen_edit(message_id: int, text: str) -> None:
    """The question's dialog opens again in the next run, with the text it was sent with."""
    st.session_state[EDITING] = message_id
    st.session_state[EDIT_DRAFT] = {message_id: text}


def _ask_edit(message_id: int, replacing: int) -> None:
    """Recorded only: the page applies it after any reply still streaming has been saved.
    `replacing`: how many messages the user was told it replaces (`chat_send`'s check)."""
    state.of(SendRequests).edit = Edit(message_id, st.session_state[f"chat_edit_text_{message_id}"], replacing)


def _render_comparison(
    store: Store,
    user: str,
    group: list[Message],
    *,
    is_last: bool,
    calls: tuple[dict, set] = ({}, set()),
    turn: list[list[Message]] = (),
    turn_going_on: bool = False,
) -> None:
    """Side by side; a blind comparison in its shuffled order, names hidden until the vote.
    `calls`: the tool results, and the replies whose calls are still open (each column its chain).
    `turn`: the comparison groups answering the same question (a chain's steps), voted on once
    under the last, when no chain of it goes on."""
    turn = turn or [group]
    shown = _in_turn_columns(vote_view.shown_order(group), vote_view.shown_order(turn[0]))
    with st.chat_message("assistant"):
        for number, (column, message) in enumerate(zip(st.columns(len(shown), border=True), shown)):
            with column:
                if message is None:  # this column's chain is not at this step
                    st.caption(tr("tools.column_not_here"))
                    continue
                _comparison_column(store, user, group, message, vote_view.column_heading(message, number, group), calls)
        turn_ends_here = turn[-1][0].id == group[0].id
        if turn_ends_here and vote_view.hidden(group) and not turn_going_on:
            vote_view.vote_buttons(
                store, user, vote_view.shown_order(turn[0]), revealing=[m.id for step in turn[1:] for m in step]
            )
        elif turn_ends_here and vote_view.is_blind(group) and not vote_view.hidden(group):
            vote_view.verdict_note(vote_view.shown_order(turn[0]))
        if is_last:
            st.button(
                tr("chat.regenerate"),
                icon=":material/autorenew:",
                type="tertiary",
                key=f"chat_regenerate_{group[0].id}",
                on_click=request_retry,
                args=([m.id for m in group],),
            )


def _in_turn_columns(shown: list[Message], first: list[Message]) -> list[Message | None]:
    """A chain's later step where only some columns went on: each reply in its column's place
    (the turn's first step has them all), None where a column has nothing at this step."""
    if len(shown) >= len(first):
        return shown
    place = {_column_of(m): m for m in shown}
    return [place.get(_column_of(m)) for m in first]


def _column_of(message: Message) -> int:
    return (message.meta or {}).get("column", 0)


def _comparison_column(
    store: Store, user: str, group: list[Message], message: Message, heading: str, calls: tuple[dict, set]
) -> None:
    meta = message.meta or {}
    st.markdown(f"**{markdown_literal(heading)}**")
    if meta.get("failed"):
        st.error(failure_text(meta), icon=":material/error:")
        return
    if not vote_view.hidden(group):  # a thinking block would tell a reasoning model before the vote
        thinking_block(meta.get("thinking") or "", meta.get("thinking_seconds"))
    reply_body(message.content, meta, key=f"chat_body_{message.id}")
    if meta.get("tool_calls"):
        results, open_ids = calls
        call_cards(store, user, message, _tools_of_open_conversation(), results, message.id in open_ids, request_retry)
    reply_notes(meta, message.id, is_last=False, compact=True)
    if vote_view.hidden(group):  # no price or figure may tell the models apart before the vote
        return
    st.caption(meta_line(meta, with_model=False))
    if st.button(
        tr("chat.keep"), icon=":material/check_circle:", key=f"chat_keep_{message.id}", help=tr("chat.keep_help")
    ):
        kept = compare.keep_answer(store, user, group, message.id)
        st.session_state["chat_kept_model"] = (kept.meta or {}).get("model")
        st.rerun()


# ---------------------------------------------------------------- attachments


def attachment_strip(store: Store, user: str, client: ReshiClient | None, attachments: list[dict]) -> None:
    """Thumbnails of a message's images; an upload past its expiry says so instead."""
    now = datetime.now(UTC)
    for column, attachment in zip(st.columns(max(len(attachments), 4)), attachments):
        name = display_name(str(attachment.get("name") or ""))
        image = (
            None
            if not chat_attachments.is_available(attachment, now)
            else _image_bytes(store, user, client, attachment)
        )
        if image:
            column.image(image, caption=name, width=THUMB_WIDTH)
        else:
            column.caption(f":material/hide_image: {markdown_literal(name)} · {tr('chat.image_expired')}")


def attachment_image(attachment: dict) -> bytes | None:
    """An attachment's image at its best, for a copy (a share): inline, the upload itself while
    the provider keeps it, else its thumbnail; None when none is left."""
    if chat_attachments.is_available(attachment, datetime.now(UTC)) and attachment.get("url"):
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
