"""The Workbench page's run: the estimate and Run button, the budget confirmation, then the run
handed to the process's background runs (lib/workbench/background.py), shown live while it goes
on, resumed after a restart."""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from lib import prompts, workbench
from lib.client import ReshiClient
from lib.store import Store
from lib.ui import state
from lib.ui.connection import (
    RESUMABLE_MODES,
    connection_client,
    connection_for,
    current_connection,
)
from lib.ui.credits.budget import confirm_within_budget
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.state.workbench import FULL_RERUN, RESUME, RUN, STOP, PendingRun, WorkbenchState
from lib.ui.workbench.editors import run_option_problems, session_draft
from lib.ui.workbench.results import results
from lib.workbench.background import INTERRUPTED, QUOTA, STALE_SECONDS, BackgroundRuns
from lib.workbench.judge import StoreJudgeCache

LIVE_REFRESH_SECONDS = 1.0
AWAITING_REFRESH_SECONDS = 5.0


def run_button(client: ReshiClient, spec: workbench.RunSpec, cases: list[dict[str, Any]]) -> None:
    """The estimate, then Run: checked, confirmed past the budget, then started (held as pending
    across the confirmation's rerun). A re-run reuses the cells that did not change unless the
    full re-run switch is on."""
    planned = workbench.plan(spec, cases, _earlier_cells())
    reused = sum(cell.reuse is not None for cell in planned)
    cost = workbench.estimate_credits(client, spec, planned, _verdicts())
    st.caption(
        tr(
            "workbench.estimate_eval",
            credits=cost,
            cases=len(cases),
            models=len(spec.models),
            repeats=spec.repeat,
            judges=sum(c.kind == workbench.JUDGE for c in spec.checks),
        )
    )
    if spec.uses_tools() and reused < len(planned):  # (only for the cells that are sent)
        st.caption(tr("workbench.estimate_tools", steps=spec.max_steps()))
    if session_draft().parent_id:
        st.toggle(tr("workbench.full_rerun"), key=FULL_RERUN.key, help=tr("workbench.full_rerun_help"))
        if reused:
            st.caption(tr("workbench.will_reuse", count=reused, total=len(planned)))
        going_on = sum(cell.resumes is not None and bool(cell.resumes.chain) for cell in planned)
        if going_on:
            st.caption(tr("workbench.will_go_on", count=going_on))
    if st.button(tr("workbench.run"), key=RUN.key, type="primary", icon=":material/play_arrow:"):
        problems = _problems(spec, cases)
        for key, fields in problems:
            st.warning(tr(key, **fields), icon=":material/warning:")
        if not problems:
            state.of(WorkbenchState).pending = PendingRun(spec, cases)


def _problems(spec: workbench.RunSpec, cases: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = [] if spec.user.strip() else [("workbench.need_user", {})]
    if not spec.models:
        found.append(("workbench.need_model", {}))
    if not cases:
        found.append(("workbench.need_cases", {}))
    if len(cases) > workbench.MAX_CASES:
        found.append(("workbench.refused_too_many", {"count": len(cases), "limit": workbench.MAX_CASES}))
    return found + run_option_problems() + [p for p in map(workbench.check_problem, spec.checks) if p]


def start_pending(store: Store, user: str, client: ReshiClient) -> None:
    wb = state.of(WorkbenchState)
    pending = wb.pending
    if pending is None:
        return
    planned = workbench.plan(pending.spec, pending.cases, _earlier_cells())
    cost = workbench.estimate_credits(client, pending.spec, planned, _verdicts())
    if confirm_within_budget(cost, key="workbench", on_cancel=_cancel_pending):
        wb.pending = None
        _execute(store, user, client, pending.spec, pending.cases)


def _cancel_pending() -> None:
    state.of(WorkbenchState).pending = None


def _execute(
    store: Store, user: str, client: ReshiClient, spec: workbench.RunSpec, cases: list[dict[str, Any]]
) -> None:
    """Save the run and hand it to the process's background runs: it goes on when this tab
    closes. The page then shows it live (`live_run`) and, once finished, as saved."""
    draft = session_draft()
    parent = store.get_workbench_run(user, draft.parent_id) if draft.parent_id else None
    earlier = _earlier_cells()
    conn = current_connection()
    record = workbench.new_run(spec, cases)
    record["settings"]["prompt"] = prompts.source_of_run(draft.prompt_ref, spec.system, spec.user)
    if conn.mode in RESUMABLE_MODES:  # its key is the app's, so a restart can resume it alone
        record["settings"]["connection"] = conn.mode
    run_id = store.add_workbench_run(
        user, record, parent_id=parent["id"] if parent else None, version=workbench.next_version(parent, spec)
    )
    run_client = connection_client(conn, user)
    background_runs().start(user, run_id, run_client, spec, cases, earlier=earlier, on_end=run_client.close)
    state.of(WorkbenchState).shown = draft.parent_id = run_id
    st.rerun()


def is_live(run_id: int) -> bool:
    return background_runs().live(run_id) is not None


@st.fragment(run_every=LIVE_REFRESH_SECONDS)
def live_run(run: dict[str, Any]) -> None:
    """A run going on in the background: its progress, Stop, and the cells finished so far,
    redrawn every second; the whole page runs again once it has finished."""
    live = background_runs().live(run["id"])
    if live is None:
        st.rerun(scope="app")
    st.progress(live.done / max(live.total, 1), text=tr("workbench.progress", done=live.done, total=live.total))
    st.button(
        tr("workbench.stop"), key=STOP.key, icon=":material/stop_circle:", on_click=_stop_live_run, args=(run["id"],)
    )
    results({**run, "results": list(live.results), "status": workbench.RunStatus.RUNNING}, live=True)


@st.fragment(run_every=AWAITING_REFRESH_SECONDS)
def awaiting_resume(run: dict[str, Any]) -> None:
    """A run the store says is running but no thread of this process runs: the process that ran
    it stopped (a restart). It is resumed once its lease runs out (at once after a clean
    shutdown), by the first process to look (`BackgroundRuns.look_for_left_runs`); the whole page
    runs again when it is live here or no longer running."""
    stored = get_store().get_workbench_run(current_user(), run["id"])
    if is_live(run["id"]) or stored is None or stored["status"] != workbench.RunStatus.RUNNING:
        st.rerun(scope="app")
    st.info(tr("workbench.awaiting_resume", seconds=int(STALE_SECONDS)), icon=":material/hourglass_top:")


def _stop_live_run(run_id: int) -> None:
    background_runs().stop(current_user(), run_id)


def background_runs() -> BackgroundRuns:
    """The process's background runs (one per store). The router calls this on every page and
    share link, so the first visit after a restart starts them: from then on they look for the
    runs a stopped process left by themselves, whether or not anyone opens the Workbench."""
    store = get_store()
    return _background_runs(store, store_id=id(store))


@st.cache_resource(show_spinner=False)
def _background_runs(_store: Store, store_id: int) -> BackgroundRuns:
    runs = BackgroundRuns(_store, client_for=_app_key_client)
    # A clean shutdown (SIGTERM) hands its runs on at once. Python joins the runs' worker threads
    # (concurrent.futures) before `atexit` handlers; its hook for "before those joins" is
    # threading's internal `_register_atexit` (ARCHITECTURE, pinned by the restart browser test).
    threading._register_atexit(runs.release)  # type: ignore[attr-defined]  # not in typeshed: internal
    return runs


def _app_key_client(user: str, settings: dict[str, Any]) -> ReshiClient | None:
    """A left run's client when its key is the app's own (the sandbox, the admin's preset);
    None for a user's own key, which was never stored."""
    mode = settings.get("connection")
    return connection_client(connection_for(mode), user) if mode in RESUMABLE_MODES else None


# Runs that ended before their last cell and may go on: why, said above their results.
UNFINISHED_NOTES = {
    INTERRUPTED: ("workbench.interrupted", ":material/pause_circle:"),
    QUOTA: ("workbench.quota_stopped", ":material/data_usage:"),
}


def resume_button(run: dict[str, Any]) -> None:
    """A run that ended early, its finished cells kept: interrupted (its process died and its
    key was the user's) or stopped by the admin's quota. Go on with this session's key."""
    note = UNFINISHED_NOTES.get(run["status"])
    if note is None or is_live(run["id"]):
        return
    total = len(run["cases"]) * len(run["settings"]["models"]) * int(run["settings"].get("repeat", 1))
    done = sum(cell["status"] != workbench.PARTIAL for cell in run["results"])
    st.warning(tr(note[0], done=done, total=total), icon=note[1])
    if st.button(tr("workbench.resume"), key=RESUME.key, icon=":material/play_arrow:"):
        user = current_user()
        background_runs().resume(user, run, connection_client(current_connection(), user))
        st.rerun()


def _verdicts() -> StoreJudgeCache:
    """The user's judged verdicts, as a run of theirs uses them (`BackgroundRuns.start`)."""
    return StoreJudgeCache(get_store(), current_user())


def _earlier_cells() -> list[workbench.Cell]:
    """The cells a re-run may reuse: the opened run's, unless a full re-run was asked for."""
    parent_id = session_draft().parent_id
    if not parent_id or FULL_RERUN.value():
        return []
    parent = get_store().get_workbench_run(current_user(), parent_id)
    return workbench.cells_of(parent) if parent else []
