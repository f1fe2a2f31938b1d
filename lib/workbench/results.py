"""A run as data: its cells as a table, totals per model, exports, versions, and two runs compared.

Runs are plain dicts (prompt, settings, cases, results) so they store as JSON, export as JSON
and compare with each other without a schema of their own.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

import pandas as pd

from lib.usage import _inert as spreadsheet_safe  # the usage CSV's formula guard, shared
from lib.workbench.prompt import Check
from lib.workbench.running import FAILED, Cell, RunSpec


def new_run(spec: RunSpec, cases: list[dict]) -> dict:
    return {"prompt": {"system": spec.system, "user": spec.user}, "settings": spec.settings(),
            "cases": cases, "results": []}


def cells_of(run: dict) -> list[Cell]:
    return [Cell(**cell) for cell in run.get("results", [])]


def grid(run: dict) -> dict[tuple[int, str], Cell]:
    return {(cell.case, cell.model): cell for cell in cells_of(run)}


def _ordered(run: dict) -> list[Cell]:
    """The run's cells by case, then in the order its models were picked."""
    models = run["settings"]["models"]
    return sorted(cells_of(run), key=lambda c: (c.case, models.index(c.model) if c.model in models else len(models)))


def frame(run: dict) -> pd.DataFrame:
    """One row per finished cell, with the case's values, one column per check and whether
    all of them passed."""
    labels = [Check(**c).label() for c in run["settings"].get("checks", [])]
    rows = []
    for cell in _ordered(run):
        row = {"case": cell.case + 1, **run["cases"][cell.case], "model": cell.model, "status": cell.status,
               "output": cell.output, "latency_s": cell.latency_s, "tokens": cell.tokens, "credits": cell.credits,
               "attempts": cell.attempts, "error": cell.error_kind or ""}
        row.update({label: ("pass" if ok else "fail") for label, ok in zip(labels, cell.checks)})
        row["all_checks"] = {True: "pass", False: "fail", None: ""}[cell.passed]
        rows.append(row)
    return pd.DataFrame(rows)


def totals(run: dict) -> pd.DataFrame:
    """Per model: cells done, failures, pass rate (of the cells checked, those whose every check
    passed), median latency and credits. Models without finished cells still get a row."""
    models = run["settings"]["models"]
    cells = frame(run)
    if cells.empty:
        return pd.DataFrame({"model": models, "cells": 0, "failed": 0, "pass_rate": float("nan"),
                             "median_latency_s": float("nan"), "credits": 0.0})
    cells = cells.assign(failed=cells["status"] == FAILED, passed=cells["all_checks"].map({"pass": 1.0, "fail": 0.0}))
    grouped = cells.groupby("model", sort=False).agg(
        cells=("status", "size"), failed=("failed", "sum"), pass_rate=("passed", "mean"),
        median_latency_s=("latency_s", "median"), credits=("credits", "sum"))
    return (grouped.reindex(models).fillna({"cells": 0, "failed": 0, "credits": 0.0})
            .astype({"cells": int, "failed": int}).rename_axis("model").reset_index())


def to_csv(run: dict) -> bytes:
    """Every cell as CSV; text a spreadsheet would run as a formula is made inert."""
    cells = frame(run)
    for name in cells.select_dtypes(include="object").columns:
        cells[name] = cells[name].map(spreadsheet_safe)
    return cells.to_csv(index=False).encode("utf-8")


def to_json(run: dict) -> bytes:
    keep = ("id", "version", "parent_id", "status", "prompt", "settings", "cases", "results")
    body = {k: run[k] for k in keep if k in run}
    if run.get("created_at") is not None:
        body["created_at"] = run["created_at"].isoformat()
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def next_version(parent: dict | None, spec: RunSpec) -> int:
    """A prompt's version: 1 for a new one; a re-run keeps its parent's unless the prompt changed."""
    if parent is None:
        return 1
    same = parent["prompt"] == {"system": spec.system, "user": spec.user}
    return parent.get("version", 1) + (0 if same else 1)


@dataclass
class ChangedCell:
    case: int
    model: str
    before: str
    after: str

    def diff(self) -> str:
        """A unified text diff of the two outputs (line by line, as a reviewer reads it)."""
        return "\n".join(difflib.unified_diff(self.before.splitlines(), self.after.splitlines(),
                                              "before", "after", lineterm=""))


def changed_cells(before: dict, after: dict) -> list[ChangedCell]:
    """The cells present in both runs (same case number, same model) whose outputs differ."""
    old, new = grid(before), grid(after)
    return [ChangedCell(key[0], key[1], old[key].output, new[key].output)
            for key in sorted(old.keys() & new.keys()) if old[key].output != new[key].output]


def deltas(before: dict, after: dict) -> pd.DataFrame:
    """Per model of either run: pass rate and credits before and after, and their differences."""
    merged = totals(after).merge(totals(before), on="model", how="outer", sort=False,
                                 suffixes=("_after", "_before"))
    for name in ("pass_rate", "credits"):
        merged[f"{name}_delta"] = merged[f"{name}_after"].astype(float) - merged[f"{name}_before"].astype(float)
    return merged[["model", "pass_rate_before", "pass_rate_after", "pass_rate_delta",
                   "credits_before", "credits_after", "credits_delta"]]


def title_of(run: dict, chars: int = 40) -> str:
    line = " ".join(run["prompt"]["user"].split())
    return line if len(line) <= chars else line[: chars - 1] + "…"

