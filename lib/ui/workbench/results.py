"""The Workbench page's results: the grid of a run's cells (a page of cases at a time), totals
per model and exports. Comparing two runs is lib/ui/workbench/compare.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import streamlit as st

from lib import workbench
from lib.i18n import key_family
from lib.safe_text import images_as_links
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, tr
from lib.ui.state import Widget
from lib.ui.state.workbench import EXPORT_CSV, EXPORT_HTML, EXPORT_JSON, EXPORT_SUITE, PAGE, RATING
from lib.ui.workbench.checks import CHECK_KEY
from lib.ui.workbench.choice import which_model
from lib.ui.workbench.opening import RUN_STATUS_KEY
from lib.workbench import reports, suite
from lib.workbench.results import problem_text, value_at

PAGE_SIZE = 20
# The failures a cell names in a few words; any other kind is shown as it is.
NAMED_CELL_KINDS = ("rate_limit", "server", "timeout", "connection", "stream_cut")
CELL_KIND_KEY = key_family("workbench.kind", NAMED_CELL_KINDS)
LONG_VALUE_KINDS = (workbench.JSON_SCHEMA,)  # a value too long for a badge


def grid_slots(cases: list[dict[str, Any]], models: list[str], start: int) -> dict[tuple[int, str], Any]:
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


def _case_text(index: int, case: dict[str, Any]) -> str:
    values = " · ".join(f"{name}: {value}" for name, value in case.items())
    return f"**#{index + 1}** {values}"


def render_repeats(cells: list[workbench.Cell], checks: list[workbench.Check], run_id: int | None = None) -> None:
    """A case on a model: how many of its repeats passed, then the first repeat in full and the
    others folded away."""
    if len(cells) > 1:
        checked = [c.passed for c in cells if c.passed is not None]
        if checked:
            st.markdown(tr("workbench.repeats_passed", passed=sum(checked), total=len(cells)))
    render_cell(cells[0], checks, run_id)
    if len(cells) > 1:
        with st.expander(tr("workbench.other_repeats", count=len(cells) - 1)):
            for cell in cells[1:]:
                st.caption(tr("workbench.repeat_number", number=cell.repeat + 1))
                render_cell(cell, checks, run_id)


def render_cell(cell: workbench.Cell, checks: list[workbench.Check], run_id: int | None = None) -> None:
    """One cell; with `run_id` (a finished run), its thumbs and note too."""
    # The model is named in each cell: on a phone the columns stack under one header.
    if cell.status == workbench.FAILED:
        st.caption(f"`{cell.model}`")
        st.error(
            tr(
                "workbench.cell_failed",
                kind=tr(CELL_KIND_KEY(cell.error_kind)) if cell.error_kind in NAMED_CELL_KINDS else cell.error_kind,
                attempts=cell.attempts,
            ),
            icon=":material/error:",
        )
    else:
        figures = tr(
            "workbench.cell_figures", latency=cell.latency_s or 0, tokens=cell.tokens or 0, credits=cell.credits
        )
        retried = " · " + tr("workbench.retried", count=cell.attempts - 1) if cell.attempts > 1 else ""
        st.caption(f"`{cell.model}` · {figures}{retried}")
    if cell.reused:
        st.badge(tr("workbench.reused", credits=cell.saved_credits), icon=":material/recycling:", color="blue")
    if cell.continued_steps:
        st.badge(tr("workbench.continued", count=cell.continued_steps), icon=":material/redo:", color="blue")
    _unfinished(cell)
    _tool_calls(cell)
    for index, (check, passed) in enumerate(zip(checks, cell.checks)):
        _check_badge(check, passed, value_at(cell.scores, index))
        reason = problem_text(value_at(cell.problems, index), value_at(cell.reasons, index), current_lang())
        if reason and (check.kind == workbench.JUDGE or not passed):
            st.caption(_literal(reason))
    if run_id is not None and cell.status == workbench.OK:
        _rating(run_id, cell)
    if cell.output:
        with st.expander(_literal(_preview(cell.output))):
            st.markdown(images_as_links(cell.output))


def _unfinished(cell: workbench.Cell) -> None:
    """Why a cell ended before its reply with something paid, what was kept, and what sending it
    again does (goes on after its paid steps, or starts again)."""
    if cell.status == workbench.PARTIAL:
        goes_on = tr("workbench.goes_on", count=cell.steps) if cell.steps else tr("workbench.starts_over")
        st.warning(
            tr("workbench.then", first=reports.unfinished_text(cell, current_lang()), then=goes_on),
            icon=":material/pause_circle:",
        )
    elif cell.status == workbench.FAILED and cell.credits:
        goes_on = tr("workbench.failed_goes_on", count=cell.steps) if cell.steps else ""
        st.caption(tr("workbench.then", first=tr("workbench.failed_paid", credits=cell.credits), then=goes_on).strip())


def _tool_calls(cell: workbench.Cell) -> None:
    """A chain's calls, each with its arguments, and its step limit when it was reached."""
    if not cell.tool_calls:
        return
    lines = [
        f":material/function: **{_literal(call['name'])}** {_literal(_preview(call['arguments'], 80))}"
        for call in cell.tool_calls
    ]
    st.caption(tr("workbench.tool_steps", count=cell.steps) + "  \n" + "  \n".join(lines))
    if cell.reached_limit:
        st.warning(tr("workbench.tool_limit", count=cell.steps), icon=":material/block:")


def _rating(run_id: int, cell: workbench.Cell) -> None:
    """Thumbs up or down and a note, saved the moment they change."""
    thumb, note = (RATING(run_id, cell.case, cell.model, cell.repeat, part) for part in ("thumb", "note"))
    thumbs_col, note_col = st.columns([1, 2], vertical_alignment="center")
    with thumbs_col:
        st.feedback(
            "thumbs",
            key=thumb.key,
            default={1: 1, -1: 0}.get(cell.rating),
            on_change=_save_rating,
            args=(run_id, cell, thumb, note),
        )
    with note_col.popover(
        tr("workbench.note_button") if not cell.note else tr("workbench.note_edit"), icon=":material/edit_note:"
    ):
        st.text_area(
            tr("workbench.note"),
            value=cell.note,
            key=note.key,
            max_chars=2000,
            on_change=_save_rating,
            args=(run_id, cell, thumb, note),
        )
    if cell.note:
        st.caption(_literal(cell.note))


def _save_rating(run_id: int, cell: workbench.Cell, thumb: Widget[Any], note: Widget[Any]) -> None:
    thumbs = thumb.value()  # the feedback widget's 1 (up) or 0 (down); None once cleared
    rating = 0 if thumbs is None else {1: 1, 0: -1}.get(thumbs, 0)
    get_store().rate_workbench_cell(
        current_user(), run_id, cell.case, cell.model, cell.repeat, rating, note.value(cell.note) or ""
    )


def _check_badge(check: workbench.Check, passed: bool, score: float | None) -> None:
    label = tr(CHECK_KEY(check.kind)) + (
        f" {check.value}" if check.value and check.kind not in LONG_VALUE_KINDS else ""
    )
    if score is not None:
        label += f" · {score:.2f}"
    if not check.must:
        label = tr("workbench.should_label", label=label)
    color: Literal["green", "red", "orange"] = "green" if passed else ("red" if check.must else "orange")
    st.badge(_literal(label), icon=":material/check:" if passed else ":material/close:", color=color)


def _literal(text: str) -> str:
    """`text` shown as typed where Streamlit reads Markdown (a check's ```` ``` ```` or `*`)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", text)


# Markdown's marks that a one-line label would show as typed: list marks, headings and quotes at
# a line's start, bold and code marks anywhere.
_MARKS = re.compile(r"^[ \t]{0,3}(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+|#{1,6}[ \t]+|>[ \t]?)|\*\*|`+", re.MULTILINE)


def _preview(text: str, chars: int = 60) -> str:
    """The start of `text` on one line, without its Markdown marks (shown escaped, as typed)."""
    line = " ".join(_MARKS.sub("", text).split())
    return line if len(line) <= chars else line[: chars - 1] + "…"


def results(run: dict[str, Any], live: bool = False, share: Callable[[dict[str, Any]], None] | None = None) -> None:
    """The shown run: its grid (a page of cases at a time), totals per model and exports (not
    while it is `live`: its cells are still coming, and cannot be rated yet); `share` draws the
    Share button beside the exports, given the run with its ratings."""
    if not live:
        run = workbench.with_ratings(run, get_store().workbench_ratings(current_user(), run["id"]))
    st.subheader(tr("workbench.results_title", id=run["id"], version=run["version"]))
    st.caption(tr(RUN_STATUS_KEY(run["status"])))
    _totals_table(run)
    if not live:
        _exports(run, share)
    cell_grid(run, rated=not live, waiting=live)


def read_only_run(run: dict[str, Any]) -> None:
    """A run as its share link shows it, read-only: what was asked, the totals, which model to
    use, every cell."""
    _prompt_and_checks(run)
    _totals_table(run)
    with st.expander(tr("workbench.tab_choice"), icon=":material/insights:"):
        which_model(run)
    cell_grid(run, rated=False)


def _prompt_and_checks(run: dict[str, Any]) -> None:
    st.code(run["prompt"]["user"], language=None, wrap_lines=True)
    if run["prompt"]["system"]:
        with st.expander(tr("chat.system_prompt"), icon=":material/settings:"):
            st.code(run["prompt"]["system"], language=None, wrap_lines=True)
    checks = workbench.RunSpec.from_run(run).checks
    st.caption(
        tr(
            "workbench.shared_setup",
            models=", ".join(run["settings"]["models"]),
            repeats=run["settings"].get("repeat", 1),
            checks=len(checks),
        )
    )


def cell_grid(run: dict[str, Any], rated: bool, waiting: bool = False) -> None:
    """The run's cells, a page of cases at a time; `rated`: with their thumbs and notes;
    `waiting`: cells not finished yet are still to come (else they were never run)."""
    cases, groups = run["cases"], workbench.repeats_of(run)
    start = _page_start(len(cases), PAGE(run["id"]).key)
    checks = workbench.RunSpec.from_run(run).checks
    for (case, model), slot in grid_slots(cases[start : start + PAGE_SIZE], run["settings"]["models"], start).items():
        cells = groups.get((case, model))
        with slot.container(border=True):
            if cells:
                render_repeats(cells, checks, run["id"] if rated else None)
            else:
                st.caption(tr("workbench.cell_waiting", model=model) if waiting else tr("workbench.cell_missing"))


def _page_start(count: int, key: str) -> int:
    if count <= PAGE_SIZE:
        return 0
    starts = list(range(0, count, PAGE_SIZE))
    return st.selectbox(
        tr("workbench.page"), starts, key=key, format_func=lambda s: f"{s + 1}–{min(s + PAGE_SIZE, count)}"
    )


def _totals_table(run: dict[str, Any]) -> None:
    totals = workbench.totals(run)
    shown = pd.DataFrame(
        {
            "model": totals["model"],
            "cells": totals["cells"],
            "failed": totals["failed"],
            "pass_rate": [reports.percent(rate) for rate in totals["pass_rate"]],
            "interval": [reports.interval(low, high) for low, high in zip(totals["pass_low"], totals["pass_high"])],
            "consistency": [reports.percent(share) for share in totals["consistency"]],
            "should_score": [reports.percent(score) for score in totals["should_score"]],
            "median_latency_s": totals["median_latency_s"],
            "credits": totals["credits"],
            "judge_credits": totals["judge_credits"],
            "saved_credits": totals["saved_credits"],
            "thumbs_up": totals["thumbs_up"],
            "thumbs_down": totals["thumbs_down"],
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "model": tr("workbench.model"),
            "cells": tr("workbench.cells"),
            "failed": tr("workbench.failed"),
            "pass_rate": st.column_config.TextColumn(tr("workbench.pass_rate"), help=tr("workbench.pass_rate_help")),
            "interval": st.column_config.TextColumn(tr("workbench.interval"), help=tr("workbench.interval_help")),
            "consistency": st.column_config.TextColumn(
                tr("workbench.consistency"), help=tr("workbench.consistency_help")
            ),
            "should_score": st.column_config.TextColumn(
                tr("workbench.should_score"), help=tr("workbench.should_score_help")
            ),
            "median_latency_s": st.column_config.NumberColumn(tr("workbench.median_latency"), format="%.2f s"),
            "credits": st.column_config.NumberColumn(tr("workbench.credits"), format="%g"),
            "judge_credits": st.column_config.NumberColumn(tr("workbench.judge_credits"), format="%g"),
            "saved_credits": st.column_config.NumberColumn(tr("workbench.saved_credits"), format="%g"),
            "thumbs_up": st.column_config.NumberColumn(tr("workbench.thumbs_up"), help=tr("workbench.ratings_help")),
            "thumbs_down": st.column_config.NumberColumn(
                tr("workbench.thumbs_down"), help=tr("workbench.ratings_help")
            ),
        },
    )


def _exports(run: dict[str, Any], share: Callable[[dict[str, Any]], None] | None) -> None:
    col_csv, col_json, col_suite, col_html, col_share = st.columns([1, 1, 1.6, 1.4, 1])
    col_csv.download_button(
        tr("workbench.export_csv"),
        workbench.to_csv(run),
        f"workbench-run-{run['id']}.csv",
        "text/csv",
        key=EXPORT_CSV.key,
        on_click="ignore",
        icon=":material/download:",
    )
    col_json.download_button(
        tr("workbench.export_json"),
        workbench.to_json(run),
        f"workbench-run-{run['id']}.json",
        "application/json",
        key=EXPORT_JSON.key,
        on_click="ignore",
        icon=":material/data_object:",
    )
    name = tr("workbench.suite_name", id=run["id"], title=workbench.title_of(run))
    col_suite.download_button(
        tr("workbench.download_suite"),
        suite.dump(workbench.RunSpec.from_run(run), run["cases"], name).encode("utf-8"),
        f"workbench-run-{run['id']}.toml",
        "application/toml",
        key=EXPORT_SUITE.key,
        on_click="ignore",
        icon=":material/terminal:",
        help=tr("workbench.download_suite_help"),
    )
    col_html.download_button(
        tr("workbench.export_html"),
        reports.html_report(run, name, current_lang()),
        f"workbench-run-{run['id']}.html",
        "text/html",
        key=EXPORT_HTML.key,
        on_click="ignore",
        icon=":material/description:",
    )
    if share is not None:
        with col_share:
            share(run)
