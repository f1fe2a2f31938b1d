"""A finished run written out for other tools and people: JUnit XML (what CI systems read), a
self-contained HTML report (totals per model, then the failing cases, then every cell), and a
plain-text summary table for a terminal. Streamlit-free; the HTML is autoescaped Jinja2 with
inline CSS and nothing loaded from elsewhere."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from lib import formats
from lib.i18n import key_family, t
from lib.sharing.report import render
from lib.workbench.grid import ENDED_QUOTA, ENDED_STOPPED, FAILED, OK, PARTIAL, Cell
from lib.workbench.prompt import Check
from lib.workbench.results import cells_of, problem_text, totals, value_at

LABELS = (
    "heading",
    "prompt",
    "system",
    "models",
    "totals",
    "failing",
    "no_failing",
    "cells",
    "generated",
    "case",
    "model",
    "repeat",
    "output",
    "checks",
    "pass_rate",
    "interval",
    "consistency",
    "credits",
    "judge_credits",
    "median_latency",
    "failed_cells",
)
LABEL_KEY = key_family("workbench.report", LABELS)
UNFINISHED_KEY = key_family("workbench.unfinished", (ENDED_STOPPED, ENDED_QUOTA))


def failing_checks(cell: Cell, checks: list[Check], musts_only: bool = True, lang: str = "en") -> list[str]:
    """The checks a cell failed, each with its reason: `contains: x`, `judge: gpt-4o ≥ 0.7 (0.40: vague)`."""
    found = []
    for index, (check, passed) in enumerate(zip(checks, cell.checks)):
        if passed or (musts_only and not check.must):
            continue
        details = [
            f"{cell.scores[index]:.2f}" if index < len(cell.scores) and cell.scores[index] is not None else "",
            problem_text(value_at(cell.problems, index), value_at(cell.reasons, index), lang),
        ]
        detail = ": ".join(d for d in details if d)
        found.append(check.label() + (f" ({detail})" if detail else ""))
    if cell.status == FAILED:
        found.insert(
            0, f"the call failed: {cell.error_kind}" + (f" ({cell.error_message})" if cell.error_message else "")
        )
    if cell.status == PARTIAL:
        found.insert(0, unfinished_text(cell, lang))
    return found


def unfinished_text(cell: Cell, lang: str = "en") -> str:
    """Why a PARTIAL cell did not finish, and what of it was paid and kept."""
    return t(UNFINISHED_KEY(cell.ended), lang, credits=cell.credits)


def failed(cell: Cell) -> bool:
    """A cell that fails a run: its call failed or did not finish, or a must-check did not pass."""
    return cell.status != OK or cell.passed is False


def junit_xml(run: dict[str, Any], name: str) -> bytes:
    """One test suite per model, one test case per case and repeat; a failure names the
    must-checks that failed and why; should-checks that failed go in system-out."""
    checks = [Check.from_dict(c) for c in run["settings"].get("checks", [])]
    suites = ET.Element("testsuites", name=name)
    by_model: dict[str, list[Cell]] = {model: [] for model in run["settings"]["models"]}
    for cell in cells_of(run):
        by_model.setdefault(cell.model, []).append(cell)
    for model, cells in by_model.items():
        cells.sort(key=lambda c: (c.case, c.repeat))
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{name} · {model}",
            tests=str(len(cells)),
            failures=str(sum(failed(c) for c in cells)),
            errors="0",
            time=f"{sum(c.latency_s or 0 for c in cells):.3f}",
        )
        for cell in cells:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{name}.{model}",
                name=_case_name(run, cell),
                time=f"{cell.latency_s or 0:.3f}",
            )
            if failed(cell):
                reasons = failing_checks(cell, checks)
                ET.SubElement(case, "failure", message="; ".join(reasons)[:1000], type="check").text = (
                    "\n".join(reasons) + "\n\n" + cell.output
                )
            shoulds = [
                r for r in failing_checks(cell, checks, musts_only=False) if r not in failing_checks(cell, checks)
            ]
            if shoulds:
                ET.SubElement(case, "system-out").text = "should-checks failed: " + "; ".join(shoulds)
    ET.indent(suites)
    xml: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)  # (typeshed: Any for this encoding)
    return xml


def _case_name(run: dict[str, Any], cell: Cell) -> str:
    values = ", ".join(f"{k}={v}" for k, v in run["cases"][cell.case].items())
    repeat = f" · repeat {cell.repeat + 1}" if run["settings"].get("repeat", 1) > 1 else ""
    return f"case {cell.case + 1}{repeat}" + (f" ({values[:80]})" if values else "")


def summary_table(run: dict[str, Any]) -> str:
    """Totals per model as aligned plain text."""
    rows = [("model", "cells", "failed", "pass rate", "95% interval", "consistency", "credits", "judge")]
    for row in totals(run).itertuples():
        rows.append(
            (
                row.model,
                str(row.cells),
                str(row.failed),
                percent(row.pass_rate),
                interval(row.pass_low, row.pass_high),
                percent(row.consistency),
                f"{row.credits:g}",
                f"{row.judge_credits:g}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip() for r in rows)


def percent(share: float | None) -> str:
    """A share as shown: `72%`, or a dash when there was nothing to count."""
    return "—" if share is None or (isinstance(share, float) and math.isnan(share)) else f"{share:.0%}"


def interval(low: float, high: float) -> str:
    """A pass rate's interval as shown: `58%–83%`, or a dash."""
    return "—" if pd.isna(low) else f"{low:.0%}–{high:.0%}"


def html_report(run: dict[str, Any], name: str, lang: str = "en", generated_at: datetime | None = None) -> str:
    """The run as one HTML file: what was asked, totals per model, the failing cases, every cell."""
    checks = [Check.from_dict(c) for c in run["settings"].get("checks", [])]
    cells = sorted(cells_of(run), key=lambda c: (c.case, c.model, c.repeat))
    rows = [
        {
            "case": c.case + 1,
            "values": run["cases"][c.case],
            "model": c.model,
            "repeat": c.repeat + 1,
            "output": c.output,
            "failed": failed(c),
            "reasons": failing_checks(c, checks, musts_only=False, lang=lang),
        }
        for c in cells
    ]
    model_totals = [
        {
            "model": r.model,
            "cells": r.cells,
            "failed": r.failed,
            "pass_rate": percent(r.pass_rate),
            "interval": interval(r.pass_low, r.pass_high),
            "consistency": percent(r.consistency),
            "credits": f"{r.credits:g}",
            "judge_credits": f"{r.judge_credits:g}",
            "median_latency": "—" if pd.isna(r.median_latency_s) else f"{r.median_latency_s:.2f} s",
        }
        for r in totals(run).itertuples()
    ]
    labels = {part: t(LABEL_KEY(part), lang) for part in LABELS}
    when = generated_at or datetime.now(UTC)
    return render(
        "workbench_report.html.j2",
        lang="zh-CN" if lang == "zh" else "en",
        title=name,
        labels=labels,
        prompt=run["prompt"],
        models=run["settings"]["models"],
        checks=[c.label() for c in checks],
        totals=model_totals,
        failing=[r for r in rows if r["failed"]],
        rows=rows,
        generated_at=formats.moment(when, lang, UTC, f"{formats.DATE_TIME} 'UTC'"),
    )
