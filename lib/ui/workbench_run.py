"""The Workbench page's run: the estimate and Run button, the budget confirmation, then the grid
run live (each cell shown the moment it finishes, saved as it goes) until done or stopped."""
from __future__ import annotations

import threading
import time
from contextlib import closing
from dataclasses import asdict

import streamlit as st

from lib import workbench
from lib.client import ReshiClient
from lib.store import Store
from lib.ui.budget import confirm_within_budget
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.workbench_editors import (
    OPEN_NEXT,
    SHOWN,
    run_option_problems,
    session_draft,
)
from lib.ui.workbench_results import PAGE_SIZE, grid_slots, render_repeats

PENDING, LIVE, FULL_RERUN = "wb_pending", "wb_live", "wb_full_rerun"
SAVE_EVERY_SECONDS = 2.0


def run_button(client: ReshiClient, spec: workbench.RunSpec, cases: list[dict]) -> None:
    """The estimate, then Run: checked, confirmed past the budget, then started (held as pending
    across the confirmation's rerun). A re-run reuses the cells that did not change unless the
    full re-run switch is on."""
    planned = workbench.plan(spec, cases, _earlier_cells())
    reused = sum(cell.reuse is not None for cell in planned)
    cost = workbench.estimate_credits(client, spec, planned)
    st.caption(tr("workbench.estimate_eval", credits=cost, cases=len(cases), models=len(spec.models),
                  repeats=spec.repeat, judges=sum(c.kind == workbench.JUDGE for c in spec.checks)))
    if session_draft()["parent_id"]:
        st.toggle(tr("workbench.full_rerun"), key=FULL_RERUN, help=tr("workbench.full_rerun_help"))
        if reused:
            st.caption(tr("workbench.will_reuse", count=reused, total=len(planned)))
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
    return found + run_option_problems() + [p for p in map(workbench.check_problem, spec.checks) if p]


def start_pending(store: Store, user: str, client: ReshiClient) -> None:
    pending = st.session_state.get(PENDING)
    if not pending:
        return
    spec, cases = pending
    planned = workbench.plan(spec, cases, _earlier_cells())
    if confirm_within_budget(workbench.estimate_credits(client, spec, planned), key="workbench"):
        del st.session_state[PENDING]
        _execute(store, user, client, spec, cases)


def _execute(store: Store, user: str, client: ReshiClient, spec: workbench.RunSpec, cases: list[dict]) -> None:
    """Run the grid in the pool, showing each cell the moment it finishes; save as it goes.

    Stop (or leaving the page) ends this script run mid-loop and `finally` saves what finished.
    Streamlit starts the next run without waiting for that `finally`, so everything the next run
    needs is set before the loop, and Stop's callback saves the finished cells itself.
    """
    parent_id = session_draft()["parent_id"]
    parent = store.get_workbench_run(user, parent_id) if parent_id else None
    earlier = _earlier_cells()
    run_id = store.add_workbench_run(user, workbench.new_run(spec, cases), parent_id=parent and parent["id"],
                                     version=workbench.next_version(parent, spec))
    total, results, status, saved_at = len(cases) * len(spec.models) * spec.repeat, [], "stopped", time.monotonic()
    st.session_state[LIVE] = {"run_id": run_id, "results": results, "stop": threading.Event()}
    st.session_state[OPEN_NEXT] = st.session_state[SHOWN] = session_draft()["parent_id"] = run_id
    progress = st.progress(0.0, text=tr("workbench.progress", done=0, total=total))
    st.button(tr("workbench.stop"), key="wb_stop", icon=":material/stop_circle:", on_click=_stop_live_run)
    slots, shown = grid_slots(cases[:PAGE_SIZE], spec.models, start=0), {}
    try:
        with closing(workbench.run_cells(client, spec, cases, st.session_state[LIVE]["stop"], earlier=earlier,
                                         judge_cache=judge_cache())) as cells:
            for cell in cells:
                results.append(asdict(cell))
                progress.progress(len(results) / total, text=tr("workbench.progress", done=len(results), total=total))
                if (cell.case, cell.model) in slots:
                    group = shown.setdefault((cell.case, cell.model), [])
                    group.append(cell)
                    group.sort(key=lambda c: c.repeat)
                    with slots[(cell.case, cell.model)].container(border=True):
                        render_repeats(group, spec.checks)
                if time.monotonic() - saved_at > SAVE_EVERY_SECONDS:
                    store.save_workbench_results(user, run_id, results, "running")
                    saved_at = time.monotonic()
        status = "done"
    finally:
        store.save_workbench_results(user, run_id, results, status)
    st.session_state.pop(LIVE, None)  # finished: a late Stop has nothing to stop
    st.rerun()


def _earlier_cells() -> list[workbench.Cell]:
    """The cells a re-run may reuse: the opened run's, unless a full re-run was asked for."""
    parent_id = session_draft()["parent_id"]
    if not parent_id or st.session_state.get(FULL_RERUN):
        return []
    parent = get_store().get_workbench_run(current_user(), parent_id)
    return workbench.cells_of(parent) if parent else []


@st.cache_resource(show_spinner=False)
def judge_cache() -> workbench.MemoryJudgeCache:
    """Verdicts of judged checks, one cache per process: a re-run pays a judgement once."""
    return workbench.MemoryJudgeCache()


def _stop_live_run() -> None:
    live = st.session_state.get(LIVE)
    if live:
        live["stop"].set()
        get_store().save_workbench_results(current_user(), live["run_id"], list(live["results"]), "stopped")
