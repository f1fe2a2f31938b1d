"""The Workbench page's Compare tab: the shown run against another (picked), side by side: their
prompts, pass rates and credits per model, and the outputs that changed. A share link of a
comparison shows it with `compared` too (lib/ui/sharing/links.py)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import prompts, workbench
from lib.i18n import key_family
from lib.safe_text import markdown_literal
from lib.store import Store
from lib.ui import state
from lib.ui.session import tr
from lib.ui.state.workbench import COMPARE_WITH, WorkbenchState
from lib.ui.workbench.opening import labels_key, run_label
from lib.ui.workbench.results import PAGE_SIZE

DELTA_PARTS = ("before", "after", "delta")
PASS_RATE_KEY, CREDITS_KEY = (
    key_family("workbench.pass_rate", DELTA_PARTS),
    key_family("workbench.credits", DELTA_PARTS),
)


def comparison(store: Store, user: str, run: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Compare tab: `run` against another of `runs` (picked); returns the other run."""
    others = [r for r in runs if r["id"] != run["id"]]
    if not others:
        st.info(tr("workbench.compare_none"), icon=":material/compare_arrows:")
        return None
    ids = [r["id"] for r in others]
    earlier = prompts.previous_version_run(run, others)  # a prompt's run: the previous version's
    default = ids.index(earlier) if earlier else ids.index(run["parent_id"]) if run.get("parent_id") in ids else 0
    labels = {r["id"]: run_label(r) for r in others}
    chosen = state.of(WorkbenchState).compared_with  # the pick, kept when the box's labels (and key) change
    if chosen.get(run["id"]) in ids:
        default = ids.index(chosen[run["id"]])
    other_id = st.selectbox(
        tr("workbench.compare_with"),
        ids,
        index=default,
        format_func=lambda run_id: labels[run_id],
        key=labels_key(COMPARE_WITH, run["id"], labels=labels).key,
    )
    chosen[run["id"]] = other_id
    before = store.get_workbench_run(user, other_id)
    if before is not None:  # (deleted meanwhile: nothing to compare with)
        compared(before, run)
    return before


def compared(before: dict[str, Any], run: dict[str, Any]) -> None:
    """Two runs side by side: prompts, pass rates and credits per model, changed outputs."""
    _prompts_side_by_side(before, run)
    st.dataframe(
        workbench.deltas(before, run),
        hide_index=True,
        width="stretch",
        column_config={
            "model": tr("workbench.model"),
            **{
                f"pass_rate_{part}": st.column_config.NumberColumn(tr(PASS_RATE_KEY(part)), format="percent")
                for part in DELTA_PARTS
            },
            **{
                f"credits_{part}": st.column_config.NumberColumn(tr(CREDITS_KEY(part)), format="%g")
                for part in DELTA_PARTS
            },
        },
    )
    _changed_outputs(before, run)


def _prompts_side_by_side(before: dict[str, Any], after: dict[str, Any]) -> None:
    for column, run in zip(st.columns(2), (before, after)):
        source = prompts.version_label(run["settings"].get("prompt"))  # the library's version, if from there
        column.markdown(
            f"**{tr('workbench.run_short', id=run['id'], version=run['version'])}**"
            + (f" · {markdown_literal(source)}" if source else "")
        )
        column.code(run["prompt"]["user"], language=None, wrap_lines=True)
        if run["prompt"]["system"]:
            column.code(run["prompt"]["system"], language=None, wrap_lines=True)


def _changed_outputs(before: dict[str, Any], after: dict[str, Any]) -> None:
    changed = workbench.changed_cells(before, after)
    st.caption(tr("workbench.changed_count", count=len(changed)))
    for cell in changed[:PAGE_SIZE]:
        with st.expander(tr("workbench.changed_cell", case=cell.case + 1, model=cell.model), expanded=False):
            st.code(cell.diff(), language="diff", wrap_lines=True)
