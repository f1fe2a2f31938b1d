"""A Workbench run, or two runs compared, as a share link's snapshot, and a run as slides for
presentation mode (totals per model, then the failing cases). Streamlit-free.

A snapshot is a copy of the run as it was when shared (with its owner's thumbs and notes), so a
later re-run, rating or deletion does not change what the link shows. What only the owner should
see stays out: which connection ran it and the prompt library's reference.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from lib.i18n import t
from lib.presentation import Reply, Slide
from lib.safe_text import markdown_literal
from lib.shares import MAX_TITLE_CHARS, WORKBENCH_COMPARISON, WORKBENCH_RUN, Snapshot
from lib.workbench.prompt import Check
from lib.workbench.reports import failed, failing_checks, interval, percent
from lib.workbench.results import repeats_of, title_of, totals

SHARED_KEYS = ("id", "version", "status", "prompt", "settings", "cases", "results")
PRIVATE_SETTINGS = ("connection", "prompt")
MAX_FAILING_SLIDES = 30


def shared_run(run: dict[str, Any]) -> dict[str, Any]:
    """The parts of a run a share keeps."""
    kept = {key: run[key] for key in SHARED_KEYS if key in run}
    kept["settings"] = {k: v for k, v in run["settings"].items() if k not in PRIVATE_SETTINGS}
    return kept


def run_snapshot(run: dict[str, Any]) -> Snapshot:
    """`run` with its ratings merged (`with_ratings`), as a share of kind WORKBENCH_RUN."""
    return Snapshot(WORKBENCH_RUN, title_of(run, MAX_TITLE_CHARS), {"run": shared_run(run)})


def comparison_snapshot(before: dict[str, Any], after: dict[str, Any]) -> Snapshot:
    """Two runs as the Compare tab shows them: prompts, pass rates and credits, changed outputs."""
    return Snapshot(WORKBENCH_COMPARISON, title_of(after, MAX_TITLE_CHARS),
                    {"before": shared_run(before), "after": shared_run(after)})


def run_slides(payload: dict[str, Any], lang: str) -> list[Slide]:
    """A shared run as slides: the prompt over each model's totals, then one slide per failing
    case (at most MAX_FAILING_SLIDES) with each model's reply and the checks it failed."""
    run = payload["run"]
    return [_totals_slide(run, lang), *_failing_slides(run, lang)]


def _totals_slide(run: dict[str, Any], lang: str) -> Slide:
    replies = []
    for row in totals(run).itertuples():
        lines = [t("workbench.slide_pass_rate", lang, rate=percent(row.pass_rate),
                   interval=interval(row.pass_low, row.pass_high)),
                 t("workbench.slide_consistency", lang, share=percent(row.consistency))
                 if pd.notna(row.consistency) else "",  # no case was repeated
                 t("workbench.slide_failed", lang, failed=row.failed, cells=row.cells)]
        latency = float(row.median_latency_s) if pd.notna(row.median_latency_s) else None
        replies.append(Reply("\n\n".join(filter(None, lines)),
                             {"model": row.model, "credits": row.credits + row.judge_credits, "elapsed": latency}))
    question = t("workbench.slide_totals", lang, prompt=markdown_literal(title_of(run, 200)))
    return Slide(question, (), tuple(replies))


def _failing_slides(run: dict[str, Any], lang: str) -> list[Slide]:
    checks = [Check.from_dict(c) for c in run["settings"].get("checks", [])]
    groups = repeats_of(run)
    slides = []
    for index, case in enumerate(run["cases"]):
        by_model = [(model, groups.get((index, model), [])) for model in run["settings"]["models"]]
        if not any(failed(cell) for _, cells in by_model for cell in cells):
            continue
        question = f"**#{index + 1}** " + " · ".join(f"{markdown_literal(str(k))}: {markdown_literal(str(v))}"
                                                     for k, v in case.items())
        slides.append(Slide(question, (), tuple(_case_reply(model, cells, checks, lang)
                                                for model, cells in by_model if cells)))
        if len(slides) == MAX_FAILING_SLIDES:
            break
    return slides


def _case_reply(model: str, cells: list[Any], checks: list[Check], lang: str) -> Reply:
    """A case on a model: its first failing repeat (else its first), what it failed, its reply."""
    cell = next((c for c in cells if failed(c)), cells[0])
    passed = sum(not failed(c) for c in cells)
    verdict = t("workbench.slide_repeats", lang, passed=passed, total=len(cells)) if len(cells) > 1 else ""
    reasons = [f"- :red[:material/close:] {markdown_literal(reason)}" for reason in failing_checks(cell, checks, lang=lang)]
    head = ("\n".join(filter(None, [verdict and f"**{verdict}**", *reasons]))
            or f":green[:material/check:] {t('workbench.slide_passed', lang)}")
    return Reply(f"{head}\n\n---\n\n{cell.output}", {"model": model, "credits": cell.credits,
                                                      "elapsed": cell.latency_s})
