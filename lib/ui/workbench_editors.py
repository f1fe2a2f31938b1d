"""The Workbench page's editors: the draft they show (session state), the prompt and its
settings, the test cases and the checks. Opening a saved run or a suite into the draft is in
lib/ui/workbench_open.py, running a run in lib/ui/workbench_run.py, showing one in
lib/ui/workbench_results.py; rules, running and sums live in lib/workbench/."""

from __future__ import annotations

import streamlit as st

from lib import chat, extra_params, structured, tools, workbench
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.ui.chat_tool_calls import tools_editor
from lib.ui.chat_view import model_ids
from lib.ui.picker import file_picker
from lib.ui.session import current_lang, labels, tr

DRAFT, VERSION, SHOWN, MESSAGES = "wb_draft", "wb_version", "wb_run_id", "wb_messages"
CASES_VERSION = "wb_cases_version"
CHECK_KEY = key_family("workbench.check", workbench.CHECK_KINDS)
REASONING_KEY = key_family("workbench.reasoning", workbench.REASONING_EFFORTS)
FORMAT_KEY = key_family("workbench.format", structured.RESPONSE_FORMATS)
EXAMPLE_USER = "Write one sentence about {{topic}} for {{audience}}."
JUDGE_EXAMPLE = "Is this reply accurate, kind and easy for {{audience}} to follow?\n\nReply:\n{{output}}"
VALUE_LABEL_KEY = key_family("workbench.value_label", ("text", "reference", "credits", "seconds", "characters", "tool"))
EXAMPLE_CASES = [{"topic": "tides", "audience": "children"}, {"topic": "python code review", "audience": "engineers"}]


# ------------------------------------------------------------------ the draft: what the editors show


def session_draft() -> dict:
    if DRAFT not in st.session_state:
        st.session_state[DRAFT] = {
            "system": "",
            "user": EXAMPLE_USER,
            "models": [chat.DEFAULT_MODEL],
            "params": chat.default_settings()["params"],
            "pool": workbench.DEFAULT_POOL,
            "checks": [],
            "cases": EXAMPLE_CASES,
            "parent_id": None,
            **run_options(),
        }
    st.session_state[DRAFT].setdefault("tools", tools.default_settings())  # a draft made before tools
    return st.session_state[DRAFT]


def run_options(spec: workbench.RunSpec | None = None) -> dict:
    """The draft's per-run options: repeats, reasoning effort, response format, extra
    parameters (kept as typed, so a refused text is shown again, not lost) and tools."""
    spec = spec or workbench.RunSpec("", "", [], {})
    response_format = spec.response_format or {}
    schema = response_format.get("json_schema", {}).get("schema")
    return {
        "repeat": spec.repeat,
        "reasoning": spec.reasoning,
        "format": response_format.get("type", structured.TEXT),
        "schema": structured.pretty(schema) if schema else "",
        "extra_text": structured.pretty(spec.extra) if spec.extra else "",
        "tools": tools.merged(spec.tools or {}),
    }


def _key(name: str) -> str:
    """Widget keys change with the draft's version, so opening a run shows its values afresh."""
    return f"wb{st.session_state.get(VERSION, 0)}_{name}"


def replace_draft(**values) -> None:
    session_draft().update(values)
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def load_prompt_draft(prompt_ref: dict, **values) -> None:
    """A prompt version opened from the Prompts page ("Test in the Workbench"): a new run's draft
    with its templates, model, parameters and cases; runs made from it record `prompt_ref`."""
    st.session_state[SHOWN] = None
    st.session_state.pop(MESSAGES, None)
    session_draft()
    replace_draft(**values, checks=[], parent_id=None, prompt_ref=prompt_ref)


# ------------------------------------------------------------------ the prompt and settings


def prompt_editor(client: ReshiClient) -> workbench.RunSpec:
    draft = session_draft()
    col_system, col_user = st.columns(2)
    draft["system"] = col_system.text_area(
        tr("workbench.system"),
        value=draft["system"],
        height=120,
        key=_key("system"),
        placeholder=tr("workbench.system_placeholder"),
    )
    draft["user"] = col_user.text_area(
        tr("workbench.user"), value=draft["user"], height=120, key=_key("user"), help=tr("workbench.user_help")
    )
    col_models, col_repeat, col_pool, col_params = st.columns([4, 1.2, 1.2, 1.4], vertical_alignment="bottom")
    options = list(dict.fromkeys([*model_ids(client), *draft["models"]]))
    draft["models"] = col_models.multiselect(
        tr("workbench.models"),
        options,
        default=draft["models"],
        max_selections=workbench.MAX_MODELS,
        key=_key("models"),
    )
    draft["repeat"] = col_repeat.number_input(
        tr("workbench.repeat"),
        1,
        workbench.MAX_REPEAT,
        int(draft["repeat"]),
        key=_key("repeat"),
        help=tr("workbench.repeat_help"),
    )
    draft["pool"] = col_pool.number_input(
        tr("workbench.pool"),
        1,
        workbench.MAX_POOL,
        int(draft["pool"]),
        key=_key("pool"),
        help=tr("workbench.pool_help"),
    )
    with col_params.popover(tr("chat.settings"), icon=":material/tune:", width="stretch"):
        _param_inputs(draft["params"])
        _run_option_inputs(draft)
    return workbench.RunSpec(
        draft["system"],
        draft["user"],
        draft["models"],
        draft["params"],
        pool=draft["pool"],
        repeat=int(draft["repeat"]),
        reasoning=draft["reasoning"],
        response_format=structured.response_format(draft["format"], draft["schema"]),
        extra=extra_params.parse_extra(draft["extra_text"]).values,
    )


def run_option_problems() -> list[tuple[str, dict]]:
    """What keeps the draft's response format or extra parameters from being sent."""
    draft, found = session_draft(), []
    if draft["format"] == structured.JSON_SCHEMA:
        problem = structured.schema_problem(draft["schema"])
        if problem:
            found.append(("workbench.bad_response_schema", {"where": _where(problem), "error": problem.reason}))
    problem = extra_params.parse_extra(draft["extra_text"]).problem
    if problem:
        found.append(("workbench.bad_extra", {"where": _where(problem), "error": problem.reason}))
    broken = {p.index for p in tools.problems(draft["tools"]["tools"])}
    if broken:
        found.append(("workbench.tools_broken", {"numbers": ", ".join(str(i + 1) for i in sorted(broken))}))
    if not tools.request_fields(draft["tools"]) and any(c["kind"] in workbench.TOOL_KINDS for c in draft["checks"]):
        found.append(("workbench.tool_check_without_tools", {}))
    return found


# ------------------------------------------------------------------ tools


def tools_section() -> dict | None:
    """The run's tools and their mock results: each cell's calls are answered by the mocks, up
    to the step limit. Returns the tool settings (None without tools)."""
    draft = session_draft()
    settings = draft["tools"]
    count = len(settings["tools"])
    title = tr("workbench.tools_title_count", count=count) if count else tr("workbench.tools_title")
    with st.expander(title, icon=":material/build:", expanded=bool(count)):
        st.caption(tr("workbench.tools_intro"))
        tools_editor(settings, _key("wbtools"), lambda: None, unattended=True)
    return settings if tools.request_fields(settings) else None


def _where(problem: structured.Problem) -> str:
    return f"{problem.line}:{problem.column}" if problem.line else problem.path


def _run_option_inputs(draft: dict) -> None:
    """Reasoning effort, response format (with its schema) and extra parameters, per run."""
    st.divider()
    draft["reasoning"] = st.selectbox(
        tr("workbench.reasoning"),
        workbench.REASONING_EFFORTS,
        index=workbench.REASONING_EFFORTS.index(draft["reasoning"]),
        format_func=labels(REASONING_KEY),
        key=_key(f"reasoning_{current_lang()}"),
    )
    draft["format"] = st.selectbox(
        tr("workbench.response_format"),
        structured.RESPONSE_FORMATS,
        index=structured.RESPONSE_FORMATS.index(draft["format"]),
        format_func=labels(FORMAT_KEY),
        key=_key(f"format_{current_lang()}"),
    )
    if draft["format"] == structured.JSON_SCHEMA:
        draft["schema"] = st.text_area(
            tr("workbench.response_schema"),
            value=draft["schema"],
            height=140,
            key=_key("schema"),
            placeholder='{"type": "object", ...}',
        )
    draft["extra_text"] = st.text_area(
        tr("workbench.extra"),
        value=draft["extra_text"],
        height=80,
        key=_key("extra"),
        placeholder='{"top_k": 40}',
        help=tr("workbench.extra_help"),
    )
    for key, fields in run_option_problems():
        st.error(tr(key, **fields), icon=":material/block:")


def _param_inputs(params: dict) -> None:
    """The Chat page's parameters, each sent only when switched on."""
    for param in chat.PARAMS:
        entry = params[param.name]
        on_col, value_col = st.columns([1.2, 3], vertical_alignment="center")
        entry["on"] = on_col.toggle(param.name, value=entry["on"], key=_key(f"{param.name}_on"))
        common = dict(disabled=not entry["on"], key=_key(param.name), label_visibility="collapsed")
        if param.name == "stop":
            entry["value"] = value_col.text_area(tr("chat.stop_help"), value=entry["value"], height=68, **common)
        elif isinstance(param.default, int):
            entry["value"] = value_col.number_input(
                param.name, param.low, param.high, int(entry["value"]), param.step, **common
            )
        else:
            entry["value"] = value_col.slider(
                param.name, param.low, param.high, float(entry["value"]), param.step, **common
            )


# ------------------------------------------------------------------ test cases


def cases_editor(names: list[str]) -> list[dict]:
    """The test cases: a table to type in, plus paste and file loading. Returns the cases."""
    draft = session_draft()
    if not names:
        st.caption(tr("workbench.no_variables"))
        return [{}]
    if draft.get("case_names") != names:  # the template's variables changed: keep what was typed
        draft["cases"] = [{n: case.get(n, "") for n in names} for case in draft.get("live_cases", draft["cases"])]
        draft["case_names"] = names
    tab_table, tab_paste, tab_file = st.tabs(
        [tr("workbench.tab_table"), tr("workbench.tab_paste"), tr("workbench.tab_file")]
    )
    with tab_paste:
        st.text_area(
            tr("workbench.paste"),
            key="wb_paste",
            height=140,
            help=tr("workbench.paste_help"),
            placeholder="\t".join(names),
        )
        st.button(
            tr("workbench.use_pasted"),
            key="wb_use_pasted",
            icon=":material/content_paste:",
            on_click=_load_pasted,
            args=(names,),
        )
    with tab_file:
        file_picker(
            tr("workbench.file"),
            box="wb_file_picker",
            button=tr("picker.browse"),
            note=tr("picker.note_cases", limit=workbench.MAX_FILE_MB),
            max_mb=workbench.MAX_FILE_MB,
            type=["csv", "jsonl"],
            key="wb_file",
            help=tr("workbench.file_help"),
            on_change=_load_uploaded,
            args=(names,),
        )
    _show_load_messages()
    with tab_table:
        edited = st.data_editor(
            workbench.table_for(draft["cases"], names),
            num_rows="dynamic",
            hide_index=True,
            key=_key(f"cases{st.session_state.get(CASES_VERSION, 0)}_" + "|".join(names)),
            width="stretch",
            column_config={n: st.column_config.TextColumn(n) for n in names},
        )
        st.caption(tr("workbench.table_help", limit=workbench.MAX_CASES))
    draft["live_cases"] = workbench.cases_from_table(edited, names)
    return draft["live_cases"]


def _load_pasted(names: list[str]) -> None:
    _apply_load(workbench.load_text(st.session_state.get("wb_paste") or "", names))


def _load_uploaded(names: list[str]) -> None:
    uploaded = st.session_state.get("wb_file")
    if uploaded is not None:
        _apply_load(workbench.load_file(uploaded.getvalue(), uploaded.name, names))


def _apply_load(load: workbench.CasesLoad) -> None:
    """Loaded cases replace the table; a refused load leaves it as it was and says why."""
    st.session_state[MESSAGES] = (load.refusals, load.notes, len(load.cases))
    if not load.refusals:  # a new table; the prompt being typed keeps its widgets
        session_draft().update(cases=load.cases, live_cases=load.cases)
        st.session_state[CASES_VERSION] = st.session_state.get(CASES_VERSION, 0) + 1


def _show_load_messages() -> None:
    refusals, notes, count = st.session_state.get(MESSAGES, ([], [], 0))
    for key, fields in refusals:
        st.error(tr(key, **fields), icon=":material/block:")
    if refusals:
        st.caption(tr("workbench.refused_kept"))
    elif count:
        st.success(tr("workbench.loaded", count=count), icon=":material/check_circle:")
    for key, fields in notes:
        st.info(tr(key, **fields), icon=":material/info:")


# ------------------------------------------------------------------ checks


def checks_editor(models: list[str]) -> list[workbench.Check]:
    """Checks run on every reply; their values may hold the case's `{{variables}}`. `models`:
    the chat models a judge may be."""
    draft = session_draft()
    with st.expander(tr("workbench.checks_title"), icon=":material/rule:", expanded=bool(draft["checks"])):
        for row in draft["checks"]:
            _check_row(row, models)
        st.button(tr("workbench.add_check"), key="wb_add_check", icon=":material/add:", on_click=_add_check)
        st.caption(tr("workbench.checks_help"))
    return workbench.checks_from(draft["checks"])


def _check_row(row: dict, models: list[str]) -> None:
    """One check: its kind, must or should, its text (a judge: rubric, model and threshold) and
    a remove button."""
    kind_col, must_col, value_col, remove_col = st.columns([1.6, 1, 3, 0.5], vertical_alignment="bottom")
    row["kind"] = kind_col.selectbox(
        tr("workbench.check_kind"),
        workbench.CHECK_KINDS,
        index=workbench.CHECK_KINDS.index(row["kind"]),
        format_func=labels(CHECK_KEY),
        # keyed per language: a selectbox keeps the option labels it was made with
        key=_key(f"check_kind_{current_lang()}_{row['id']}"),
    )
    row["must"] = must_col.toggle(
        tr("workbench.must"),
        value=row.get("must", True),
        key=_key(f"check_must_{row['id']}"),
        help=tr("workbench.must_help"),
    )
    kind = row["kind"]
    if kind == workbench.JSON_SCHEMA:
        row["value"] = value_col.text_area(
            tr("workbench.check_schema"),
            value=row["value"],
            height=100,
            key=_key(f"check_value_{row['id']}"),
            placeholder='{"type": "object"}',
        )
    elif kind in workbench.TOOL_KINDS:
        names = [t["name"].strip() for t in tools.valid_tools(session_draft()["tools"]["tools"])]
        options = list(dict.fromkeys([*names, *([row["value"]] if row["value"] else [])]))
        row["value"] = (
            value_col.selectbox(
                tr(VALUE_LABEL_KEY("tool")),
                options,
                index=options.index(row["value"]) if row["value"] in options else None,
                key=_key(f"check_tool_{row['id']}"),
                accept_new_options=True,
                placeholder=tr("workbench.tool_placeholder"),
            )
            or ""
        )
    elif kind != workbench.JUDGE:
        row["value"] = value_col.text_input(
            tr(VALUE_LABEL_KEY(_value_label(kind))),
            value=row["value"],
            disabled=kind == workbench.IS_JSON,
            key=_key(f"check_value_{row['id']}"),
        )
    remove_col.button(
        "",
        icon=":material/delete:",
        key=_key(f"check_remove_{row['id']}"),
        help=tr("workbench.remove_check"),
        on_click=_remove_check,
        args=(row["id"],),
    )
    if kind == workbench.JUDGE:
        _judge_inputs(row, models)
    if kind == workbench.TOOL_ARGUMENTS:
        row["arguments"] = st.text_area(
            tr("workbench.tool_arguments"),
            value=row.get("arguments", ""),
            height=80,
            key=_key(f"check_arguments_{row['id']}"),
            placeholder='{"city": "{{city}}"}',
            help=tr("workbench.tool_arguments_help"),
        )
    if kind in workbench.THRESHOLD_KINDS:
        row["threshold"] = st.slider(
            tr("workbench.threshold"),
            0.0,
            1.0,
            float(row.get("threshold", 0.7)),
            0.05,
            key=_key(f"check_threshold_{row['id']}"),
            help=tr("workbench.threshold_help"),
        )


def _value_label(kind: str) -> str:
    return {
        workbench.SIMILAR: "reference",
        workbench.MAX_CREDITS: "credits",
        workbench.MAX_SECONDS: "seconds",
        workbench.MIN_LENGTH: "characters",
        workbench.MAX_LENGTH: "characters",
    }.get(kind, "text")


def _judge_inputs(row: dict, models: list[str]) -> None:
    row["rubric"] = st.text_area(
        tr("workbench.rubric"),
        value=row.get("rubric") or JUDGE_EXAMPLE,
        height=100,
        key=_key(f"check_rubric_{row['id']}"),
        help=tr("workbench.rubric_help"),
    )
    options = list(dict.fromkeys([row.get("model") or chat.DEFAULT_MODEL, *models]))
    row["model"] = st.selectbox(
        tr("workbench.judge_model"),
        options,
        index=options.index(row.get("model") or chat.DEFAULT_MODEL),
        key=_key(f"check_judge_model_{row['id']}"),
        accept_new_options=True,
    )


def _add_check() -> None:
    checks = session_draft()["checks"]
    checks.append(
        {
            "id": max((c["id"] for c in checks), default=0) + 1,
            "kind": workbench.CONTAINS,
            "value": "",
            "must": True,
            "rubric": "",
            "model": "",
            "threshold": 0.7,
            "arguments": "",
        }
    )


def _remove_check(check_id: int) -> None:
    session_draft()["checks"] = [c for c in session_draft()["checks"] if c["id"] != check_id]
