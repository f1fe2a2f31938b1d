"""The Workbench page's test cases: a table to type in, or cases pasted or loaded from a file
(lib/workbench/cases.py reads them), with what a load said. The draft they belong to is
lib/ui/workbench/editors.py's."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import workbench
from lib.ui import state
from lib.ui.picker import file_picker
from lib.ui.session import tr
from lib.ui.state.workbench import CASES_FILE, CASES_FILE_BOX, PASTE, USE_PASTED, WorkbenchState
from lib.ui.workbench.editors import editor_key, session_draft


def cases_editor(names: list[str]) -> list[dict[str, Any]]:
    """The test cases: a table to type in, plus paste and file loading. Returns the cases."""
    draft = session_draft()
    if not names:
        st.caption(tr("workbench.no_variables"))
        return [{}]
    if draft.case_names != names:  # the template's variables changed: keep what was typed
        typed = draft.live_cases if draft.live_cases is not None else draft.cases
        draft.cases = [{n: case.get(n, "") for n in names} for case in typed]
        draft.case_names = names
    tab_table, tab_paste, tab_file = st.tabs(
        [tr("workbench.tab_table"), tr("workbench.tab_paste"), tr("workbench.tab_file")]
    )
    with tab_paste:
        st.text_area(
            tr("workbench.paste"),
            key=PASTE.key,
            height=140,
            help=tr("workbench.paste_help"),
            placeholder="\t".join(names),
        )
        st.button(
            tr("workbench.use_pasted"),
            key=USE_PASTED.key,
            icon=":material/content_paste:",
            on_click=_load_pasted,
            args=(names,),
        )
    with tab_file:
        file_picker(
            tr("workbench.file"),
            box=CASES_FILE_BOX.key,
            button=tr("picker.browse"),
            note=tr("picker.note_cases", limit=workbench.MAX_FILE_MB),
            max_mb=workbench.MAX_FILE_MB,
            type=["csv", "jsonl"],
            key=CASES_FILE.key,
            help=tr("workbench.file_help"),
            on_change=_load_uploaded,
            args=(names,),
        )
    _show_load_messages()
    with tab_table:
        edited = st.data_editor(
            workbench.table_for(draft.cases, names),
            num_rows="dynamic",
            hide_index=True,
            key=editor_key(f"cases{state.of(WorkbenchState).cases_version}_" + "|".join(names)),
            width="stretch",
            column_config={n: st.column_config.TextColumn(n) for n in names},
        )
        st.caption(tr("workbench.table_help", limit=workbench.MAX_CASES))
    draft.live_cases = workbench.cases_from_table(edited, names)
    return draft.live_cases


def _load_pasted(names: list[str]) -> None:
    _apply_load(workbench.load_text(PASTE.value() or "", names))


def _load_uploaded(names: list[str]) -> None:
    uploaded = CASES_FILE.value()
    if uploaded is not None:
        _apply_load(workbench.load_file(uploaded.getvalue(), uploaded.name, names))


def _apply_load(load: workbench.CasesLoad) -> None:
    """Loaded cases replace the table; a refused load leaves it as it was and says why."""
    wb = state.of(WorkbenchState)
    wb.cases_loaded = load
    if not load.refusals:  # a new table; the prompt being typed keeps its widgets
        wb.draft.cases = wb.draft.live_cases = load.cases
        wb.cases_version += 1


def _show_load_messages() -> None:
    load = state.of(WorkbenchState).cases_loaded
    if load is None:
        return
    for key, fields in load.refusals:
        st.error(tr(key, **fields), icon=":material/block:")
    if load.refusals:
        st.caption(tr("workbench.refused_kept"))
    elif load.cases:
        st.success(tr("workbench.loaded", count=len(load.cases)), icon=":material/check_circle:")
    for key, fields in load.notes:
        st.info(tr(key, **fields), icon=":material/info:")
