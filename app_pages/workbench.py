"""Workbench: one prompt template on many test cases and 1-3 models at once, with checks,
saved runs, exports and a comparison of two runs."""

import streamlit as st

from lib import workbench
from lib.sharing import shares
from lib.ui import state
from lib.ui.chat.view import model_ids
from lib.ui.connection import get_client
from lib.ui.prompts.use import workbench_source_caption
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.sharing.links import share_button
from lib.ui.state.workbench import SHARE_COMPARISON, SHARE_RUN, WorkbenchState
from lib.ui.workbench.cases import cases_editor
from lib.ui.workbench.checks import checks_editor
from lib.ui.workbench.choice import which_model
from lib.ui.workbench.compare import comparison
from lib.ui.workbench.editors import prompt_editor, session_draft, tools_section
from lib.ui.workbench.opening import saved_runs_picker
from lib.ui.workbench.results import results
from lib.ui.workbench.run import (
    awaiting_resume,
    is_live,
    live_run,
    resume_button,
    run_button,
    start_pending,
)
from lib.workbench import sharing

store, user, client = get_store(), current_user(), get_client()

st.title(tr("workbench.title"))
st.caption(tr("workbench.intro"))
runs = saved_runs_picker(store, user)

workbench_source_caption(session_draft().prompt_ref)
spec = prompt_editor(client)
spec.tools = tools_section()
names = workbench.variables(spec.system, spec.user)
st.markdown(f"**{tr('workbench.cases_title')}**")
cases = cases_editor(names)
spec.checks = checks_editor(model_ids(client))
run_button(client, spec, cases)
start_pending(store, user, client)

shown_id = state.of(WorkbenchState).shown
shown = store.get_workbench_run(user, shown_id) if shown_id else None
if shown:
    st.divider()
    tab_results, tab_compare, tab_choice = st.tabs(
        [tr("workbench.tab_results"), tr("workbench.tab_compare"), tr("workbench.tab_choice")]
    )
    with tab_results:
        if is_live(shown["id"]):
            live_run(shown)
        elif shown["status"] == workbench.RunStatus.RUNNING:  # the process that ran it stopped: it is resumed soon
            awaiting_resume(shown)
            results(shown, live=True)
        else:
            resume_button(shown)
            results(
                shown,
                share=lambda rated: share_button(
                    shares.WORKBENCH_RUN, lambda: sharing.run_snapshot(rated), key=SHARE_RUN.key
                ),
            )
    with tab_compare:
        before = comparison(store, user, shown, runs)
        if before is not None:
            share_button(
                shares.WORKBENCH_COMPARISON,
                lambda: sharing.comparison_snapshot(before, shown),
                key=SHARE_COMPARISON.key,
            )
    with tab_choice:
        which_model(shown, store, user, client)
