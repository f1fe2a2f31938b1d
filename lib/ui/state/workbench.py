"""What the Workbench page remembers between runs: the draft its editors show, the run shown
under them, the run waiting for a budget confirmation, the last cases or suite file loaded, and
the keys of its widgets."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from lib import chat, workbench
from lib.chat import structured, tools
from lib.ui.state import FeatureState, Widget, WidgetFamily

EXAMPLE_USER = "Write one sentence about {{topic}} for {{audience}}."
EXAMPLE_CASES = [{"topic": "tides", "audience": "children"}, {"topic": "python code review", "audience": "engineers"}]


def run_options(spec: workbench.RunSpec | None = None) -> dict[str, Any]:
    """A run's per-run options as the draft keeps them: repeats, reasoning effort, response
    format, extra parameters (kept as typed, so a refused text is shown again, not lost) and tools."""
    spec = spec or workbench.RunSpec("", "", [], {})
    response_format = spec.response_format or {}
    schema = response_format.get("json_schema", {}).get("schema")
    return {
        "repeat": spec.repeat,
        "reasoning": spec.reasoning,
        "format": response_format.get("type", structured.TEXT),
        "schema": structured.pretty(schema) if schema else "",
        "extra_text": structured.pretty(spec.extra) if spec.extra else "",
        "tools": tools.merged(spec.tools or {}),
    }


@dataclass
class Draft:
    """The next run as the editors show it; the widgets write their values back each run."""

    system: str = ""
    user: str = EXAMPLE_USER
    models: list[str] = field(default_factory=lambda: [chat.DEFAULT_MODEL])
    params: dict[str, Any] = field(default_factory=lambda: chat.default_settings()["params"])
    pool: int = workbench.DEFAULT_POOL
    # The checks' rows as edited: id, kind, value, must, rubric, model, threshold, arguments.
    checks: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(EXAMPLE_CASES))
    # What the cases table holds now, and the variables it was made for.
    live_cases: list[dict[str, Any]] | None = None
    case_names: list[str] | None = None
    parent_id: int | None = None  # the opened run: a run started now is its re-run
    prompt_ref: dict[str, Any] | None = None  # the library's prompt version the draft came from
    # The per-run options (`run_options`).
    repeat: int = 1
    reasoning: str = workbench.REASONING_EFFORTS[0]
    format: str = structured.TEXT
    schema: str = ""
    extra_text: str = ""
    tools: dict[str, Any] = field(default_factory=lambda: dict(tools.default_settings()))


@dataclass
class PendingRun:
    """A run asked for, held while the user confirms it past their budget."""

    spec: workbench.RunSpec
    cases: list[dict[str, Any]]


@dataclass
class WorkbenchState(FeatureState):
    draft: Draft = field(default_factory=Draft)
    # The editors' widgets are keyed by this: opening a run, a suite or a prompt version makes
    # new widgets, which show the new draft's values afresh.
    version: int = 0
    cases_version: int = 0  # the cases table's own: loaded cases make a new table
    cases_loaded: workbench.CasesLoad | None = None  # the last paste or file: what it says under the cases
    shown: int | None = None  # the id of the run shown under the editors
    pending: PendingRun | None = None
    suite_version: int = 0  # a new key empties the suite file picker
    suite_error: str | None = None
    compared_with: dict[int, int] = field(default_factory=dict)  # a run's id: the run picked to compare it with

    def editor(self, name: str) -> Widget[Any]:
        """An editor's widget, for this version of the draft."""
        return Widget(f"wb{self.version}_{name}")

    def new_version(self) -> None:
        self.version += 1


def labels_widget(family: WidgetFamily[Any], *parts: object, labels: dict[Any, str], lang: str | None) -> Widget[Any]:
    """A selectbox for this set of labels in this language. The browser keeps a selectbox's
    labels while its key stays: a run that finished, or another language, needs a new key (and
    the caller shows the same choice in the new box)."""
    return family(*parts, hashlib.sha1(repr([lang, *labels.items()]).encode()).hexdigest()[:12])


# The editors' widgets read back in callbacks, and the others' keys (tests find them by these).
PASTE: Widget[str] = Widget("wb_paste")
USE_PASTED: Widget[bool] = Widget("wb_use_pasted")
CASES_FILE: Widget[Any] = Widget("wb_file")
CASES_FILE_BOX: Widget[Any] = Widget("wb_file_picker")
ADD_CHECK: Widget[bool] = Widget("wb_add_check")
OPEN_RUN: WidgetFamily[int | None] = WidgetFamily("wb_open")
SUITE_FILE: WidgetFamily[Any] = WidgetFamily("wb_suite")
SUITE_FILE_BOX: Widget[Any] = Widget("wb_suite_picker")
FULL_RERUN: Widget[bool] = Widget("wb_full_rerun")
RUN: Widget[bool] = Widget("wb_run")
STOP: Widget[bool] = Widget("wb_stop")
RESUME: Widget[bool] = Widget("wb_resume")
# The results: a cell's thumbs or note (run id, case, model, repeat, "thumb" or "note"), a page of cases (run id),
# the run to compare with (run id, labels), which model (run id), exports and shares.
RATING: WidgetFamily[Any] = WidgetFamily("wb_rate")
PAGE: WidgetFamily[int] = WidgetFamily("wb_page")
COMPARE_WITH: WidgetFamily[int] = WidgetFamily("wb_compare")
CHOICE_DISTANCE: WidgetFamily[int] = WidgetFamily("wb_choice_distance")
EXPORT_CSV, EXPORT_JSON = Widget[bool]("wb_export_csv"), Widget[bool]("wb_export_json")
EXPORT_SUITE, EXPORT_HTML = Widget[bool]("wb_export_suite"), Widget[bool]("wb_export_html")
SHARE_RUN, SHARE_COMPARISON = Widget[bool]("wb_share_run"), Widget[bool]("wb_share_comparison")
