"""Function calling on the Chat page: the Tools dialog (the conversation's tools, tool_choice,
parallel calls, mocks; its body, `tools_editor`, is the Workbench's tools too), each call of a reply drawn as a card (its arguments checked against
the schema, a result typed or mocked), Continue, and the chain answered with mocks.

The logic is lib/tools.py; what is stored: an assistant reply's `meta["tool_calls"]` (as the
API sent them) and one `tool` message per result, `meta["tool_call_id"]` naming its call.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from lib import tools
from lib.client import ChatStream
from lib.i18n import key_family, t
from lib.safe_text import markdown_literal
from lib.store import Message, Store
from lib.ui.auth import leave_if_signed_out
from lib.ui.session import current_lang, labels, tr

RESULT_KEY = "chat_tool_result_{message}_{call}"
MISSING = "chat_tool_missing"  # message id -> the calls Continue found without a result
IMPORT_TEXT = "{widget}_tools_import_text"
KEPT_IMPORT_TEXT = "tools_import_kept_{widget}"  # the import box's text while its dialog is closed
EXPORT_FILE = "openai-tools.json"
_CHOICE_KEY = key_family("tools.choice", tools.CHOICES)


# ---------------------------------------------------------------- the Tools dialog


def tools_button(container, settings: dict, widget: str, save: Callable[[], None]) -> None:
    """The header's Tools button (with how many are defined); it opens the editor."""
    count = len(settings["tools"])
    label = tr("tools.button_count", count=count) if count else tr("tools.button")
    if container.button(
        label, icon=":material/build:", key="chat_tools_open", use_container_width=True, help=tr("tools.button_help")
    ):
        # Closed, the page runs again: the button counts the tools, the cards see their mocks.
        st.dialog(tr("tools.title"), width="large", on_dismiss="rerun")(_dialog)(settings, widget, save)


# A text box sends its text when it loses focus, and Escape closes a dialog without taking the
# focus away: what was typed last (a schema's edit, an import pasted) was lost. In this dialog,
# Escape first takes the focus from the box, so its text is sent before the dialog closes.
_SEND_BOX_ON_ESCAPE = """<span data-reshi-send-on-escape></span><script>
(() => {
  if (window.reshiSendOnEscape) return;
  window.reshiSendOnEscape = true;
  window.addEventListener('keydown', (event) => {
    const box = document.activeElement;
    if (event.key !== 'Escape' || !box || !['TEXTAREA', 'INPUT'].includes(box.tagName)) return;
    const dialog = box.closest('[role="dialog"]');
    if (dialog && dialog.querySelector('[data-reshi-send-on-escape]')) box.blur();
  }, true);
})();
</script>"""


def _dialog(settings: dict, widget: str, save: Callable[[], None]) -> None:
    leave_if_signed_out()
    st.caption(tr("tools.intro"))
    tools_editor(settings, widget, save)
    st.html(_SEND_BOX_ON_ESCAPE, unsafe_allow_javascript=True)  # (last: its empty row's gap at the end)


def tools_editor(settings: dict, widget: str, save: Callable[[], None], unattended: bool = False) -> None:
    """The tools of `settings`, edited in place (`save` after each change): each tool with its
    schema and mock, examples, tool_choice, parallel calls, import and export. `unattended` (the
    Workbench): every call is answered by its mock, so only the step limit is asked."""
    listed = settings["tools"]
    problems = tools.problems(listed)
    for index, tool in enumerate(listed):
        _tool_fields(index, tool, widget, save, [p for p in problems if p.index == index], settings)
    if not listed:
        st.info(tr("tools.empty"), icon=":material/build:")
    _add_row(settings, widget, save)
    if listed:
        st.divider()
        _choices(settings, widget, save, unattended)
    with st.expander(tr("tools.import_export"), icon=":material/swap_vert:"):
        _import_export(settings, widget, save)


def _keep(target: dict, field: str, key: str, save: Callable[[], None]) -> None:
    target[field] = st.session_state[key]
    save()


def _tool_fields(index: int, tool: dict, widget: str, save, problems: list, settings: dict) -> None:
    prefix = f"{widget}_tool{index}"
    with st.container(border=True):
        left, right = st.columns([2, 3])
        for column, field, label in ((left, "name", "tools.name"), (right, "description", "tools.description")):
            key = f"{prefix}_{field}"
            column.text_input(tr(label), value=tool[field], key=key, on_change=_keep, args=(tool, field, key, save))
        key = f"{prefix}_parameters"
        st.text_area(
            tr("tools.parameters"),
            value=tool["parameters"],
            key=key,
            height=170,
            on_change=_keep,
            args=(tool, "parameters", key, save),
            help=tr("tools.parameters_help"),
        )
        key = f"{prefix}_mock"
        st.text_area(
            tr("tools.mock"),
            value=tool["mock"],
            key=key,
            height=68,
            on_change=_keep,
            args=(tool, "mock", key, save),
            help=tr("tools.mock_help"),
        )
        for problem in problems:
            st.warning(
                tr(tools.PROBLEM_KEY(problem.code), number=index + 1, detail=problem.detail), icon=":material/warning:"
            )
        st.button(
            tr("tools.remove"),
            icon=":material/delete:",
            type="tertiary",
            key=f"{prefix}_remove",
            on_click=_remove,
            args=(settings, index, widget, save),
        )


def _forget_widgets(widget: str) -> None:
    """Drop the editor's widget state: after a tool is added or removed, each widget shows the
    tool now at its place."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{widget}_tool")]:
        del st.session_state[key]


def _remove(settings: dict, index: int, widget: str, save) -> None:
    settings["tools"].pop(index)
    _forget_widgets(widget)
    save()


def _add_row(settings: dict, widget: str, save) -> None:
    row = st.container(horizontal=True, vertical_alignment="bottom")
    with row:
        # keyed per language: a selectbox keeps the option labels it was made with
        starter = st.selectbox(
            tr("tools.starter_pick"),
            list(tools.STARTERS),
            key=f"{widget}_tools_starter_{current_lang()}",
            format_func=labels(tools.STARTER_KEY),
        )
        st.button(
            tr("tools.add_starter"),
            icon=":material/add:",
            key=f"{widget}_tools_add",
            on_click=_add,
            args=(settings, widget, save, starter),
        )
        st.button(
            tr("tools.add_blank"),
            icon=":material/add_box:",
            key=f"{widget}_tools_blank",
            on_click=_add,
            args=(settings, widget, save, None),
        )


def _add(settings: dict, widget: str, save, starter: str | None) -> None:
    if len(settings["tools"]) >= tools.MAX_TOOLS:
        return
    blank = {"name": "", "description": "", "parameters": tools.BLANK_PARAMETERS, "mock": ""}
    settings["tools"].append(tools.starter(starter, current_lang()) if starter else blank)
    _forget_widgets(widget)
    save()


def _choices(settings: dict, widget: str, save, unattended: bool) -> None:
    names = [t["name"].strip() for t in tools.valid_tools(settings["tools"])]
    options = [*tools.CHOICES, *names]
    if settings["tool_choice"] not in options:
        st.caption(tr("tools.choice_gone", name=markdown_literal(settings["tool_choice"])))
        settings["tool_choice"] = "auto"
    key = f"{widget}_tool_choice_{current_lang()}"  # (its labels are in the language)
    left, right = st.columns(2)
    left.selectbox(
        tr("tools.choice"),
        options,
        index=options.index(settings["tool_choice"]),
        key=key,
        format_func=_choice_label(current_lang()),
        on_change=_keep,
        args=(settings, "tool_choice", key, save),
    )
    toggles = (
        ("parallel_tool_calls", "tools.parallel", "tools.parallel_help"),
        *(() if unattended else (("auto_mock", "tools.auto_mock", "tools.auto_mock_help"),)),
    )
    for field, label, explained in toggles:
        key = f"{widget}_tools_{field}"
        right.toggle(
            tr(label),
            value=settings[field],
            key=key,
            help=tr(explained),
            on_change=_keep,
            args=(settings, field, key, save),
        )
    if settings["auto_mock"] or unattended:
        key = f"{widget}_tools_auto_steps"
        right.number_input(
            tr("tools.cell_steps" if unattended else "tools.auto_steps"),
            1,
            tools.MAX_STEPS,
            settings["auto_steps"],
            key=key,
            help=tr("tools.cell_steps_help") if unattended else None,
            on_change=_keep,
            args=(settings, "auto_steps", key, save),
        )


def _choice_label(lang: str) -> Callable[[str], str]:
    """The language is fixed when the widget is made (see `labels`)."""
    return lambda o: t(_CHOICE_KEY(o), lang) if o in tools.CHOICES else t("tools.choice_named", lang, name=o)


def _import_export(settings: dict, widget: str, save) -> None:
    exported = tools.export_json(settings["tools"])
    st.download_button(
        tr("tools.export"),
        exported,
        file_name=EXPORT_FILE,
        mime="application/json",
        icon=":material/download:",
        key=f"{widget}_tools_export",
        on_click="ignore",
        disabled=not settings["tools"],
    )
    # A widget not drawn loses its state: the dialog closed, the text lives on in a kept copy.
    key, kept = IMPORT_TEXT.format(widget=widget), KEPT_IMPORT_TEXT.format(widget=widget)
    st.text_area(
        tr("tools.import_label"),
        value=st.session_state.get(kept, ""),
        key=key,
        height=120,
        placeholder='[{"type": "function", ...}]',
        on_change=_keep_import_text,
        args=(key, kept),
    )
    st.button(
        tr("tools.import_go"),
        icon=":material/upload:",
        key=f"{widget}_tools_import",
        on_click=_import,
        args=(settings, widget, save),
    )
    note = st.session_state.pop("chat_tools_import_note", None)
    if note:
        (st.success if note[0] else st.error)(note[1], icon=":material/info:")


def _keep_import_text(key: str, kept: str) -> None:
    st.session_state[kept] = st.session_state[key]


def _import(settings: dict, widget: str, save) -> None:
    """Imported tools replace those of the same name and join the others; a refused text stays
    in the box, with the reason."""
    key, kept = IMPORT_TEXT.format(widget=widget), KEPT_IMPORT_TEXT.format(widget=widget)
    try:
        imported = tools.import_json(st.session_state.get(key, ""))
    except tools.ImportProblem as problem:
        st.session_state["chat_tools_import_note"] = (
            False,
            tr("tools.import_refused", reason=tr(problem.key, **problem.fields)),
        )
        return
    names = {t["name"] for t in imported}
    settings["tools"] = [t for t in settings["tools"] if t["name"] not in names][: tools.MAX_TOOLS - len(imported)]
    settings["tools"] += imported
    st.session_state.pop(key, None)  # the box is drawn empty again
    st.session_state[kept] = ""
    st.session_state["chat_tools_import_note"] = (True, tr("tools.imported", count=len(imported)))
    _forget_widgets(widget)
    save()


# ---------------------------------------------------------------- calls while they stream


def streaming_calls(stream: ChatStream) -> str:
    """The calls of a reply still streaming, as Markdown under its text."""
    return "".join(
        f"\n\n:material/function: **{markdown_literal(c.name)}**\n```json\n{c.arguments}\n```"
        for c in stream.tool_calls
    )


# ---------------------------------------------------------------- a reply's calls as cards


def results_of(history: list[Message]) -> dict[str, Message]:
    """tool_call_id -> the tool message answering it."""
    return {m.meta.get("tool_call_id"): m for m in history if m.role == "tool" and m.meta}


def call_cards(
    store: Store,
    user: str,
    message: Message,
    settings_tools: list[dict],
    results: dict[str, Message],
    open_calls: bool,
    send_again: Callable,
) -> None:
    """Each call of the reply: its function, its arguments checked, and its result (typed,
    mocked, or the one sent). `open_calls`: the last reply, whose calls still wait for results."""
    calls = message.meta.get("tool_calls") or []
    missing = st.session_state.get(MISSING, {}).get(message.id, [])
    for call in calls:
        _card(
            message,
            call,
            tools.find(settings_tools, call["function"]["name"]),
            results.get(call.get("id")),
            open_calls,
            call.get("id") in missing,
        )
    if open_calls and any(call.get("id") not in results for call in calls):
        st.button(
            tr("tools.continue"),
            icon=":material/play_arrow:",
            type="primary",
            key=f"chat_tools_continue_{message.id}",
            help=tr("tools.continue_help"),
            on_click=_continue,
            args=(store, user, message, settings_tools, results, send_again),
        )
    elif open_calls:  # every result sent, but no reply came (stopped, or failed): send again
        st.button(
            tr("tools.continue"),
            icon=":material/play_arrow:",
            type="primary",
            key=f"chat_tools_continue_{message.id}",
            on_click=send_again,
            args=([],),
        )
    if message.meta.get("chain_limit"):
        st.warning(tr("tools.chain_limit", count=message.meta["chain_limit"]), icon=":material/block:")


def _card(
    message: Message, call: dict, tool: dict | None, result: Message | None, open_calls: bool, missing: bool
) -> None:
    name, arguments = call["function"]["name"], call["function"].get("arguments") or ""
    with st.container(border=True):
        st.markdown(f":material/function: {tr('tools.call_title', name=markdown_literal(name))}")
        parsed = _parsed(arguments)
        if parsed is _NOT_JSON:
            st.code(arguments or " ", language="text", wrap_lines=True)
            st.error(tr("tools.args_not_json"), icon=":material/data_object:")
        else:
            st.code(json.dumps(parsed, indent=2, ensure_ascii=False), language="json", wrap_lines=True)
            for path, why in tools.argument_problems(tool, parsed):
                st.warning(tr("tools.args_mismatch", path=path, reason=markdown_literal(why)), icon=":material/rule:")
        if tool is None:
            st.warning(tr("tools.call_unknown", name=markdown_literal(name)), icon=":material/help:")
        if result is not None:
            st.caption(tr("tools.result_sent"))  # (wrapped: a Compare column is narrow)
            st.code(
                result.content or " ",
                language="json" if _parsed(result.content) is not _NOT_JSON else "text",
                wrap_lines=True,
            )
        elif open_calls:
            _result_input(message, call, tool, parsed, missing)


def _result_input(message: Message, call: dict, tool: dict | None, parsed, missing: bool) -> None:
    key = RESULT_KEY.format(message=message.id, call=call.get("id"))
    st.text_area(tr("tools.result_label"), key=key, height=80, placeholder=tr("tools.result_placeholder"))
    mock = tool and tool["mock"].strip()
    st.button(
        tr("tools.use_mock"),
        icon=":material/auto_fix_high:",
        key=f"{key}_mock",
        disabled=not mock,
        help=None if mock else tr("tools.no_mock"),
        on_click=_use_mock,
        args=(key, tool["mock"] if mock else "", {} if parsed is _NOT_JSON else parsed),
    )
    if missing and not st.session_state.get(key, "").strip():
        st.error(tr("tools.result_empty"), icon=":material/edit_note:")


def _use_mock(key: str, template: str, arguments) -> None:
    st.session_state[key] = tools.fill_mock(template, arguments)


_NOT_JSON = object()


def _parsed(text: str):
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return _NOT_JSON


def _continue(
    store: Store,
    user: str,
    message: Message,
    settings_tools: list[dict],
    results: dict[str, Message],
    send_again: Callable,
) -> None:
    """Each call's result becomes a `tool` message and the replies are asked for again; a call
    left without a result stops it, with what was typed kept in the boxes."""
    waiting = [c for c in message.meta["tool_calls"] if c.get("id") not in results]
    typed = {c["id"]: st.session_state.get(RESULT_KEY.format(message=message.id, call=c["id"]), "") for c in waiting}
    missing = [call_id for call_id, text in typed.items() if not text.strip()]
    st.session_state.setdefault(MISSING, {})[message.id] = missing
    if missing:
        return
    for call in waiting:
        _add_result(store, user, message, call, tools.result_text(typed[call["id"]]))
    send_again([])


def _add_result(store: Store, user: str, message: Message, call: dict, content: str) -> None:
    column = {"column": message.meta["column"]} if "column" in message.meta else {}
    store.add_message(
        user,
        message.conversation_id,
        "tool",
        content,
        {"tool_call_id": call["id"], "name": call["function"]["name"], **column},
    )


# ---------------------------------------------------------------- answered with mocks


def answered_by_mocks(store: Store, user: str, conversation_id: int, settings: dict) -> int:
    """With "answer with mocks automatically" on: the calls of each column's latest reply get
    their tools' mock results, and how many were added (not 0) says to ask for the next replies.
    A reply is left to the user when it was stopped or cut, calls a tool that has no mock, or
    its chain reached the step limit (noted on the reply, and shown under it)."""
    if not settings.get("auto_mock"):
        return 0
    history = store.list_messages(user, conversation_id)
    answered = set(results_of(history))
    added = 0
    for reply in tools.latest_replies(history).values():
        calls = reply.meta.get("tool_calls") or []
        if (
            not calls
            or reply.meta.get("stopped")
            or reply.meta.get("incomplete")
            or any(c.get("id") in answered for c in calls)
        ):
            continue
        if tools.chain_steps(history, reply.meta.get("column", 0)) > settings["auto_steps"]:
            store.update_message(user, reply.id, meta={**reply.meta, "chain_limit": settings["auto_steps"]})
            continue
        mocks = [tools.find(settings["tools"], c["function"]["name"]) for c in calls]
        if not all(tool and tool["mock"].strip() for tool in mocks):
            continue
        for call, tool in zip(calls, mocks):
            arguments = _parsed(call["function"].get("arguments") or "")
            _add_result(
                store,
                user,
                reply,
                call,
                tools.result_text(tools.fill_mock(tool["mock"], {} if arguments is _NOT_JSON else arguments)),
            )
        added += len(calls)
    return added


# ---------------------------------------------------------------- read-only (shares, presentation)


def read_only_calls(steps: tuple[tools.CallStep, ...]) -> None:
    """A chain's calls and their results, as a share link or a slide shows them."""
    for step in steps:
        with st.container(border=True):
            st.markdown(f":material/function: {tr('tools.call_title', name=markdown_literal(step.name))}")
            parsed = _parsed(step.arguments)
            st.code(
                step.arguments or " " if parsed is _NOT_JSON else json.dumps(parsed, indent=2, ensure_ascii=False),
                language="json",
                wrap_lines=True,
            )
            if step.result is not None:
                st.caption(tr("tools.result_sent"))
                st.code(
                    step.result or " ",
                    language="json" if _parsed(step.result) is not _NOT_JSON else "text",
                    wrap_lines=True,
                )
            else:
                st.caption(tr("tools.result_none"))


def shared_results(messages: list[dict]) -> dict[str, str]:
    """tool_call_id -> result, of a share snapshot's messages."""
    return {m["meta"].get("tool_call_id"): m["content"] for m in messages if m["role"] == "tool"}
