"""The Tools dialog of the Chat page: the conversation's tools (name, description, schema,
mock), tool_choice, parallel calls, answering with mocks, import and export. Its body,
`tools_editor`, is the Workbench's tools too. The rules are lib/chat/tools.py; a reply's calls are
drawn by lib/ui/chat/tool_calls.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.chat import tools
from lib.i18n import key_family, t
from lib.safe_text import markdown_literal
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.session import current_lang, labels, tr
from lib.ui.state import Widget, WidgetFamily
from lib.ui.state.chat import TOOLS_OPEN, ChatPanels

EXPORT_FILE = "openai-tools.json"
_CHOICE_KEY = key_family("tools.choice", tools.CHOICES)


def _tool_row(widget: str, index: int) -> WidgetFamily[Any]:
    """The widgets of the tool at `index` (`chat_new_tool0_name`, ...)."""
    return WidgetFamily(f"{widget}_tool{index}")


def _tools_widgets(widget: str) -> WidgetFamily[Any]:
    """The editor's other widgets (`chat_new_tools_add`, `chat_new_tools_import_text`, ...)."""
    return WidgetFamily(f"{widget}_tools")


def _choice_widget(widget: str) -> Widget[str]:
    return WidgetFamily[str](f"{widget}_tool_choice")(current_lang())  # (its labels are in the language)


# ---------------------------------------------------------------- the Tools dialog


def tools_button(container: Any, settings: dict[str, Any], widget: str, save: Callable[[], None]) -> None:
    """The header's Tools button (with how many are defined); it opens the editor."""
    count = len(settings["tools"])
    label = tr("tools.button_count", count=count) if count else tr("tools.button")
    if container.button(
        label, icon=":material/build:", key=TOOLS_OPEN.key, use_container_width=True, help=tr("tools.button_help")
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


def _keep(target: dict[str, Any], field: str, key: str, save: Callable[[], None]) -> None:
    target[field] = Widget(key).value()
    save()


def _tool_fields(
    index: int,
    tool: dict[str, Any],
    widget: str,
    save: Callable[[], None],
    problems: list[tools.Problem],
    settings: dict[str, Any],
) -> None:
    row = _tool_row(widget, index)
    with st.container(border=True):
        left, right = st.columns([2, 3])
        for column, field, label in ((left, "name", "tools.name"), (right, "description", "tools.description")):
            key = row(field).key
            column.text_input(tr(label), value=tool[field], key=key, on_change=_keep, args=(tool, field, key, save))
        key = row("parameters").key
        st.text_area(
            tr("tools.parameters"),
            value=tool["parameters"],
            key=key,
            height=170,
            on_change=_keep,
            args=(tool, "parameters", key, save),
            help=tr("tools.parameters_help"),
        )
        key = row("mock").key
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
            key=row("remove").key,
            on_click=_remove,
            args=(settings, index, widget, save),
        )


def _forget_widgets(widget: str) -> None:
    """Drop the editor's widget state: after a tool is added or removed, each widget shows the
    tool now at its place."""
    for index in range(tools.MAX_TOOLS + 1):
        _tool_row(widget, index).forget_all()
    _tools_widgets(widget).forget_all()
    WidgetFamily(f"{widget}_tool_choice").forget_all()


def _remove(settings: dict[str, Any], index: int, widget: str, save: Callable[[], None]) -> None:
    settings["tools"].pop(index)
    _forget_widgets(widget)
    save()


def _add_row(settings: dict[str, Any], widget: str, save: Callable[[], None]) -> None:
    row = st.container(horizontal=True, vertical_alignment="bottom")
    with row:
        # keyed per language: a selectbox keeps the option labels it was made with
        starter = st.selectbox(
            tr("tools.starter_pick"),
            list(tools.STARTERS),
            key=_tools_widgets(widget)("starter", current_lang()).key,
            format_func=labels(tools.STARTER_KEY),
        )
        st.button(
            tr("tools.add_starter"),
            icon=":material/add:",
            key=_tools_widgets(widget)("add").key,
            on_click=_add,
            args=(settings, widget, save, starter),
        )
        st.button(
            tr("tools.add_blank"),
            icon=":material/add_box:",
            key=_tools_widgets(widget)("blank").key,
            on_click=_add,
            args=(settings, widget, save, None),
        )


def _add(settings: dict[str, Any], widget: str, save: Callable[[], None], starter: str | None) -> None:
    if len(settings["tools"]) >= tools.MAX_TOOLS:
        return
    blank = {"name": "", "description": "", "parameters": tools.BLANK_PARAMETERS, "mock": ""}
    settings["tools"].append(tools.starter(starter, current_lang()) if starter else blank)
    _forget_widgets(widget)
    save()


def _choices(settings: dict[str, Any], widget: str, save: Callable[[], None], unattended: bool) -> None:
    names = [t["name"].strip() for t in tools.valid_tools(settings["tools"])]
    options = [*tools.CHOICES, *names]
    if settings["tool_choice"] not in options:
        st.caption(tr("tools.choice_gone", name=markdown_literal(settings["tool_choice"])))
        settings["tool_choice"] = "auto"
    key = _choice_widget(widget).key
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
        key = _tools_widgets(widget)(field).key
        right.toggle(
            tr(label),
            value=settings[field],
            key=key,
            help=tr(explained),
            on_change=_keep,
            args=(settings, field, key, save),
        )
    if settings["auto_mock"] or unattended:
        key = _tools_widgets(widget)("auto_steps").key
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


def _import_export(settings: dict[str, Any], widget: str, save: Callable[[], None]) -> None:
    exported = tools.export_json(settings["tools"])
    st.download_button(
        tr("tools.export"),
        exported,
        file_name=EXPORT_FILE,
        mime="application/json",
        icon=":material/download:",
        key=_tools_widgets(widget)("export").key,
        on_click="ignore",
        disabled=not settings["tools"],
    )
    # A widget not drawn loses its state: the dialog closed, the text lives on in a kept copy.
    panels = state.of(ChatPanels)
    st.text_area(
        tr("tools.import_label"),
        value=panels.tools_import_text.get(widget, ""),
        key=_import_box(widget).key,
        height=120,
        placeholder='[{"type": "function", ...}]',
        on_change=_keep_import_text,
        args=(widget,),
    )
    st.button(
        tr("tools.import_go"),
        icon=":material/upload:",
        key=_tools_widgets(widget)("import").key,
        on_click=_import,
        args=(settings, widget, save),
    )
    note, panels.tools_import_note = panels.tools_import_note, None
    if note:
        (st.success if note[0] else st.error)(note[1], icon=":material/info:")


def _import_box(widget: str) -> Widget[str]:
    return _tools_widgets(widget)("import_text")


def _keep_import_text(widget: str) -> None:
    state.of(ChatPanels).tools_import_text[widget] = _import_box(widget).value() or ""


def _import(settings: dict[str, Any], widget: str, save: Callable[[], None]) -> None:
    """Imported tools replace those of the same name and join the others; a refused text stays
    in the box, with the reason."""
    panels = state.of(ChatPanels)
    try:
        imported = tools.import_json(_import_box(widget).value() or "")
    except tools.ImportProblem as problem:
        panels.tools_import_note = (False, tr("tools.import_refused", reason=tr(problem.key, **problem.fields)))
        return
    names = {t["name"] for t in imported}
    settings["tools"] = [t for t in settings["tools"] if t["name"] not in names][: tools.MAX_TOOLS - len(imported)]
    settings["tools"] += imported
    _import_box(widget).forget()  # the box is drawn empty again
    panels.tools_import_text[widget] = ""
    panels.tools_import_note = (True, tr("tools.imported", count=len(imported)))
    _forget_widgets(widget)
    save()
