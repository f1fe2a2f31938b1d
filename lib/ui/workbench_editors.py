"""The Workbench page's editors: the draft they show (session state), the saved-runs picker that
loads a run into it, the prompt and its settings, the test cases and the checks.
Running a run is in lib/ui/workbench_run.py, showing one in lib/ui/workbench_results.py;
rules, running and sums live in lib/workbench/."""
from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from lib import chat, workbench
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.store import Store
from lib.ui.chat_view import model_ids
from lib.ui.clock import local_time
from lib.ui.picker import file_picker
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, labels, tr

DRAFT, VERSION, SHOWN, OPEN_NEXT, MESSAGES = "wb_draft", "wb_version", "wb_run_id", "wb_open_next", "wb_messages"
CASES_VERSION = "wb_cases_version"
RUN_STATUS_KEY = key_family("workbench.status", ("running", "done", "stopped"))
CHECK_KEY = key_family("workbench.check", workbench.CHECK_KINDS)
EXAMPLE_USER = "Write one sentence about {{topic}} for {{audience}}."
EXAMPLE_CASES = [{"topic": "tides", "audience": "children"}, {"topic": "python code review", "audience": "engineers"}]


# ------------------------------------------------------------------ the draft: what the editors show

def session_draft() -> dict:
    if DRAFT not in st.session_state:
        st.session_state[DRAFT] = {"system": "", "user": EXAMPLE_USER, "models": [chat.DEFAULT_MODEL],
                                   "params": chat.default_settings()["params"], "pool": workbench.DEFAULT_POOL,
                                   "checks": [], "cases": EXAMPLE_CASES, "parent_id": None}
    return st.session_state[DRAFT]


def _key(name: str) -> str:
    """Widget keys change with the draft's version, so opening a run shows its values afresh."""
    return f"wb{st.session_state.get(VERSION, 0)}_{name}"


def _replace_draft(**values) -> None:
    session_draft().update(values)
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
    when = local_time(run["created_at"], "MM-dd HH:mm")
    status = tr(RUN_STATUS_KEY(run["status"]))
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
    draft = session_draft()
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
    draft = session_draft()
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

def checks_editor() -> list[workbench.Check]:
    """Checks run on every reply; their values may hold the case's `{{variables}}`."""
    draft = session_draft()
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
                                     format_func=labels(CHECK_KEY),
                                     # keyed per language: a selectbox keeps the option labels it was made with
                                     key=_key(f"check_kind_{current_lang()}_{row['id']}"))
    row["value"] = value_col.text_input(tr("workbench.check_value"), value=row["value"],
                                        disabled=row["kind"] == workbench.IS_JSON,
                                        key=_key(f"check_value_{row['id']}"))
    remove_col.button("", icon=":material/delete:", key=_key(f"check_remove_{row['id']}"),
                      help=tr("workbench.remove_check"), on_click=_remove_check, args=(row["id"],))


def _add_check() -> None:
    checks = session_draft()["checks"]
    checks.append({"id": max((c["id"] for c in checks), default=0) + 1, "kind": workbench.CONTAINS, "value": ""})


def _remove_check(check_id: int) -> None:
    session_draft()["checks"] = [c for c in session_draft()["checks"] if c["id"] != check_id]
