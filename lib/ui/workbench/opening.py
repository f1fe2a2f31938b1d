"""What the Workbench opens into its editors: a saved run (the picker, with how far unfinished
runs have got; re-run with its prompt, settings and cases) or a suite file (lib/workbench/suite.py).
The editors and the draft they show are lib/ui/workbench/editors.py."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import streamlit as st

from lib import prompts, workbench
from lib.i18n import key_family
from lib.store import Store
from lib.ui import state
from lib.ui.clock import local_time
from lib.ui.picker import file_picker
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr
from lib.ui.state import Widget, WidgetFamily
from lib.ui.state.workbench import OPEN_RUN, SUITE_FILE, SUITE_FILE_BOX, WorkbenchState, labels_widget, run_options
from lib.ui.workbench.editors import replace_draft
from lib.workbench import background, suite

SUITE_MB = 5
RUN_STATUS_KEY = key_family("workbench.status", background.STATUSES)


def _open_selected(picker: Widget[int | None]) -> None:
    """A saved run was picked: show it, and load its prompt, settings and cases for a re-run.
    The run already open is not loaded again: the browser reports a box made under a new key
    (`labels_key`: a run finished) as changed to what it shows, in the rerun that also carries
    the user's next edit, which loading the run's draft again would throw away."""
    run_id, wb = picker.value(), state.of(WorkbenchState)
    if run_id == wb.shown:
        return
    wb.shown, wb.cases_loaded = run_id, None
    if run_id is None:
        return
    run = get_store().get_workbench_run(current_user(), run_id)
    if run:
        spec = workbench.RunSpec.from_run(run)
        # the run's own cases, also when its variables differ from the draft's
        _draft_from(spec, run["cases"], parent_id=run_id, prompt_ref=_prompt_ref_of(run, spec))


def _draft_from(spec: workbench.RunSpec, cases: list[dict[str, Any]], **values: Any) -> None:
    """The editors show `spec` (a saved run's or a suite's) and `cases`, plus `values`."""
    replace_draft(
        system=spec.system,
        user=spec.user,
        models=spec.models,
        params=spec.params,
        pool=spec.pool,
        checks=[{"id": i, **asdict(c)} for i, c in enumerate(spec.checks, start=1)],
        cases=cases,
        live_cases=cases,
        case_names=None,
        **run_options(spec),
        **values,
    )


def _prompt_ref_of(run: dict[str, Any], spec: workbench.RunSpec) -> dict[str, Any] | None:
    """A run from a library version (not edited): its re-runs record that version too."""
    source = run["settings"].get("prompt")
    if not source or source.get("edited"):
        return None
    return {**source, "system": spec.system, "user": spec.user}


def run_label(run: dict[str, Any]) -> str:
    when = local_time(run["created_at"], "MM-dd HH:mm")
    status = tr(RUN_STATUS_KEY(run["status"]))
    label = tr(
        "workbench.run_label",
        id=run["id"],
        version=run["version"],
        when=when,
        status=status,
        models=", ".join(run["settings"].get("models", [])),
        title=workbench.title_of(run),
    )
    source = run["settings"].get("prompt")
    return f"{label} · {prompts.version_label(source)}" if source else label


def labels_key(family: WidgetFamily[Any], *parts: object, labels: dict[Any, str]) -> Widget[Any]:
    """A selectbox's widget for this set of labels in the user's language (`labels_widget`)."""
    return labels_widget(family, *parts, labels=labels, lang=current_lang())


def saved_runs_picker(store: Store, user: str) -> list[dict[str, Any]]:
    """The selectbox of this user's runs; picking one opens it. Returns the runs listed."""
    runs = store.list_workbench_runs(user)
    labels = {run["id"]: run_label(run) for run in runs}
    options = [None, *labels]
    wb = state.of(WorkbenchState)
    shown = wb.shown
    picker = labels_key(OPEN_RUN, labels=labels)  # showing the open run (never a reset to none)
    col_runs, col_suite = st.columns([4, 1.3], vertical_alignment="bottom")
    col_runs.selectbox(
        tr("workbench.saved_runs"),
        options,
        index=options.index(shown) if shown in options else 0,
        key=picker.key,
        on_change=_open_selected,
        args=(picker,),
        format_func=lambda run_id: labels.get(run_id, tr("workbench.new_run")),
    )
    with col_suite.popover(tr("workbench.open_suite"), icon=":material/upload_file:", width="stretch"):
        file_picker(
            tr("workbench.suite_file"),
            box=SUITE_FILE_BOX.key,
            button=tr("picker.browse"),
            note=tr("workbench.suite_note", limit=SUITE_MB),
            max_mb=SUITE_MB,
            type=["toml"],
            key=SUITE_FILE(wb.suite_version).key,
            on_change=_open_suite,
            help=tr("workbench.suite_help"),
        )
    _progress_of_unfinished(runs)
    if wb.suite_error is not None:
        st.error(tr("workbench.suite_refused", reason=wb.suite_error), icon=":material/block:")
    return runs


def _progress_of_unfinished(runs: list[dict[str, Any]]) -> None:
    """The runs going on (here or in another tab) or interrupted, with how far each has got. Not
    in the picker's labels: a selectbox whose labels change is a new widget to the browser."""
    parts = []
    for run in runs:
        total = (run.get("case_count") or 0) * len(run["settings"].get("models", [])) * run["settings"].get("repeat", 1)
        if run["status"] in (workbench.RunStatus.RUNNING, workbench.RunStatus.INTERRUPTED) and total:
            parts.append(
                tr(
                    "workbench.run_progress",
                    id=run["id"],
                    status=tr(RUN_STATUS_KEY(run["status"])),
                    done=run.get("cells_done") or 0,
                    total=total,
                )
            )
    if parts:
        st.caption(" · ".join(parts))


def _open_suite() -> None:
    """A suite file was picked: its prompt, settings, checks and cases fill the editors (a new
    run, not a re-run of the opened one); a refused suite changes nothing and says why."""
    wb = state.of(WorkbenchState)
    uploaded = SUITE_FILE(wb.suite_version).value()
    wb.suite_error = None
    if uploaded is None:
        return
    try:
        spec, cases, _ = suite.parse(uploaded.getvalue(), uploaded.name)
    except suite.SuiteError as exc:
        wb.suite_error = str(exc)
        return
    wb.suite_version += 1  # empties the picker
    wb.shown = None
    _draft_from(spec, cases, parent_id=None)
