"""Chat: streaming replies from one model or 2-3 side by side, images, prompts, View code,
export and import, and this user's conversations."""

import streamlit as st

from lib import chat
from lib.chat import attached_images
from lib.credits.pricing import CHAT
from lib.prompts.limits import MAX_PROMPT_CHARS
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.chat.conversations import conversation_sidebar
from lib.ui.chat.exports import export_popover, import_popover, view_code_button
from lib.ui.chat.history import RECENT_LIMIT, earlier_history, recent_history, render_history
from lib.ui.chat.model_features import keep_setting, settings_section
from lib.ui.chat.phone_layout import header_menu_button, phone_chat_layout
from lib.ui.chat.send import (
    draw_pending_step,
    follow_new_messages,
    queue_message,
    render_draft_files,
    start_sending,
    take_input,
    take_unsent_text,
)
from lib.ui.chat.stream import finish_sending, planned_calls, settle_live_reply
from lib.ui.chat.tools_editor import tools_button
from lib.ui.chat.view import (
    conversation_settings,
    model_ids,
    refresh_models,
    request_retry,
    set_open_conversation,
    system_edited,
    system_prompt_strip,
    title_heading,
)
from lib.ui.connection import get_client
from lib.ui.prompts.use import prompt_caption, prompt_message_button, prompts_popover, take_opened_prompt
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.sharing.presentation import present_toggle
from lib.ui.sharing.votes import blind_toggle
from lib.ui.state.chat import REFRESH_MODELS, RETRY_QUESTION, OpenConversation, settings_widgets
from lib.ui.state.send import INPUT
from lib.ui.store_status import restore_typed_text, show_store_error, store_errors_as_messages

store, user, client = get_store(), current_user(), get_client()
take_opened_prompt(store, user, lambda: set_open_conversation(store, user, None))
conversation, settings = conversation_settings(store, user)
widgets = settings_widgets(conversation.id if conversation else None)
widget = widgets.prefix  # (the helpers below key their widgets from it)
conversation_sidebar(store, user, extra=lambda: import_popover(store, user))
phone_chat_layout()
opened = state.of(OpenConversation)
kept_model, opened.kept_model = opened.kept_model, None
if kept_model:  # one column of a comparison was kept: the conversation goes on with that model
    settings.update(model=kept_model, compare_on=False)
    widgets("model").forget()
    # Set, not forgotten: a forgotten toggle is redrawn from the browser's state, still on.
    widgets("compare_on").set(False)

# ---------------------------------------------------------------- header: title and tools
# Wide enough for "Present" and "Prompts" beside a long title at 1280 px (a long title wraps).
# The last column, the phone's menu button, is hidden on a wide screen (lib/ui/chat/phone_layout.py).
col_title, col_present, col_prompts, col_code, col_export, col_menu = st.columns(
    [3.0, 1.8, 1.8, 1.6, 1.5, 0.01], vertical_alignment="bottom"
)
title_heading(col_title, conversation.title if conversation else tr("chat.new_title"))
prompt_caption(col_title, settings)
present_toggle(col_present, disabled=conversation is None)
prompts_popover(col_prompts, store, user, settings, widget)
header_menu_button(col_menu)

# ---------------------------------------------------------------- models and settings
models = model_ids(client)
if settings["model"] not in models:
    models = [settings["model"], *models]
col_model, col_compare, col_refresh, col_settings, col_tools = st.columns(
    [4.6, 1.6, 0.6, 1.6, 1.6], vertical_alignment="bottom"
)
settings["compare_on"] = col_compare.toggle(
    tr("chat.compare"),
    value=settings["compare_on"],
    key=widgets("compare_on").key,
    help=tr("chat.compare_help"),
    on_change=keep_setting,
    args=(settings, "compare_on", widgets("compare_on").key),
)
if settings["compare_on"]:
    blind_toggle(col_compare, settings, widget, keep_setting)
    chosen = settings["compare"] or [settings["model"]]
    settings["compare"] = col_model.multiselect(
        tr("chat.compare_models"),
        models,
        default=[m for m in chosen if m in models],
        max_selections=chat.MAX_COMPARE,
        key=widgets("compare").key,
        placeholder=tr("chat.compare_placeholder"),
        on_change=keep_setting,
        args=(settings, "compare", widgets("compare").key),
    )
else:
    settings["model"] = col_model.selectbox(
        tr("chat.model"),
        models,
        index=models.index(settings["model"]),
        key=widgets("model").key,
        on_change=keep_setting,
        args=(settings, "model", widgets("model").key),
    )
if col_refresh.button("", icon=":material/refresh:", help=tr("chat.refresh_models"), key=REFRESH_MODELS.key):
    refresh_models()
    st.rerun()
with col_settings.popover(tr("chat.settings"), icon=":material/tune:", use_container_width=True):
    settings["system"] = st.text_area(
        tr("chat.system_prompt"),
        value=settings["system"],
        placeholder=tr("chat.system_placeholder"),
        key=widgets("system").key,
        help=tr("chat.system_help"),
        on_change=system_edited,
        args=(settings, widgets("system"), widgets("system_strip")),
    )
    for param in chat.PARAMS:  # each name on a line of its own: a column beside the value cut it short
        entry = settings["params"][param.name]
        on_key, value_key = widgets(param.name, "on").key, widgets(param.name).key
        entry["on"] = st.toggle(
            param.name, value=entry["on"], key=on_key, on_change=keep_setting, args=(entry, "on", on_key)
        )
        if not entry["on"]:
            continue
        keep = dict(
            key=value_key, label_visibility="collapsed", on_change=keep_setting, args=(entry, "value", value_key)
        )
        if param.name == "stop":
            entry["value"] = st.text_area(tr("chat.stop_help"), value=entry["value"], height=68, **keep)
        elif isinstance(param.default, int):
            entry["value"] = st.number_input(param.name, param.low, param.high, int(entry["value"]), param.step, **keep)
        else:
            entry["value"] = st.slider(param.name, param.low, param.high, float(entry["value"]), param.step, **keep)
    settings_section(settings, widget)
tools_button(
    col_tools,
    settings,
    widget,
    save=lambda: conversation and store.update_conversation_settings(user, conversation.id, settings),
)
if settings["compare_on"] and len(settings["compare"]) < 2:
    st.caption(tr("chat.compare_pick_two"))
prompt_message_button(settings, queue_message)
system_prompt_strip(settings, widget)

# ---------------------------------------------------------------- the conversation
with store_errors_as_messages():
    settle_live_reply()  # a click while replies streamed: what arrived is saved before the history is read
    earlier_history(store, user, client, conversation)


@st.fragment
@store_errors_as_messages(take_unsent_text=take_unsent_text)
def conversation_part() -> None:
    """The last turns, the chat input and the replies: a message reruns this part alone, so the
    first words of a reply are not queued behind a redraw of the whole page (issue 12), nor of the
    history above (`earlier_history`, issue 30). What
    else a message changes (a new conversation's title and place in the sidebar, the budget
    banner) is redrawn by a run of the whole page once the replies are in (`finish_sending`).
    The page's other widgets run the whole page, which calls this part again.

    A run of this part alone skips the router and the code above: it takes the session's user
    and client anew, and first reserves its places outside itself (a run of the whole page that
    stopped before writing them would leave the next run of this part nowhere to write)."""
    code_slot, export_slot = col_code.empty(), col_export.empty()
    restore_typed_text(INPUT)
    show_store_error()
    st.bottom.chat_input(
        tr("chat.placeholder"),
        max_chars=MAX_PROMPT_CHARS[CHAT],
        submit_mode="disable",
        accept_file="multiple",
        file_type=attached_images.FILE_TYPES,
        key=INPUT.key,
        on_submit=take_input,
    )
    leave_if_signed_out()
    store, user, client = get_store(), current_user(), get_client()
    settle_live_reply()  # a click while replies streamed: they are stopped and saved before the history is read
    conversation, settings = conversation_settings(store, user)
    if conversation and settings != conversation.settings:  # changed by the page, or by `{{variables}}` filled here
        store.update_conversation_settings(user, conversation.id, settings)
    outgoing = start_sending(store, user, client, conversation, settings)
    if outgoing and conversation is None:
        conversation, settings = conversation_settings(store, user)
    conv_id = conversation.id if conversation else None
    history, no_messages = recent_history(store, user, conv_id)
    if outgoing:
        history = outgoing.shown(history)
    if no_messages and not history:
        st.info(tr("chat.empty_state"), icon=":material/forum:")
    render_history(store, user, client, history, coming=len(chat.reply_models(settings)) if outgoing else 0)
    if history and history[-1].role == "user" and outgoing is None:  # a question left without its reply
        st.button(
            tr("chat.retry"), icon=":material/replay:", key=RETRY_QUESTION.key, on_click=request_retry, args=([],)
        )
    render_draft_files()
    follow_new_messages()
    if outgoing is None:  # a message waits: what for (a retry streaming meanwhile goes first)
        draw_pending_step(store, user, client, settings)
    finish_sending(store, user, client, settings, outgoing)
    if outgoing and len(history) >= RECENT_LIMIT:  # a run of the whole page takes them over
        st.rerun()
    # What they offer (the request just made, a comparison to report) includes the replies that
    # streamed in this run.
    view_code_button(
        code_slot,
        conv_id,
        lambda next_message: planned_calls(client, settings, store.list_messages(user, conv_id), next_message),
    )
    export_popover(export_slot, conversation, lambda: store.list_messages(user, conv_id))


conversation_part()
