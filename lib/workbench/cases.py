"""Test cases: typed in a table, pasted from a spreadsheet, or loaded from a CSV or JSONL file.

Every source goes through the same checks (the variables' columns, empty rows, the size), and a
refused load says why with i18n keys, so the page can show it in the user's language.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

MAX_CASES = 1000
MAX_FILE_MB = 10  # a test-case file, in the picker's decimal MB (lib/media/imagetypes.MB)


@dataclass
class CasesLoad:
    """Loaded cases, or the reasons they were refused (i18n key and fields); `notes` are kept
    rows' remarks (empty rows dropped, extra columns ignored)."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


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
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:  # a cell past csv.field_size_limit(), a NUL byte
        return CasesLoad(refusals=[("workbench.refused_csv", {"line": reader.line_num, "error": str(exc)})])
    header = [cell.strip() for cell in rows[0][1]]
    if not set(names) & set(header) and len(header) == len(names):
        header = list(names)  # no header line: the columns are the variables, in order
    else:
        rows = rows[1:]
    bad = [(line, len(row)) for line, row in rows if row and len(row) != len(header)]
    if bad:
        return CasesLoad(
            refusals=[
                ("workbench.refused_fields", {"line": line, "found": found, "expected": len(header)})
                for line, found in bad[:5]
            ]
        )
    records = [(line, dict(zip(header, row))) for line, row in rows if row]
    return _cases_from(records, header, names)


def _load_jsonl(text: str, names: list[str]) -> CasesLoad:
    records, refusals, keys = [], [], {}  # keys: a dict, ordered, so each is found in O(1)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            record = None
        if not isinstance(record, dict):
            refusals.append(("workbench.refused_jsonl_line", {"line": number}))
            continue
        keys.update(dict.fromkeys(record))
        records.append((number, {k: "" if v is None else str(v) for k, v in record.items()}))
    if refusals:
        return CasesLoad(refusals=refusals[:5])
    return _cases_from(records, list(keys), names)


def _cases_from(records: list[tuple[int, dict[str, Any]]], columns: list[str], names: list[str]) -> CasesLoad:
    """The checks every source shares: the columns, the empty rows, the size."""
    load = CasesLoad()
    missing = [n for n in names if n not in columns]
    if missing:
        load.refusals.append(("workbench.refused_missing", {"columns": ", ".join(missing)}))
        return load
    extra = [c for c in columns if c not in names]
    if extra:
        load.notes.append(("workbench.note_extra_columns", {"columns": ", ".join(extra[:20])}))
    empty = {line for line, record in records if not any(str(record.get(n, "")).strip() for n in names)}
    if empty:
        load.notes.append(("workbench.note_empty_rows", {"lines": ", ".join(map(str, sorted(empty)[:10]))}))
    load.cases = [{n: record.get(n, "") for n in names} for line, record in records if line not in empty]
    if len(load.cases) > MAX_CASES:
        load.refusals.append(("workbench.refused_too_many", {"count": len(load.cases), "limit": MAX_CASES}))
        load.cases = []
    elif not load.cases:
        load.refusals.append(("workbench.refused_empty", {}))
    return load


def cases_from_table(frame: pd.DataFrame, names: list[str]) -> list[dict[str, Any]]:
    """The rows typed in the table, empty ones left out, as strings."""
    frame = frame.reindex(columns=names).fillna("").astype(str)
    return [row for row in frame.to_dict("records") if any(v.strip() for v in row.values())]


def table_for(cases: list[dict[str, Any]], names: list[str]) -> pd.DataFrame:
    """The editable table of `cases`, one text column per variable."""
    return pd.DataFrame(cases, columns=names, dtype=str).reindex(columns=names).fillna("")
