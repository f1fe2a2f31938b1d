"""The workbench: one prompt template tried on many test cases and 1-3 models at once. No Streamlit.

A run is the grid cases x models. Each cell is one streamed chat call through the session's
client (so it lands in the usage ledger like any other call, and the sandbox paces it like any
other reply), made in a bounded thread pool; cells are handed back as they finish. Failures
that happen before the server produced anything (429, 5xx, timeouts, dropped connections) are
retried with backoff, since such a call was not charged; a failure after text arrived is kept as
it is. A cell's checks ("contains", "does not contain", "matches regex", "is valid JSON") may
use the case's `{{variables}}` too, so each case is checked against its own values.

Runs are plain dicts (prompt, settings, cases, results) so they store as JSON, export as JSON
and compare with each other without a schema of their own.
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Iterator

import pandas as pd

from lib import chat, errors, pricing, presets
from lib.client import ReshiClient
from lib.usage import _inert as spreadsheet_safe  # the usage CSV's formula guard, shared

MAX_MODELS = 3
MAX_CASES = 1000
MAX_FILE_MB = 10  # a test-case file, in the picker's decimal MB (lib/imagetypes.MB)
DEFAULT_POOL = 4
MAX_POOL = 16
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 1.0, 2.0)
MAX_WAIT_SECONDS = 10.0
# Failures that leave no reply behind: the server refused or never answered, so nothing was
# charged and sending again is safe. A stream cut after text arrived (possibly charged) is not.
SAFE_TO_RETRY = (errors.RateLimitError, errors.ServerError, errors.ApiTimeoutError, errors.ApiConnectionError)

CONTAINS, NOT_CONTAINS, REGEX, IS_JSON = "contains", "not_contains", "regex", "json"
CHECK_KINDS = (CONTAINS, NOT_CONTAINS, REGEX, IS_JSON)
OK, FAILED = "ok", "failed"


# ------------------------------------------------------------------ the prompt and the checks

def variables(system: str, user: str) -> list[str]:
    """The `{{variables}}` of the prompt: one test-case column each (the presets' syntax)."""
    return presets.variables(system, user)


def messages_for(system: str, user: str, case: dict) -> list[dict]:
    filled_system = presets.fill(system, case)
    messages = [{"role": "system", "content": filled_system}] if filled_system.strip() else []
    return messages + [{"role": "user", "content": presets.fill(user, case)}]


@dataclass(frozen=True)
class Check:
    kind: str
    value: str = ""

    def label(self) -> str:
        return f"{self.kind}: {self.value}" if self.kind != IS_JSON else self.kind

    def passes(self, text: str, case: dict) -> bool:
        wanted = presets.fill(self.value, case)
        if self.kind == CONTAINS:
            return wanted in text
        if self.kind == NOT_CONTAINS:
            return wanted not in text
        if self.kind == REGEX:
            return re.search(wanted, text) is not None
        return _is_json(text)


def _is_json(text: str) -> bool:
    """The whole reply is JSON, or one fenced ```json block of it is (models often fence it)."""
    fenced = re.fullmatch(r"\s*```(?:json)?\s*\n(.*)\n```\s*", text, re.DOTALL)
    try:
        json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        return False
    return True


def checks_from(rows: list[dict]) -> list[Check]:
    """The checks a user filled in, without the empty rows a table always has."""
    found = []
    for row in rows:
        kind, value = row.get("kind"), str(row.get("value") or "")
        if kind in CHECK_KINDS and (value or kind == IS_JSON):
            found.append(Check(kind, value))
    return found


def check_problem(check: Check) -> tuple[str, dict] | None:
    """(i18n key, fields) of what is wrong with a check, or None."""
    if check.kind == REGEX:
        try:
            re.compile(check.value)
        except re.error as exc:
            return "workbench.bad_regex", {"pattern": check.value, "error": str(exc)}
    return None


# ------------------------------------------------------------------ test cases: typed, pasted, loaded

@dataclass
class CasesLoad:
    """Loaded cases, or the reasons they were refused (i18n key and fields); `notes` are kept
    rows' remarks (empty rows dropped, extra columns ignored)."""
    cases: list[dict] = field(default_factory=list)
    refusals: list[tuple[str, dict]] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)


def load_file(data: bytes, filename: str, names: list[str]) -> CasesLoad:
    """Cases from an uploaded CSV or JSONL file (UTF-8), one column or key per variable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return CasesLoad(refusals=[("workbench.refused_encoding", {"position": exc.start})])
    if filename.lower().endswith((".jsonl", ".ndjson")):
        return _load_jsonl(text, names)
    return load_text(text, names, delimiter=",")


def load_text(text: str, names: list[str], delimiter: str | None = None) -> CasesLoad:
    """Cases from CSV or pasted spreadsheet cells (tab-separated when the first line has a tab).

    The first line is the header when it names the variables; without one, the columns are the
    variables in order (pasting a single column of inputs needs no header).
    """
    lines = text.strip("\r\n")
    if not lines.strip():
        return CasesLoad(refusals=[("workbench.refused_empty", {})])
    delimiter = delimiter or ("\t" if "\t" in lines.splitlines()[0] else ",")
    reader = csv.reader(io.StringIO(lines), delimiter=delimiter)
    rows = [(reader.line_num, row) for row in reader]
    header = [cell.strip() for cell in rows[0][1]]
    if not set(names) & set(header) and len(header) == len(names):
        header = list(names)  # no header line: the columns are the variables, in order
    else:
        rows = rows[1:]
    bad = [(line, len(row)) for line, row in rows if row and len(row) != len(header)]
    if bad:
        return CasesLoad(refusals=[("workbench.refused_fields", {"line": line, "found": found, "expected": len(header)})
                                   for line, found in bad[:5]])
    records = [(line, dict(zip(header, row))) for line, row in rows if row]
    return _cases_from(records, header, names)


def _load_jsonl(text: str, names: list[str]) -> CasesLoad:
    records, refusals, keys = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            refusals.append(("workbench.refused_jsonl_line", {"line": number}))
            continue
        keys += [k for k in record if k not in keys]
        records.append((number, {k: "" if v is None else str(v) for k, v in record.items()}))
    if refusals:
        return CasesLoad(refusals=refusals[:5])
    return _cases_from(records, keys, names)


def _cases_from(records: list[tuple[int, dict]], columns: list[str], names: list[str]) -> CasesLoad:
    """The checks every source shares: the columns, the empty rows, the size."""
    load = CasesLoad()
    missing = [n for n in names if n not in columns]
    if missing:
        load.refusals.append(("workbench.refused_missing", {"columns": ", ".join(missing)}))
        return load
    extra = [c for c in columns if c not in names]
    if extra:
        load.notes.append(("workbench.note_extra_columns", {"columns": ", ".join(extra)}))
    empty = [line for line, record in records if not any(str(record.get(n, "")).strip() for n in names)]
    if empty:
        load.notes.append(("workbench.note_empty_rows", {"lines": ", ".join(map(str, empty[:10]))}))
    load.cases = [{n: record.get(n, "") for n in names} for line, record in records if line not in empty]
    if len(load.cases) > MAX_CASES:
        load.refusals.append(("workbench.refused_too_many", {"count": len(load.cases), "limit": MAX_CASES}))
        load.cases = []
    elif not load.cases:
        load.refusals.append(("workbench.refused_empty", {}))
    return load


def cases_from_table(frame: pd.DataFrame, names: list[str]) -> list[dict]:
    """The rows typed in the table, empty ones left out, as strings."""
    frame = frame.reindex(columns=names).fillna("").astype(str)
    return [row for row in frame.to_dict("records") if any(v.strip() for v in row.values())]


def table_for(cases: list[dict], names: list[str]) -> pd.DataFrame:
    """The editable table of `cases`, one text column per variable."""
    return pd.DataFrame(cases, columns=names, dtype=str).reindex(columns=names).fillna("")


# ------------------------------------------------------------------ running

@dataclass
class RunSpec:
    """What a run sends: the templates, the models, the chat parameters (as the Chat page keeps
    them), the checks and the pool size."""
    system: str
    user: str
    models: list[str]
    params: dict
    checks: list[Check] = field(default_factory=list)
    pool: int = DEFAULT_POOL

    def settings(self) -> dict:
        return {"models": self.models, "params": self.params, "pool": self.pool,
                "checks": [asdict(c) for c in self.checks]}

    @classmethod
    def from_run(cls, run: dict) -> "RunSpec":
        settings = run["settings"]
        return cls(system=run["prompt"]["system"], user=run["prompt"]["user"], models=list(settings["models"]),
                   params=settings["params"], checks=[Check(**c) for c in settings.get("checks", [])],
                   pool=int(settings.get("pool", DEFAULT_POOL)))


@dataclass
class Cell:
    """One case on one model, as shown, exported and stored."""
    case: int
    model: str
    status: str
    output: str = ""
    error_kind: str | None = None
    error_message: str = ""
    latency_s: float | None = None
    tokens: int | None = None
    credits: float = 0.0
    attempts: int = 1
    checks: list[bool] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """All checks passed; None when there were no checks or no reply to check."""
        if self.status != OK or not self.checks:
            return None
        return all(self.checks)


def estimate_credits(client: ReshiClient, models: list[str], case_count: int) -> float:
    return case_count * sum(client.credits_for(pricing.CHAT, model) for model in models)


def run_cells(client: ReshiClient, spec: RunSpec, cases: list[dict],
              stop: threading.Event | None = None) -> Iterator[Cell]:
    """Every cell of the grid, each yielded the moment it finishes, `spec.pool` at a time.

    Closing the generator (the page's Stop, or its script run ending) stops the run: cells not
    started never start, replies being streamed are closed, and what finished was yielded.
    """
    stop = stop or threading.Event()
    streams: set = set()
    pool = ThreadPoolExecutor(max_workers=max(1, min(spec.pool, MAX_POOL)), thread_name_prefix="workbench")
    try:
        futures = [pool.submit(_run_cell, client, spec, index, case, model, stop, streams)
                   for index, case in enumerate(cases) for model in spec.models]
        for future in as_completed(futures):
            cell = future.result()
            if cell is not None:
                yield cell
    finally:
        stop.set()
        for stream in list(streams):
            stream.close()
        pool.shutdown(wait=False, cancel_futures=True)


def _run_cell(client: ReshiClient, spec: RunSpec, index: int, case: dict, model: str,
              stop: threading.Event, streams: set) -> Cell | None:
    """One cell, retried while safe; None when the run was stopped before it finished."""
    params = chat.request_params({"params": spec.params})
    messages = messages_for(spec.system, spec.user, case)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if stop.is_set():
            return None
        stream = client.chat.stream(model, messages, **params)
        streams.add(stream)
        try:
            for _ in stream:
                pass
        except SAFE_TO_RETRY as exc:
            if attempt == MAX_ATTEMPTS:
                return _failed(index, model, exc, attempt)
            stop.wait(_backoff(attempt, exc))
            continue
        except errors.ReshiError as exc:
            return _failed(index, model, exc, attempt, output=getattr(exc, "text", "") or stream.text)
        finally:
            streams.discard(stream)
        if stream.stopped:
            return None
        return Cell(case=index, model=model, status=OK, output=stream.text, latency_s=stream.elapsed,
                    tokens=stream.tokens, credits=stream.credits, attempts=attempt,
                    checks=[check.passes(stream.text, case) for check in spec.checks])
    return None


def _backoff(attempt: int, exc: errors.ReshiError) -> float:
    """The server's Retry-After when it sent one, else a growing pause."""
    after = getattr(exc, "retry_after", None)
    if after is not None:
        return min(float(after), MAX_WAIT_SECONDS)
    return BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]


def _failed(index: int, model: str, exc: errors.ReshiError, attempts: int, output: str = "") -> Cell:
    return Cell(case=index, model=model, status=FAILED, output=output, error_kind=exc.kind,
                error_message=exc.server_message, attempts=attempts)


# ------------------------------------------------------------------ a run as data

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


# ------------------------------------------------------------------ comparing two runs

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

