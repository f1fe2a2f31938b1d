"""The workbench: one prompt template tried on many test cases and 1-3 models at once. No Streamlit.

A run is the grid cases x models, each cell one streamed chat call. Where things live:
`prompt.py` the template filled per case and the checks on each reply; `cases.py` test cases
typed, pasted or loaded from a file; `running.py` the run itself (pool, retries, stop);
`results.py` a run as data (tables, totals, exports, versions, comparing two runs).
"""
from lib.workbench.cases import MAX_CASES, MAX_FILE_MB, CasesLoad, cases_from_table, load_file, load_text, table_for
from lib.workbench.prompt import (CHECK_KINDS, CONTAINS, IS_JSON, NOT_CONTAINS, REGEX, Check, check_problem,
                                  checks_from, messages_for, variables)
from lib.workbench.results import (ChangedCell, cells_of, changed_cells, deltas, frame, grid, new_run,
                                   next_version, title_of, to_csv, to_json, totals)
from lib.workbench.running import (BACKOFF_SECONDS, DEFAULT_POOL, FAILED, MAX_ATTEMPTS, MAX_MODELS, MAX_POOL,
                                   OK, Cell, RunSpec, estimate_credits, run_cells)

__all__ = ["BACKOFF_SECONDS", "CHECK_KINDS", "CONTAINS", "Cell", "CasesLoad", "ChangedCell", "Check",
           "DEFAULT_POOL", "FAILED", "IS_JSON", "MAX_ATTEMPTS", "MAX_CASES", "MAX_FILE_MB", "MAX_MODELS", "MAX_POOL",
           "NOT_CONTAINS", "OK", "REGEX", "RunSpec", "cases_from_table", "cells_of", "changed_cells",
           "check_problem", "checks_from", "deltas", "estimate_credits", "frame", "grid", "load_file",
           "load_text", "messages_for", "new_run", "next_version", "run_cells", "table_for", "title_of",
           "to_csv", "to_json", "totals", "variables"]
