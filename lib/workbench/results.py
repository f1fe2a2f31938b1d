"""A run as data: its cells as a table, totals per model, exports, versions, and two runs compared.

Runs are plain dicts (prompt, settings, cases, results) so they store as JSON, export as JSON
and compare with each other without a schema of their own.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from lib.chat import tool_chain
from lib.credits.usage import (
    _inert as spreadsheet_safe,  # the usage CSV's formula guard, shared
)
from lib.i18n import key_family, t
from lib.workbench import judge, stats
from lib.workbench.grid import FAILED, Cell, RunSpec
from lib.workbench.prompt import Check

if TYPE_CHECKING:
    from lib.store.workbench import CellRating

# Why a check could not pass, as a code (what stopped the judge, how a tool call differed)
PROBLEM_KEY = key_family("workbench.problem", (*judge.PROBLEMS, *tool_chain.TOOL_PROBLEMS))


def value_at(values: list[Any], index: int) -> Any:
    """A cell's per-check value (score, reason, problem), None for a check added after it ran."""
    return values[index] if index < len(values) else None


def problem_text(problem: str | None, reason: str | None, lang: str = "en") -> str:
    """A check's reason as people read it: its problem in words with the detail, else the
    judge's own words."""
    return t(PROBLEM_KEY(problem), lang, detail=reason or "") if problem else reason or ""


def new_run(spec: RunSpec, cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "prompt": {"system": spec.system, "user": spec.user},
        "settings": spec.settings(),
        "cases": cases,
        "results": [],
    }


def cells_of(run: dict[str, Any]) -> list[Cell]:
    return [Cell.from_dict(cell) for cell in run.get("results", [])]


def with_ratings(run: dict[str, Any], ratings: Mapping[tuple[int, str, int], CellRating]) -> dict[str, Any]:
    """The run with a person's ratings (`Store.workbench_ratings`) in its cells, to show,
    count and export."""
    results = []
    for cell in run.get("results", []):
        rated = ratings.get((cell["case"], cell["model"], cell.get("repeat", 0)))
        results.append({**cell, "rating": rated["thumb"] if rated else 0, "note": rated["note"] if rated else ""})
    return {**run, "results": results}


def grid(run: dict[str, Any]) -> dict[tuple[int, str, int], Cell]:
    """The run's cells by (case, model, repeat)."""
    return {(cell.case, cell.model, cell.repeat): cell for cell in cells_of(run)}


def repeats_of(run: dict[str, Any]) -> dict[tuple[int, str], list[Cell]]:
    """Each case on each model: its repeats' cells, in repeat order."""
    found: dict[tuple[int, str], list[Cell]] = {}
    for cell in sorted(cells_of(run), key=lambda c: c.repeat):
        found.setdefault((cell.case, cell.model), []).append(cell)
    return found


def _ordered(run: dict[str, Any]) -> list[Cell]:
    """The run's cells by case, then in the order its models were picked, then by repeat."""
    models = run["settings"]["models"]
    return sorted(
        cells_of(run), key=lambda c: (c.case, models.index(c.model) if c.model in models else len(models), c.repeat)
    )


def frame(run: dict[str, Any]) -> pd.DataFrame:
    """One row per finished cell, with the case's values (with tools, the calls its chain made),
    one column per check (and the score and reason of those that give one) and whether every
    must-check passed."""
    checks = [Check.from_dict(c) for c in run["settings"].get("checks", [])]
    rows = []
    for cell in _ordered(run):
        row = {
            "case": cell.case + 1,
            **run["cases"][cell.case],
            "model": cell.model,
            "repeat": cell.repeat + 1,
            "status": cell.status,
            "output": cell.output,
            "latency_s": cell.latency_s,
            "tokens": cell.tokens,
            "credits": cell.credits,
            "judge_credits": cell.judge_credits,
            "reused": cell.reused,
            "saved_credits": cell.saved_credits,
            "attempts": cell.attempts,
            "error": cell.error_kind or cell.ended,
        }
        if run["settings"].get("tools"):  # a run with tools: its chain's calls, in order
            row |= {
                "tool_calls": "; ".join(f"{call['name']}({call['arguments']})" for call in cell.tool_calls),
                "tool_steps": cell.steps,
                "step_limit_reached": cell.reached_limit,
            }
        for index, (check, ok) in enumerate(zip(checks, cell.checks)):
            label = check.label()
            row[label] = "pass" if ok else "fail"
            if index < len(cell.scores) and cell.scores[index] is not None:
                row[f"{label} · score"] = cell.scores[index]
            if index < len(cell.reasons) and (cell.reasons[index] or cell.problems[index]):
                row[f"{label} · reason"] = problem_text(cell.problems[index], cell.reasons[index])
        row["all_checks"] = {True: "pass", False: "fail", None: ""}[cell.passed]
        row["should_score"] = cell.score
        row["rating"] = {1: "up", -1: "down", 0: ""}[cell.rating]
        row["note"] = cell.note
        rows.append(row)
    return pd.DataFrame(rows)


def totals(run: dict[str, Any]) -> pd.DataFrame:
    """Per model: cells done, failures, pass rate (of the cells checked, those whose every
    must-check passed) with its 95% interval, how often repeats agreed, the should-checks'
    mean score, median latency, credits (the replies', the judges', and those reused cells
    saved) and people's thumbs up and down. Models without finished cells still get a row."""
    models = run["settings"]["models"]
    by_model: dict[str, list[Cell]] = {model: [] for model in models}
    for cell in cells_of(run):
        by_model.setdefault(cell.model, []).append(cell)
    rows = []
    for model, cells in by_model.items():
        checked = [c.passed for c in cells if c.passed is not None]
        interval = stats.wilson(sum(checked), len(checked))
        scores = [c.score for c in cells if c.score is not None]
        latencies = pd.Series([c.latency_s for c in cells if c.latency_s is not None], dtype=float)
        rows.append(
            {
                "model": model,
                "cells": len(cells),
                "failed": sum(c.status == FAILED for c in cells),
                "pass_rate": sum(checked) / len(checked) if checked else float("nan"),
                "pass_low": interval[0] if interval else float("nan"),
                "pass_high": interval[1] if interval else float("nan"),
                "consistency": _or_nan(stats.consistency((c.case, c.passed) for c in cells if c.passed is not None)),
                "should_score": sum(scores) / len(scores) if scores else float("nan"),
                "median_latency_s": latencies.median() if len(latencies) else float("nan"),
                "credits": sum(c.credits for c in cells),
                "judge_credits": sum(c.judge_credits for c in cells),
                "saved_credits": sum(c.saved_credits for c in cells),
                "thumbs_up": sum(c.rating > 0 for c in cells),
                "thumbs_down": sum(c.rating < 0 for c in cells),
            }
        )
    return pd.DataFrame(rows)


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def to_csv(run: dict[str, Any]) -> bytes:
    """Every cell as CSV; text a spreadsheet would run as a formula is made inert."""
    cells = frame(run)
    for name in cells.select_dtypes(include="object").columns:
        cells[name] = cells[name].map(spreadsheet_safe)
    text: str = cells.to_csv(index=False)  # (pandas has no stubs here)
    return text.encode("utf-8")


def to_json(run: dict[str, Any]) -> bytes:
    keep = ("id", "version", "parent_id", "status", "prompt", "settings", "cases", "results")
    body = {k: run[k] for k in keep if k in run}
    if run.get("created_at") is not None:
        body["created_at"] = run["created_at"].isoformat()
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def next_version(parent: dict[str, Any] | None, spec: RunSpec) -> int:
    """A prompt's version: 1 for a new one; a re-run keeps its parent's unless the prompt changed."""
    if parent is None:
        return 1
    same = parent["prompt"] == {"system": spec.system, "user": spec.user}
    return int(parent.get("version", 1)) + (0 if same else 1)


@dataclass
class ChangedCell:
    case: int
    model: str
    before: str
    after: str
    repeat: int = 0

    def diff(self) -> str:
        """A unified text diff of the two outputs (line by line, as a reviewer reads it)."""
        return "\n".join(
            difflib.unified_diff(self.before.splitlines(), self.after.splitlines(), "before", "after", lineterm="")
        )


def changed_cells(before: dict[str, Any], after: dict[str, Any]) -> list[ChangedCell]:
    """The cells present in both runs (same case number, model and repeat) whose outputs differ."""
    old, new = grid(before), grid(after)
    return [
        ChangedCell(key[0], key[1], old[key].output, new[key].output, key[2])
        for key in sorted(old.keys() & new.keys())
        if old[key].output != new[key].output
    ]


def deltas(before: dict[str, Any], after: dict[str, Any]) -> pd.DataFrame:
    """Per model of either run: pass rate and credits before and after, and their differences."""
    merged = totals(after).merge(totals(before), on="model", how="outer", sort=False, suffixes=("_after", "_before"))
    for name in ("pass_rate", "credits"):
        merged[f"{name}_delta"] = merged[f"{name}_after"].astype(float) - merged[f"{name}_before"].astype(float)
    return merged[
        [
            "model",
            "pass_rate_before",
            "pass_rate_after",
            "pass_rate_delta",
            "credits_before",
            "credits_after",
            "credits_delta",
        ]
    ]


def title_of(run: dict[str, Any], chars: int = 40) -> str:
    line = " ".join(run["prompt"]["user"].split())
    return line if len(line) <= chars else line[: chars - 1] + "…"
