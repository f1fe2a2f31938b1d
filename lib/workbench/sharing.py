"""A Workbench run, or two runs compared, as a share link's snapshot, and either as slides for
presentation mode (totals per model, then the failing cases; for two runs, the cases whose
outcome changed or that still fail). Streamlit-free.

A snapshot is a copy of the run as it was when shared (with its owner's thumbs and notes), so a
later re-run, rating or deletion does not change what the link shows. What only the owner should
see stays out: which connection ran it and the prompt library's reference.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.i18n import key_family, t
from lib.safe_text import markdown_literal
from lib.sharing.presentation import Reply, Slide
from lib.sharing.shares import MAX_TITLE_CHARS, WORKBENCH_COMPARISON, WORKBENCH_RUN, Snapshot
from lib.workbench.prompt import Check
from lib.workbench.reports import failed, failing_checks, interval, percent
from lib.workbench.results import repeats_of, title_of, totals

SHARED_KEYS = ("id", "version", "status", "prompt", "settings", "cases", "results")
PRIVATE_SETTINGS = ("connection", "prompt")
MAX_FAILING_SLIDES = 30
# How a case went on a model from one run to the next (the order their slides come in).
WORSE, BETTER, STILL_FAILING = "worse", "better", "still_failing"
OUTCOMES = (WORSE, BETTER, STILL_FAILING)
OUTCOME_KEY = key_family("workbench.slide_outcome", OUTCOMES)
OUTCOME_MARK = {
    WORSE: ":red[:material/trending_down: **{}**]",
    BETTER: ":green[:material/trending_up: **{}**]",
    STILL_FAILING: ":orange[:material/close: **{}**]",
}


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
    return Snapshot(
        WORKBENCH_COMPARISON,
        title_of(after, MAX_TITLE_CHARS),
        {"before": shared_run(before), "after": shared_run(after)},
    )


def run_slides(payload: dict[str, Any], lang: str) -> list[Slide]:
    """A shared run as slides: the prompt over each model's totals, then one slide per failing
    case (at most MAX_FAILING_SLIDES) with each model's reply and the checks it failed."""
    run = payload["run"]
    return [_totals_slide(run, lang), *_failing_slides(run, lang)]


def _totals_slide(run: dict[str, Any], lang: str) -> Slide:
    replies = []
    for row in totals(run).itertuples():
        latency = float(row.median_latency_s) if pd.notna(row.median_latency_s) else None
        replies.append(
            Reply(
                "\n\n".join(_total_lines(row, lang)),
                {"model": row.model, "credits": row.credits + row.judge_credits, "elapsed": latency},
            )
        )
    question = t("workbench.slide_totals", lang, prompt=markdown_literal(title_of(run, 200)))
    return Slide(question, (), tuple(replies))


def _total_lines(row: Any, lang: str) -> list[str]:
    """A model's totals (a row of `totals`): pass rate and interval, repeats' agreement, failed calls."""
    return [
        t(
            "workbench.slide_pass_rate",
            lang,
            rate=percent(row.pass_rate),
            interval=interval(row.pass_low, row.pass_high),
        ),
        *(
            [t("workbench.slide_consistency", lang, share=percent(row.consistency))]
            if pd.notna(row.consistency)
            else []
        ),  # no case was repeated
        t("workbench.slide_failed", lang, failed=row.failed, cells=row.cells),
    ]


def _failing_slides(run: dict[str, Any], lang: str) -> list[Slide]:
    checks = [Check.from_dict(c) for c in run["settings"].get("checks", [])]
    groups = repeats_of(run)
    slides = []
    for index, case in enumerate(run["cases"]):
        by_model = [(model, groups.get((index, model), [])) for model in run["settings"]["models"]]
        if not any(failed(cell) for _, cells in by_model for cell in cells):
            continue
        question = f"**#{index + 1}** " + " · ".join(
            f"{markdown_literal(str(k))}: {markdown_literal(str(v))}" for k, v in case.items()
        )
        slides.append(
            Slide(question, (), tuple(_case_reply(model, cells, checks, lang) for model, cells in by_model if cells))
        )
        if len(slides) == MAX_FAILING_SLIDES:
            break
    return slides


def _case_reply(model: str, cells: list[Any], checks: list[Check], lang: str) -> Reply:
    """A case on a model: its first failing repeat (else its first), what it failed, its reply."""
    cell = next((c for c in cells if failed(c)), cells[0])
    return Reply(
        f"{_verdict(cells, checks, lang)}\n\n---\n\n{cell.output}",
        {"model": model, "credits": cell.credits, "elapsed": cell.latency_s},
    )


def _verdict(cells: list[Any], checks: list[Check], lang: str) -> str:
    """How many repeats passed (when there were several) and the first failing repeat's failed
    must-checks with their reasons; or that every must-check passed."""
    cell = next((c for c in cells if failed(c)), cells[0])
    passed = sum(not failed(c) for c in cells)
    verdict = t("workbench.slide_repeats", lang, passed=passed, total=len(cells)) if len(cells) > 1 else ""
    reasons = [
        f"- :red[:material/close:] {markdown_literal(reason)}" for reason in failing_checks(cell, checks, lang=lang)
    ]
    return (
        "\n".join(filter(None, [verdict and f"**{verdict}**", *reasons]))
        or f":green[:material/check:] {t('workbench.slide_passed', lang)}"
    )


# ------------------------------------------------------------------ two runs compared, as slides


def comparison_slides(payload: dict[str, Any], lang: str) -> list[Slide]:
    """Two shared runs as slides: each run's totals per model side by side (with the change of
    each pass rate), then a slide per case whose outcome changed on a model (worse first, then
    better) or that fails on a model in both runs; at most MAX_FAILING_SLIDES of those."""
    before, after = payload["before"], payload["after"]
    return [_compared_totals_slide(before, after, lang), *_outcome_slides(before, after, lang)]


def _run_name(run: dict[str, Any], lang: str) -> str:
    return t("workbench.run_short", lang, id=run.get("id", "?"), version=run.get("version", 1))


def _compared_totals_slide(before: dict[str, Any], after: dict[str, Any], lang: str) -> Slide:
    """A column per run: its prompt, then each model's totals; the later run's also say how many
    points each model's pass rate moved."""
    earlier = totals(before).set_index("model")["pass_rate"]
    replies = []
    for run in (before, after):
        rows = totals(run)
        blocks = [
            "\n".join(f"> {markdown_literal(line)}" for line in run["prompt"]["user"].splitlines() if line.strip())
        ]
        for row in rows.itertuples():
            lines = [f"**{markdown_literal(row.model)}**", *_total_lines(row, lang)]
            if run is after and pd.notna(earlier.get(row.model)) and pd.notna(row.pass_rate):
                lines.append(
                    t("workbench.slide_change", lang, points=f"{(row.pass_rate - earlier[row.model]) * 100:+.0f}")
                )
            blocks.append("  \n".join(lines))
        median = rows["median_latency_s"].median()
        replies.append(
            Reply(
                "\n\n".join(blocks),
                {
                    "model": _run_name(run, lang),
                    "credits": float(rows["credits"].sum() + rows["judge_credits"].sum()),
                    "elapsed": float(median) if pd.notna(median) else None,
                },
            )
        )
    question = t("workbench.slide_compare_totals", lang, before=_run_name(before, lang), after=_run_name(after, lang))
    return Slide(question, (), tuple(replies))


def case_outcomes(before: dict[str, Any], after: dict[str, Any]) -> dict[int, dict[str, str]]:
    """For each case run on a model in both runs whose outcome (every repeat passed, or not)
    changed or failed both times: {case: {model: WORSE | BETTER | STILL_FAILING}}."""
    old, new = repeats_of(before), repeats_of(after)
    found: dict[int, dict[str, str]] = {}
    for case, model in sorted(old.keys() & new.keys()):
        was, now = any(map(failed, old[case, model])), any(map(failed, new[case, model]))
        if was or now:
            found.setdefault(case, {})[model] = STILL_FAILING if was and now else WORSE if now else BETTER
    return found


def _outcome_slides(before: dict[str, Any], after: dict[str, Any], lang: str) -> list[Slide]:
    """A case's slide: each model whose outcome changed or stayed failing, with both runs' verdicts
    and the later run's reply (its first failing repeat, else its first)."""
    checks = {id(run): [Check.from_dict(c) for c in run["settings"].get("checks", [])] for run in (before, after)}
    old, new = repeats_of(before), repeats_of(after)
    outcomes = case_outcomes(before, after)
    order = sorted(outcomes, key=lambda case: (min(OUTCOMES.index(o) for o in outcomes[case].values()), case))
    slides = []
    for case in order[:MAX_FAILING_SLIDES]:
        values = after["cases"][case] if case < len(after["cases"]) else {}
        question = f"**#{case + 1}** " + " · ".join(
            f"{markdown_literal(str(k))}: {markdown_literal(str(v))}" for k, v in values.items()
        )
        replies = []
        for model, outcome in outcomes[case].items():
            shown = next((c for c in new[case, model] if failed(c)), new[case, model][0])
            verdicts = [
                f":gray[{_run_name(run, lang)}]  \n{_verdict(cells[case, model], checks[id(run)], lang)}"
                for run, cells in ((before, old), (after, new))
            ]
            text = "\n\n".join(
                (OUTCOME_MARK[outcome].format(t(OUTCOME_KEY(outcome), lang)), *verdicts, "---", shown.output)
            )
            replies.append(Reply(text, {"model": model, "credits": shown.credits, "elapsed": shown.latency_s}))
        slides.append(Slide(question, (), tuple(replies)))
    return slides
