"""The Workbench page's parts: the prompt and its settings, the test cases, the checks, the run
(live, cell by cell), the results grid with totals and exports, earlier runs and the comparison.
Rules, running and sums live in lib/workbench.py."""
from __future__ import annotations

import re
import threading
import time
from contextlib import closing
from dataclasses import asdict

import pandas as pd
import streamlit as st

from lib import chat, workbench
from lib.client import ReshiClient
from lib.store import Store
from lib.ui.budget import confirm_within_budget
from lib.ui.chat_view import model_ids
from lib.i18n import STRINGS
from lib.ui.picker import file_picker
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, labels, tr

DRAFT, VERSION, SHOWN, OPEN_NEXT, MESSAGES = "wb_draft", "wb_version", "wb_run_id", "wb_open_next", "wb_messages"
CASES_VERSION, LIVE = "wb_cases_version", "wb_live"
PENDING = "wb_pending"
PAGE_SIZE = 20
SAVE_EVERY_SECONDS = 2.0
EXAMPLE_USER = "Write one sentence about {{topic}} for {{audience}}."
EXAMPLE_CASES = [{"topic": "tides", "audience": "children"}, {"topic": "python code review", "audience": "engineers"}]


# ------------------------------------------------------------------ the draft: what the editors show

def _draft() -> dict:
    if DRAFT not in st.session_state:
        st.session_state[DRAFT] = {"system": "", "user": EXAMPLE_USER, "models": [chat.DEFAULT_MODEL],
                                   "params": chat.default_settings()["params"], "pool": workbench.DEFAULT_POOL,
                                   "checks": [], "cases": EXAMPLE_CASES, "parent_id": None}
    return st.session_state[DRAFT]


def _key(name: str) -> str:
    """Widget keys change with the draft's version, so opening a run shows its values afresh."""
    return f"wb{st.session_state.get(VERSION, 0)}_{name}"


def _replace_draft(**values) -> None:
    _draft().update(values)
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def _open_selected() -> None:
    """A saved run was picked: show it, and load its prompt, settings and cases for a re-run."""
    run_id = st.session_state["wb_open"]
    st.session_state[SHOWN] = run_id
    st.session_state.pop(MESSAGES, None)
    if run_id is None:
        return
    run = get_store().get_workbench_run(current_user(), run_id)
    if run:
        spec = workbench.RunSpec.from_run(run)
        _replace_draft(system=spec.system, user=spec.user, models=spec.models, params=spec.params, pool=spec.pool,
                       checks=[{"id": i, **asdict(c)} for i, c in enumerate(spec.checks, start=1)],
                       cases=run["cases"], parent_id=run_id)


# ------------------------------------------------------------------ saved runs

def run_label(run: dict) -> str:
    when = run["created_at"].astimezone().strftime("%m-%d %H:%M")
    status = tr(f"workbench.status.{run['status']}")
    return tr("workbench.run_label", id=run["id"], version=run["version"], when=when, status=status,
              models=", ".join(run["settings"].get("models", [])), title=workbench.title_of(run))


def saved_runs_picker(store: Store, user: str) -> list[dict]:
    """The selectbox of this user's runs; picking one opens it. Returns the runs listed."""
    runs = store.list_workbench_runs(user)
    if OPEN_NEXT in st.session_state:  # a run just finished: show it as the open one
        st.session_state["wb_open"] = st.session_state.pop(OPEN_NEXT)
    labels = {run["id"]: run_label(run) for run in runs}
    st.selectbox(tr("workbench.saved_runs"), [None, *labels], key="wb_open", on_change=_open_selected,
                 format_func=lambda run_id: labels.get(run_id, tr("workbench.new_run")))
    return runs


# ------------------------------------------------------------------ the prompt and settings

def prompt_editor(client: ReshiClient) -> workbench.RunSpec:
    draft = _draft()
    col_system, col_user = st.columns(2)
    draft["system"] = col_system.text_area(tr("workbench.system"), value=draft["system"], height=120,
                                           key=_key("system"), placeholder=tr("workbench.system_placeholder"))
    draft["user"] = col_user.text_area(tr("workbench.user"), value=draft["user"], height=120, key=_key("user"),
                                       help=tr("workbench.user_help"))
    col_models, col_pool, col_params = st.columns([4, 1.2, 1.4], vertical_alignment="bottom")
    options = list(dict.fromkeys([*model_ids(client), *draft["models"]]))
    draft["models"] = col_models.multiselect(tr("workbench.models"), options, default=draft["models"],
                                             max_selections=workbench.MAX_MODELS, key=_key("models"))
    draft["pool"] = col_pool.number_input(tr("workbench.pool"), 1, workbench.MAX_POOL, int(draft["pool"]),
                                          key=_key("pool"), help=tr("workbench.pool_help"))
    with col_params.popover(tr("chat.settings"), icon=":material/tune:", width="stretch"):
        _param_inputs(draft["params"])
    return workbench.RunSpec(draft["system"], draft["user"], draft["models"], draft["params"], pool=draft["pool"])


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
            entry["value"] = value_col.number_input(param.name, param.low, param.high, int(entry["value"]),
                                                    param.step, **common)
        else:
            entry["value"] = value_col.slider(param.name, param.low, param.high, float(entry["value"]),
                                              param.step, **common)


# ------------------------------------------------------------------ test cases

def cases_editor(names: list[str]) -> list[dict]:
    """The test cases: a table to type in, plus paste and file loading. Returns the cases."""
    draft = _draft()
    if not names:
        st.caption(tr("workbench.no_variables"))
        return [{}]
    if draft.get("case_names") != names:  # the template's variables changed: keep what was typed
        draft["cases"] = [{n: case.get(n, "") for n in names} for case in draft.get("live_cases", draft["cases"])]
        draft["case_names"] = names
    tab_table, tab_paste, tab_file = st.tabs([tr("workbench.tab_table"), tr("workbench.tab_paste"),
                                              tr("workbench.tab_file")])
    with tab_paste:
        st.text_area(tr("workbench.paste"), key="wb_paste", height=140, help=tr("workbench.paste_help"),
                     placeholder="\t".join(names))
        st.button(tr("workbench.use_pasted"), key="wb_use_pasted", icon=":material/content_paste:",
                  on_click=_load_pasted, args=(names,))
    with tab_file:
        file_picker(tr("workbench.file"), box="wb_file_picker", button=tr("picker.browse"),
                    note=tr("picker.note_cases", limit=workbench.MAX_FILE_MB), max_mb=workbench.MAX_FILE_MB,
                    type=["csv", "jsonl"], key="wb_file", help=tr("workbench.file_help"),
                    on_change=_load_uploaded, args=(names,))
    _show_load_messages()
    with tab_table:
        edited = st.data_editor(workbench.table_for(draft["cases"], names), num_rows="dynamic", hide_index=False,
                                key=_key(f"cases{st.session_state.get(CASES_VERSION, 0)}_" + "|".join(names)), width="stretch",
                                column_config={n: st.column_config.TextColumn(n) for n in names})
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
        _draft().update(cases=load.cases, live_cases=load.cases)
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

def checks_editor() -> list[workbench.Check]:
    """Checks run on every reply; their values may hold the case's `{{variables}}`."""
    draft = _draft()
    with st.expander(tr("workbench.checks_title"), icon=":material/rule:", expanded=bool(draft["checks"])):
        for row in draft["checks"]:
            _check_row(row)
        st.button(tr("workbench.add_check"), key="wb_add_check", icon=":material/add:", on_click=_add_check)
        st.caption(tr("workbench.checks_help"))
    return workbench.checks_from(draft["checks"])


def _check_row(row: dict) -> None:
    """One check: its kind, its text (none for "is valid JSON") and a remove button."""
    kind_col, value_col, remove_col = st.columns([1.6, 3, 0.5], vertical_alignment="bottom")
    row["kind"] = kind_col.selectbox(tr("workbench.check_kind"), workbench.CHECK_KINDS,
                                     index=workbench.CHECK_KINDS.index(row["kind"]),
                                     format_func=labels("workbench.check."),
                                     # keyed per language: a selectbox keeps the option labels it was made with
                                     key=_key(f"check_kind_{current_lang()}_{row['id']}"))
    row["value"] = value_col.text_input(tr("workbench.check_value"), value=row["value"],
                                        disabled=row["kind"] == workbench.IS_JSON,
                                        key=_key(f"check_value_{row['id']}"))
    remove_col.button("", icon=":material/delete:", key=_key(f"check_remove_{row['id']}"),
                      help=tr("workbench.remove_check"), on_click=_remove_check, args=(row["id"],))


def _add_check() -> None:
    checks = _draft()["checks"]
    checks.append({"id": max((c["id"] for c in checks), default=0) + 1, "kind": workbench.CONTAINS, "value": ""})


def _remove_check(check_id: int) -> None:
    _draft()["checks"] = [c for c in _draft()["checks"] if c["id"] != check_id]


# ------------------------------------------------------------------ starting a run

def run_button(client: ReshiClient, spec: workbench.RunSpec, cases: list[dict]) -> None:
    """The estimate, then Run: checked, confirmed past the budget, then started (held as pending
    across the confirmation's rerun)."""
    cost = workbench.estimate_credits(client, spec.models, len(cases))
    st.caption(tr("workbench.estimate", credits=cost, cases=len(cases), models=len(spec.models)))
    if st.button(tr("workbench.run"), key="wb_run", type="primary", icon=":material/play_arrow:"):
        problems = _problems(spec, cases)
        for key, fields in problems:
            st.warning(tr(key, **fields), icon=":material/warning:")
        if not problems:
            st.session_state[PENDING] = (spec, cases)


def _problems(spec: workbench.RunSpec, cases: list[dict]) -> list[tuple[str, dict]]:
    found = [] if spec.user.strip() else [("workbench.need_user", {})]
    if not spec.models:
        found.append(("workbench.need_model", {}))
    if not cases:
        found.append(("workbench.need_cases", {}))
    if len(cases) > workbench.MAX_CASES:
        found.append(("workbench.refused_too_many", {"count": len(cases), "limit": workbench.MAX_CASES}))
    return found + [p for p in map(workbench.check_problem, spec.checks) if p]


def start_pending(store: Store, user: str, client: ReshiClient) -> None:
    pending = st.session_state.get(PENDING)
    if not pending:
        return
    spec, cases = pending
    if confirm_within_budget(workbench.estimate_credits(client, spec.models, len(cases)), key="workbench"):
        del st.session_state[PENDING]
        _execute(store, user, client, spec, cases)


def _execute(store: Store, user: str, client: ReshiClient, spec: workbench.RunSpec, cases: list[dict]) -> None:
    """Run the grid in the pool, showing each cell the moment it finishes; save as it goes.

    Stop (or leaving the page) ends this script run mid-loop and `finally` saves what finished.
    Streamlit starts the next run without waiting for that `finally`, so everything the next run
    needs is set before the loop, and Stop's callback saves the finished cells itself.
    """
    parent = store.get_workbench_run(user, _draft()["parent_id"]) if _draft()["parent_id"] else None
    run_id = store.add_workbench_run(user, workbench.new_run(spec, cases), parent_id=parent and parent["id"],
                                     version=workbench.next_version(parent, spec))
    total, results, status, saved_at = len(cases) * len(spec.models), [], "stopped", time.monotonic()
    st.session_state[LIVE] = {"run_id": run_id, "results": results, "stop": threading.Event()}
    st.session_state[OPEN_NEXT] = st.session_state[SHOWN] = _draft()["parent_id"] = run_id
    progress = st.progress(0.0, text=tr("workbench.progress", done=0, total=total))
    st.button(tr("workbench.stop"), key="wb_stop", icon=":material/stop_circle:", on_click=_stop_live_run)
    slots = _grid_slots(cases[:PAGE_SIZE], spec.models, start=0)
    try:
        with closing(workbench.run_cells(client, spec, cases, st.session_state[LIVE]["stop"])) as cells:
            for cell in cells:
                results.append(asdict(cell))
                progress.progress(len(results) / total, text=tr("workbench.progress", done=len(results), total=total))
                if (cell.case, cell.model) in slots:
                    with slots[(cell.case, cell.model)].container(border=True):
                        render_cell(cell, spec.checks)
                if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                    store.save_workbench_results(user, run_id, results, "running")
                    saved_at = time.monotonic()
        status = "done"
    finally:
        store.save_workbench_results(user, run_id, results, status)
    st.session_state.pop(LIVE, None)  # finished: a late Stop has nothing to stop
    st.rerun()


def _stop_live_run() -> None:
    live = st.session_state.get(LIVE)
    if live:
        live["stop"].set()
        get_store().save_workbench_results(current_user(), live["run_id"], list(live["results"]), "stopped")


# ------------------------------------------------------------------ the results grid

def _grid_slots(cases: list[dict], models: list[str], start: int) -> dict:
    """A row per case (its values, then one placeholder per model) under a header of models."""
    header = st.columns([1.2, *[2] * len(models)])
    header[0].markdown(f"**{tr('workbench.case')}**")
    for column, model in zip(header[1:], models):
        column.markdown(f"**`{model}`**")
    slots = {}
    for offset, case in enumerate(cases):
        row = st.columns([1.2, *[2] * len(models)])
        row[0].caption(_case_text(start + offset, case))
        for column, model in zip(row[1:], models):
            slots[(start + offset, model)] = column.empty()
            slots[(start + offset, model)].caption(tr("workbench.cell_waiting", model=model))
    return slots


def _case_text(index: int, case: dict) -> str:
    values = " · ".join(f"{name}: {value}" for name, value in case.items())
    return f"**#{index + 1}** {values}"


def render_cell(cell: workbench.Cell, checks: list[workbench.Check]) -> None:
    # The model is named in each cell: on a phone the columns stack under one header.
    if cell.status == workbench.FAILED:
        kind = f"workbench.kind.{cell.error_kind}"
        st.caption(f"`{cell.model}`")
        st.error(tr("workbench.cell_failed", kind=tr(kind) if kind in STRINGS else cell.error_kind,
                    attempts=cell.attempts), icon=":material/error:")
    else:
        figures = tr("workbench.cell_figures", latency=cell.latency_s or 0, tokens=cell.tokens or 0,
                     credits=cell.credits)
        retried = " · " + tr("workbench.retried", count=cell.attempts - 1) if cell.attempts > 1 else ""
        st.caption(f"`{cell.model}` · {figures}{retried}")
    for check, passed in zip(checks, cell.checks):
        label = tr(f"workbench.check.{check.kind}") + (f" {check.value}" if check.value else "")
        st.badge(_literal(label), icon=":material/check:" if passed else ":material/close:",
                 color="green" if passed else "red")
    if cell.output:
        with st.expander(_literal(_preview(cell.output))):
            st.markdown(cell.output)


def _literal(text: str) -> str:
    """`text` shown as typed where Streamlit reads Markdown (a check's ```` ``` ```` or `*`)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", text)


def _preview(text: str, chars: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= chars else line[: chars - 1] + "…"


def results(run: dict) -> None:
    """The shown run: its grid (a page of cases at a time), totals per model and exports."""
    st.subheader(tr("workbench.results_title", id=run["id"], version=run["version"]))
    st.caption(tr(f"workbench.status.{run['status']}"))
    _totals_table(run)
    _exports(run)
    cases, cells = run["cases"], workbench.grid(run)
    start = _page_start(len(cases), f"wb_page_{run['id']}")
    checks = workbench.RunSpec.from_run(run).checks
    for (case, model), slot in _grid_slots(cases[start:start + PAGE_SIZE], run["settings"]["models"], start).items():
        cell = cells.get((case, model))
        with slot.container(border=True):
            if cell:
                render_cell(cell, checks)
            else:
                st.caption(tr("workbench.cell_missing"))


def _page_start(count: int, key: str) -> int:
    if count <= PAGE_SIZE:
        return 0
    starts = list(range(0, count, PAGE_SIZE))
    return st.selectbox(tr("workbench.page"), starts, key=key,
                        format_func=lambda s: f"{s + 1}–{min(s + PAGE_SIZE, count)}")


def _totals_table(run: dict) -> None:
    shown = workbench.totals(run).assign(pass_rate=lambda f: f["pass_rate"].map(_percent))
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "model": tr("workbench.model"), "cells": tr("workbench.cells"), "failed": tr("workbench.failed"),
        "pass_rate": st.column_config.TextColumn(tr("workbench.pass_rate"), help=tr("workbench.pass_rate_help")),
        "median_latency_s": st.column_config.NumberColumn(tr("workbench.median_latency"), format="%.2f s"),
        "credits": st.column_config.NumberColumn(tr("workbench.credits"), format="%g")})


def _percent(share: float) -> str:
    """A pass rate as shown; a dash when nothing was checked (no checks, or no reply)."""
    return "—" if pd.isna(share) else f"{share:.0%}"


def _exports(run: dict) -> None:
    col_csv, col_json, _ = st.columns([1, 1, 3])
    col_csv.download_button(tr("workbench.export_csv"), workbench.to_csv(run), f"workbench-run-{run['id']}.csv",
                            "text/csv", key="wb_export_csv", icon=":material/download:")
    col_json.download_button(tr("workbench.export_json"), workbench.to_json(run),
                             f"workbench-run-{run['id']}.json", "application/json", key="wb_export_json",
                             icon=":material/data_object:")


# ------------------------------------------------------------------ comparing two runs

def comparison(store: Store, user: str, run: dict, runs: list[dict]) -> None:
    others = [r for r in runs if r["id"] != run["id"]]
    if not others:
        st.info(tr("workbench.compare_none"), icon=":material/compare_arrows:")
        return
    ids = [r["id"] for r in others]
    default = ids.index(run["parent_id"]) if run.get("parent_id") in ids else 0
    labels = {r["id"]: run_label(r) for r in others}
    other_id = st.selectbox(tr("workbench.compare_with"), ids, index=default, key=f"wb_compare_{run['id']}",
                            format_func=labels.get)
    before = store.get_workbench_run(user, other_id)
    _prompts_side_by_side(before, run)
    st.dataframe(workbench.deltas(before, run), hide_index=True, width="stretch", column_config={
        "model": tr("workbench.model"),
        **{f"pass_rate_{part}": st.column_config.NumberColumn(tr(f"workbench.pass_rate_{part}"), format="percent")
           for part in ("before", "after", "delta")},
        **{f"credits_{part}": st.column_config.NumberColumn(tr(f"workbench.credits_{part}"), format="%g")
           for part in ("before", "after", "delta")}})
    _changed_outputs(before, run)


def _prompts_side_by_side(before: dict, after: dict) -> None:
    for column, run in zip(st.columns(2), (before, after)):
        column.markdown(f"**{tr('workbench.run_short', id=run['id'], version=run['version'])}**")
        column.code(run["prompt"]["user"], language=None, wrap_lines=True)
        if run["prompt"]["system"]:
            column.code(run["prompt"]["system"], language=None, wrap_lines=True)


def _changed_outputs(before: dict, after: dict) -> None:
    changed = workbench.changed_cells(before, after)
    st.caption(tr("workbench.changed_count", count=len(changed)))
    for cell in changed[:PAGE_SIZE]:
        with st.expander(tr("workbench.changed_cell", case=cell.case + 1, model=cell.model), expanded=False):
            st.code(cell.diff(), language="diff", wrap_lines=True)
