"""The Workbench page's editors: the draft they show (lib/ui/state/workbench.py), the prompt,
its settings and its tools. The cases are lib/ui/workbench/cases.py, the checks
lib/ui/workbench/checks.py. Opening a saved run or a suite into the draft is in
lib/ui/workbench/opening.py, running a run in lib/ui/workbench/run.py, showing one in
lib/ui/workbench/results.py; rules, running and sums live in lib/workbench/."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from lib import chat, workbench
from lib.chat import extra_params, structured, tools
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.ui import state
from lib.ui.chat.tools_editor import tools_editor
from lib.ui.chat.view import model_ids
from lib.ui.session import current_lang, labels, tr
from lib.ui.state.workbench import Draft, WorkbenchState

REASONING_KEY = key_family("workbench.reasoning", workbench.REASONING_EFFORTS)
FORMAT_KEY = key_family("workbench.format", structured.RESPONSE_FORMATS)


# ------------------------------------------------------------------ the draft: what the editors show


def session_draft() -> Draft:
    return state.of(WorkbenchState).draft


def editor_key(name: str) -> str:
    """Widget keys change with the draft's version, so opening a run shows its values afresh."""
    return state.of(WorkbenchState).editor(name).key


def replace_draft(**values: Any) -> None:
    """Put `values` in the draft, shown by new widgets (the old ones would keep their values)."""
    wb = state.of(WorkbenchState)
    wb.draft = replace(wb.draft, **values)
    wb.new_version()


def load_prompt_draft(prompt_ref: dict[str, Any], **values: Any) -> None:
    """A prompt version opened from the Prompts page ("Test in the Workbench"): a new run's draft
    with its templates, model, parameters and cases; runs made from it record `prompt_ref`."""
    wb = state.of(WorkbenchState)
    wb.shown, wb.cases_loaded = None, None
    replace_draft(**values, checks=[], parent_id=None, prompt_ref=prompt_ref)


# ------------------------------------------------------------------ the prompt and settings


def prompt_editor(client: ReshiClient) -> workbench.RunSpec:
    draft = session_draft()
    col_system, col_user = st.columns(2)
    draft.system = col_system.text_area(
        tr("workbench.system"),
        value=draft.system,
        height=120,
        key=editor_key("system"),
        placeholder=tr("workbench.system_placeholder"),
    )
    draft.user = col_user.text_area(
        tr("workbench.user"), value=draft.user, height=120, key=editor_key("user"), help=tr("workbench.user_help")
    )
    col_models, col_repeat, col_pool, col_params = st.columns([4, 1.2, 1.2, 1.4], vertical_alignment="bottom")
    options = list(dict.fromkeys([*model_ids(client), *draft.models]))
    draft.models = col_models.multiselect(
        tr("workbench.models"),
        options,
        default=draft.models,
        max_selections=workbench.MAX_MODELS,
        key=editor_key("models"),
    )
    draft.repeat = col_repeat.number_input(
        tr("workbench.repeat"),
        1,
        workbench.MAX_REPEAT,
        int(draft.repeat),
        key=editor_key("repeat"),
        help=tr("workbench.repeat_help"),
    )
    draft.pool = col_pool.number_input(
        tr("workbench.pool"),
        1,
        workbench.MAX_POOL,
        int(draft.pool),
        key=editor_key("pool"),
        help=tr("workbench.pool_help"),
    )
    with col_params.popover(tr("chat.settings"), icon=":material/tune:", width="stretch"):
        _param_inputs(draft.params)
        _run_option_inputs(draft)
    return workbench.RunSpec(
        draft.system,
        draft.user,
        draft.models,
        draft.params,
        pool=draft.pool,
        repeat=int(draft.repeat),
        reasoning=draft.reasoning,
        response_format=structured.response_format(draft.format, draft.schema),
        extra=extra_params.parse_extra(draft.extra_text).values,
    )


def run_option_problems() -> list[tuple[str, dict[str, Any]]]:
    """What keeps the draft's response format or extra parameters from being sent."""
    draft = session_draft()
    found: list[tuple[str, dict[str, Any]]] = []
    if draft.format == structured.JSON_SCHEMA:
        problem = structured.schema_problem(draft.schema)
        if problem:
            found.append(("workbench.bad_response_schema", {"where": _where(problem), "error": problem.reason}))
    problem = extra_params.parse_extra(draft.extra_text).problem
    if problem:
        found.append(("workbench.bad_extra", {"where": _where(problem), "error": problem.reason}))
    broken = {p.index for p in tools.problems(draft.tools["tools"])}
    if broken:
        found.append(("workbench.tools_broken", {"numbers": ", ".join(str(i + 1) for i in sorted(broken))}))
    if not tools.request_fields(draft.tools) and any(c["kind"] in workbench.TOOL_KINDS for c in draft.checks):
        found.append(("workbench.tool_check_without_tools", {}))
    return found


# ------------------------------------------------------------------ tools


def tools_section() -> dict[str, Any] | None:
    """The run's tools and their mock results: each cell's calls are answered by the mocks, up
    to the step limit. Returns the tool settings (None without tools)."""
    draft = session_draft()
    settings = draft.tools
    count = len(settings["tools"])
    title = tr("workbench.tools_title_count", count=count) if count else tr("workbench.tools_title")
    with st.expander(title, icon=":material/build:", expanded=bool(count)):
        st.caption(tr("workbench.tools_intro"))
        tools_editor(settings, editor_key("wbtools"), lambda: None, unattended=True)
    return settings if tools.request_fields(settings) else None


def _where(problem: structured.Problem) -> str:
    return f"{problem.line}:{problem.column}" if problem.line else problem.path


def _run_option_inputs(draft: Draft) -> None:
    """Reasoning effort, response format (with its schema) and extra parameters, per run."""
    st.divider()
    draft.reasoning = st.selectbox(
        tr("workbench.reasoning"),
        workbench.REASONING_EFFORTS,
        index=workbench.REASONING_EFFORTS.index(draft.reasoning),
        format_func=labels(REASONING_KEY),
        key=editor_key(f"reasoning_{current_lang()}"),
    )
    draft.format = st.selectbox(
        tr("workbench.response_format"),
        structured.RESPONSE_FORMATS,
        index=structured.RESPONSE_FORMATS.index(draft.format),
        format_func=labels(FORMAT_KEY),
        key=editor_key(f"format_{current_lang()}"),
    )
    if draft.format == structured.JSON_SCHEMA:
        draft.schema = st.text_area(
            tr("workbench.response_schema"),
            value=draft.schema,
            height=140,
            key=editor_key("schema"),
            placeholder='{"type": "object", ...}',
        )
    draft.extra_text = st.text_area(
        tr("workbench.extra"),
        value=draft.extra_text,
        height=80,
        key=editor_key("extra"),
        placeholder='{"top_k": 40}',
        help=tr("workbench.extra_help"),
    )
    for key, fields in run_option_problems():
        st.error(tr(key, **fields), icon=":material/block:")


def _param_inputs(params: dict[str, Any]) -> None:
    """The Chat page's parameters, each sent only when switched on."""
    for param in chat.PARAMS:
        entry = params[param.name]
        on_col, value_col = st.columns([1.2, 3], vertical_alignment="center")
        entry["on"] = on_col.toggle(param.name, value=entry["on"], key=editor_key(f"{param.name}_on"))
        common: dict[str, Any] = {
            "disabled": not entry["on"],
            "key": editor_key(param.name),
            "label_visibility": "collapsed",
        }
        if param.name == "stop":
            entry["value"] = value_col.text_area(tr("chat.stop_help"), value=str(entry["value"]), height=68, **common)
            continue
        bounds: dict[str, Any] = {"min_value": param.low, "max_value": param.high, "step": param.step}
        if isinstance(param.default, int):
            entry["value"] = value_col.number_input(param.name, value=int(entry["value"]), **bounds, **common)
        else:
            entry["value"] = value_col.slider(param.name, value=float(entry["value"]), **bounds, **common)
