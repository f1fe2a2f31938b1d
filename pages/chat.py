"""Chat: streaming replies, models from /models, parameters, and this user's conversations."""
import streamlit as st

from lib import chat
from lib.ui.chat_view import (conversation_sidebar, model_ids, open_conversation_id, refresh_models,
                              render_message, set_open_conversation, stream_reply)
from lib.ui.connection import get_client
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr

store, user = get_store(), current_user()
conversation_sidebar(store, user)

conv_id = open_conversation_id(store, user)
conversation = store.get_conversation(user, conv_id) if conv_id else None
settings_key = f"chat_settings_{conv_id or 'new'}"
if settings_key not in st.session_state:
    st.session_state[settings_key] = chat.merged_settings(conversation.settings if conversation else None)
settings = st.session_state[settings_key]
widget = f"chat_{conv_id or 'new'}"

# ---------------------------------------------------------------- header: model and settings
col_title, col_model, col_refresh, col_settings = st.columns([4, 3, 0.6, 1.4], vertical_alignment="bottom")
col_title.subheader(conversation.title if conversation else tr("chat.new_title"))
models = model_ids(get_client())
if settings["model"] not in models:
    models = [settings["model"], *models]
settings["model"] = col_model.selectbox(tr("chat.model"), models, index=models.index(settings["model"]),
                                        key=f"{widget}_model")
if col_refresh.button("", icon=":material/refresh:", help=tr("chat.refresh_models"), key="chat_refresh_models"):
    refresh_models()
    st.rerun()
with col_settings.popover(tr("chat.settings"), icon=":material/tune:", use_container_width=True):
    settings["system"] = st.text_area(tr("chat.system_prompt"), value=settings["system"],
                                      placeholder=tr("chat.system_placeholder"), key=f"{widget}_system")
    for param in chat.PARAMS:
        entry = settings["params"][param.name]
        on_col, value_col = st.columns([1.2, 3], vertical_alignment="center")
        entry["on"] = on_col.toggle(param.name, value=entry["on"], key=f"{widget}_{param.name}_on")
        if param.name == "stop":
            entry["value"] = value_col.text_area(tr("chat.stop_help"), value=entry["value"], height=68,
                                                 disabled=not entry["on"], key=f"{widget}_stop",
                                                 label_visibility="collapsed")
        elif isinstance(param.default, int):
            entry["value"] = value_col.number_input(param.name, param.low, param.high, int(entry["value"]),
                                                    param.step, disabled=not entry["on"],
                                                    key=f"{widget}_{param.name}", label_visibility="collapsed")
        else:
            entry["value"] = value_col.slider(param.name, param.low, param.high, float(entry["value"]),
                                              param.step, disabled=not entry["on"],
                                              key=f"{widget}_{param.name}", label_visibility="collapsed")
if conversation and settings != conversation.settings:
    store.update_conversation_settings(user, conversation.id, settings)

# ---------------------------------------------------------------- history
window = st.session_state.get("chat_window", chat.HISTORY_PAGE)
total = store.count_messages(user, conv_id) if conv_id else 0
if total > window:
    if st.button(tr("chat.show_earlier", count=total - window), icon=":material/expand_less:"):
        st.session_state["chat_window"] = window + chat.HISTORY_PAGE
        st.rerun()
history = store.list_messages(user, conv_id, limit=window) if conv_id else []
if not history:
    st.info(tr("chat.empty_state"), icon=":material/forum:")
for position, message in enumerate(history):
    render_message(message, is_last=position == len(history) - 1)

# ---------------------------------------------------------------- sending and streaming
pending_error = st.session_state.get("chat_error")
if pending_error and pending_error[0] == conv_id:
    exc = pending_error[1]
    st.error(exc.user_message(current_lang()), icon=":material/error:")
last = history[-1] if history else None
if last is not None and last.role == "user":
    if st.button(tr("chat.retry"), icon=":material/replay:", key="chat_retry_pending"):
        st.session_state["chat_retry"] = True
        st.rerun()

prompt = st.chat_input(tr("chat.placeholder"), max_chars=chat.MAX_PROMPT_CHARS, submit_mode="disable",
                       key="chat_input")
if prompt is not None:
    problem = chat.prompt_problem(prompt)
    if problem:
        st.warning(tr(problem), icon=":material/warning:")
    else:
        if conversation is None:
            conversation = store.create_conversation(user, chat.title_from(prompt), settings)
            st.session_state[f"chat_settings_{conversation.id}"] = settings
            set_open_conversation(store, user, conversation.id)
        with st.chat_message("user"):
            st.markdown(prompt)
        store.add_message(user, conversation.id, "user", prompt)
        st.session_state.pop("chat_error", None)
        stream_reply(store, user, get_client(), conversation.id, settings)
        st.rerun()
elif st.session_state.pop("chat_retry", False) and conversation is not None:
    st.session_state.pop("chat_error", None)
    stream_reply(store, user, get_client(), conversation.id, settings)
    st.rerun()
