"""What the Workbench opens into its editors: a saved run (the picker, with how far unfinished
runs have got; re-run with its prompt, settings and cases) or a suite file (lib/workbench/suite.py).
The editors and the draft they show are lib/ui/workbench_editors.py."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

import streamlit as st

from lib import prompts, workbench
from lib.i18n import key_family
from lib.store import Store
from lib.ui.clock import local_time
from lib.ui.picker import file_picker
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr
from lib.ui.workbench_editors import MESSAGES, SHOWN, replace_draft, run_options
from lib.workbench import background, suite

SUITE_VERSION, SUITE_ERROR, SUITE_MB = "wb_suite_version", "wb_suite_error", 5
RUN_STATUS_KEY = key_family("workbench.status", background.STATUSES)


def _open_selected(key: str) -> None:
    """A saved run was picked: show it, and load its prompt, settings and cases for a re-run.
    The run already open is not loaded again: the browser reports a box made under a new key
    (`labels_key`: a run finished) as changed to what it shows, in the rerun that also carries
    the user's next edit, which loading the run's draft again would throw away."""
    run_id = st.session_state[key]
    if run_id == st.session_state.get(SHOWN):
        return
    st.session_state[SHOWN] = run_id
    st.session_state.pop(MESSAGES, None)
    if run_id is None:
        return
    run = get_store().get_workbench_run(current_user(), run_id)
    if run:
        spec = workbench.RunSpec.from_run(run)
        replace_draft(
            system=spec.system,
            user=spec.user,
            models=spec.models,
            params=spec.params,
            pool=spec.pool,
            checks=[{"id": i, **asdict(c)} for i, c in enumerate(spec.checks, start=1)],
            # the run's own cases, also when its variables differ from the draft's
            cases=run["cases"],
            live_cases=run["cases"],
            case_names=None,
            parent_id=run_id,
            prompt_ref=_prompt_ref_of(run, spec),
            **run_options(spec),
        )


def _prompt_ref_of(run: dict, spec: workbench.RunSpec) -> dict | None:
    """A run from a library version (not edited): its re-runs record that version too."""
    source = run["settings"].get("prompt")
    if not source or source.get("edited"):
        return None
    return {**source, "system": spec.system, "user": spec.user}


def run_label(run: dict) -> str:
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


def labels_key(prefix: str, labels: dict) -> str:
    """A selectbox's key for this set of labels in this language. The browser keeps a
    selectbox's labels while its key stays: a run that finished, or another language, needs a
    new key (and the caller shows the same choice in the new box)."""
    return prefix + hashlib.sha1(repr([current_lang(), *labels.items()]).encode()).hexdigest()[:12]


def saved_runs_picker(store: Store, user: str) -> list[dict]:
    """The selectbox of this user's runs; picking one opens it. Returns the runs listed."""
    runs = store.list_workbench_runs(user)
    labels = {run["id"]: run_label(run) for run in runs}
    options = [None, *labels]
    shown = st.session_state.get(SHOWN)
    key = labels_key("wb_open_", labels)  # showing the open run (never a reset to none)
    col_runs, col_suite = st.columns([4, 1.3], vertical_alignment="bottom")
    col_runs.selectbox(
        tr("workbench.saved_runs"),
        options,
        index=options.index(shown) if shown in options else 0,
        key=key,
        on_change=_open_selected,
        args=(key,),
        format_func=lambda run_id: labels.get(run_id, tr("workbench.new_run")),
    )
    with col_suite.popover(tr("workbench.open_suite"), icon=":material/upload_file:", width="stretch"):
        file_picker(
            tr("workbench.suite_file"),
            box="wb_suite_picker",
            button=tr("picker.browse"),
            note=tr("workbench.suite_note", limit=SUITE_MB),
            max_mb=SUITE_MB,
            type=["toml"],
            key=f"wb_suite_{st.session_state.get(SUITE_VERSION, 0)}",
            on_change=_open_suite,
            help=tr("workbench.suite_help"),
        )
    _progress_of_unfinished(runs)
    if SUITE_ERROR in st.session_state:
        st.error(tr("workbench.suite_refused", reason=st.session_state[SUITE_ERROR]), icon=":material/block:")
    return runs


def _progress_of_unfinished(runs: list[dict]) -> None:
    """The runs going on (here or in another tab) or interrupted, with how far each has got. Not
    in the picker's labels: a selectbox whose labels change is a new widget to the browser."""
    parts = []
    for run in runs:
        total = (run.get("case_count") or 0) * len(run["settings"].get("models", [])) * run["settings"].get("repeat", 1)
        if run["status"] in ("running", "interrupted") and total:
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
    uploaded = st.session_state.get(f"wb_suite_{st.session_state.get(SUITE_VERSION, 0)}")
    st.session_state.pop(SUITE_ERROR, None)
    if uploaded is None:
        return
    try:
        spec, cases, _ = suite.parse(uploaded.getvalue(), uploaded.name)
    except suite.SuiteError as exc:
        st.session_state[SUITE_ERROR] = str(exc)
        return
    st.session_state[SUITE_VERSION] = st.session_state.get(SUITE_VERSION, 0) + 1  # empties the picker
    st.session_state[SHOWN] = None
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
        parent_id=None,
        **run_options(spec),
    )
