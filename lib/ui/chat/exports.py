"""The Chat page's tools: View code, export and import (its Prompts popover is lib/ui/prompts/use.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.chat import code_export, transcripts
from lib.sharing import shares
from lib.store import Conversation, Store
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.chat.view import attachment_image, set_open_conversation
from lib.ui.picker import file_picker
from lib.ui.session import tr
from lib.ui.sharing.links import comparison_report_button, share_button
from lib.ui.state.chat import (
    CODE_MODEL,
    EXPORT_JSON,
    EXPORT_MARKDOWN,
    IMPORT_FILE,
    IMPORT_GO,
    IMPORT_POPOVER,
    VIEW_CODE,
    ChatPanels,
)
from lib.ui.state.send import Replies

# ---------------------------------------------------------------- View code


def _last_calls(conversation_id: int | None) -> list[dict[str, Any]]:
    calls = state.of(Replies).last_calls.get(conversation_id) if conversation_id is not None else None
    return calls or []


def _code_body(calls: list[dict[str, Any]]) -> None:
    leave_if_signed_out()
    planned = calls[0]["events"] is None
    call = calls[0]
    if len(calls) > 1:
        models = [c["model"] for c in calls]
        call = calls[
            models.index(
                st.segmented_control(tr("chat.code_model"), models, default=models[0], key=CODE_MODEL.key) or models[0]
            )
        ]
    st.caption(tr("chat.code_planned" if planned else "chat.code_help", masked=code_export.MASKED_KEY))
    body, base = call["body"], call["base_url"]
    sdk, plain, shell, raw = st.tabs([tr("chat.code_openai"), tr("chat.code_requests"), "cURL", tr("chat.code_raw")])
    sdk.code(code_export.python_openai(body, base), language="python")
    plain.code(code_export.python_requests(body, base), language="python")
    shell.code(code_export.curl(body, base), language="bash")
    with raw:
        st.markdown(f"**{tr('chat.code_request')}**")
        st.code(code_export.request_json(body), language="json", height=260)
        if planned:
            st.caption(tr("chat.code_no_events"))
            return
        st.markdown(f"**{tr('chat.code_events', count=len(call['events']))}**")
        st.code(code_export.raw_events(call["events"], call["done"]), language="text", height=260)


def view_code_button(
    container: Any, conversation_id: int | None, planned: Callable[[str], list[dict[str, Any]]]
) -> None:
    """The code of this conversation's last request in this session; for a conversation reopened
    (a reload, a new tab, a restart), the requests its next message would make (`planned`, given
    the words that stand for that message). A new chat has nothing to show yet and says so."""
    calls = _last_calls(conversation_id)
    if container.button(
        tr("chat.view_code"),
        icon=":material/code:",
        key=VIEW_CODE.key,
        use_container_width=True,
        disabled=conversation_id is None,
        help=tr("chat.code_nothing") if conversation_id is None else None,
    ):
        title = tr("chat.code_title" if calls else "chat.code_title_next")
        st.dialog(title, width="large")(_code_body)(calls or planned(tr("chat.code_next_message")))


# ---------------------------------------------------------------- export and import


def export_popover(container: Any, conversation: Conversation | None, load_messages: Callable[[], list[Any]]) -> None:
    """Markdown and JSON downloads, built only when clicked: a long conversation costs nothing
    on the reruns where nobody exports it."""
    with container.popover(
        tr("chat.export"), icon=":material/ios_share:", use_container_width=True, disabled=conversation is None
    ):
        if conversation is None:
            return
        labels = {
            "user": tr("chat.role_user"),
            "assistant": tr("chat.role_assistant"),
            "system": tr("chat.system_prompt"),
            "variables": tr("chat.variables_label"),
            "tool": tr("tools.role_tool"),
            "thinking": tr("export.thinking"),
        }
        stem = transcripts.export_stem(conversation)
        st.download_button(
            tr("chat.export_markdown"),
            lambda: transcripts.to_markdown(conversation, load_messages(), labels),
            file_name=f"{stem}.md",
            mime="text/markdown",
            icon=":material/description:",
            key=EXPORT_MARKDOWN.key,
            use_container_width=True,
            on_click="ignore",
        )
        st.download_button(
            tr("chat.export_json"),
            lambda: transcripts.to_json(conversation, load_messages()),
            file_name=f"{stem}.json",
            mime="application/json",
            icon=":material/data_object:",
            key=EXPORT_JSON.key,
            use_container_width=True,
            on_click="ignore",
        )
        comparison_report_button(conversation, load_messages)
        share_button(
            shares.CONVERSATION,
            lambda: shares.conversation_snapshot(conversation, load_messages(), attachment_image),
            "chat_share",
        )


def import_popover(store: Store, user: str) -> None:
    """A JSON export in: checked whole first; refused with the reason, or opened as a new chat
    (with a note of the values that had to be left out or clamped, shown after the rerun).

    After an import the popover closes and its uploader starts empty, so a second click cannot
    import the same file again; a file imported before opens the conversation it made instead.
    """
    panels = state.of(ChatPanels)
    adjusted, panels.import_adjusted = panels.import_adjusted, None
    if adjusted:
        st.warning(tr("chat.import_adjusted", fields=transcripts.adjusted_summary(adjusted)), icon=":material/rule:")
    done, panels.import_done = panels.import_done, None
    if done:  # said in the run that shows the conversation, so the toast and the chat arrive together
        note, icon = done
        st.toast(note, icon=icon)
        IMPORT_POPOVER.set(False)  # set before the popover is drawn, it closes it
    with st.popover(
        tr("chat.import"),
        icon=":material/upload_file:",
        use_container_width=True,
        key=IMPORT_POPOVER.key,
        on_change="rerun",
    ):
        file = file_picker(
            tr("chat.import_label"),
            box="chat_import_picker",
            button=tr("picker.browse"),
            note=tr("picker.note_import", limit=transcripts.MAX_IMPORT_MB),
            max_mb=transcripts.MAX_IMPORT_MB,
            type=["json"],
            key=IMPORT_FILE(panels.import_uploads).key,
        )
        if (
            file is None
            or isinstance(file, list)
            or not st.button(tr("chat.import_go"), icon=":material/upload:", key=IMPORT_GO.key, type="primary")
        ):
            return
        _import(store, user, file.getvalue())


def _import(store: Store, user: str, data: bytes) -> None:
    earlier = transcripts.already_imported(store, user, data)
    if earlier is not None:
        _imported(store, user, earlier, tr("chat.import_again", title=earlier.title), ":material/info:")
        return
    try:
        imported = transcripts.parse_import(data)
    except transcripts.ImportProblem as problem:
        st.error(tr("chat.import_refused", reason=tr(problem.key, **problem.fields)), icon=":material/block:")
        return
    # Told apart from the conversation it was exported from, in the list and in search.
    imported.title = tr("chat.imported_title", title=imported.title)
    conversation = transcripts.import_into(store, user, imported, data)
    state.of(ChatPanels).import_adjusted = imported.adjusted
    _imported(store, user, conversation, tr("chat.imported", title=conversation.title), ":material/check_circle:")


def _imported(store: Store, user: str, conversation: Conversation, note: str, icon: str) -> None:
    """Open the conversation, say so, and close the popover with a fresh, empty uploader."""
    set_open_conversation(store, user, conversation.id)
    panels = state.of(ChatPanels)
    panels.import_uploads += 1
    panels.import_done = (note, icon)
    st.rerun()
