"""A run's grid as data: what a run sends (`RunSpec`), each cell of cases x models x repeats as
planned (`PlannedCell`: with the earlier cell it may reuse or go on from) and as it ended
(`Cell`: shown, exported and stored), what makes a cell's reply (`cell_key`) and what a run may
cost at most. Sending the cells is lib/workbench/running.py's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lib import chat
from lib.chat import tools
from lib.client import ReshiClient
from lib.credits import pricing
from lib.workbench import judge
from lib.workbench.prompt import JUDGE, Check
from lib.workbench.status import CellStatus

MAX_MODELS = 3
DEFAULT_POOL = 4
MAX_POOL = 16
MAX_REPEAT = 10
OK, FAILED, PARTIAL = CellStatus.OK, CellStatus.FAILED, CellStatus.PARTIAL
ENDED_STOPPED, ENDED_QUOTA = "stopped", "quota"  # why a PARTIAL cell ended


REASONING_EFFORTS = ("off", "minimal", "low", "medium", "high")


@dataclass
class RunSpec:
    """What a run sends: the templates, the models, the chat parameters (as the Chat page keeps
    them), the per-run reasoning effort, response format and extra parameters, the tools (the
    Chat page's tool settings: each cell then runs a chain answered by the mocks, up to
    `auto_steps` steps), the checks, how many times each cell is repeated and the pool size."""

    system: str
    user: str
    models: list[str]
    params: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    pool: int = DEFAULT_POOL
    repeat: int = 1
    reasoning: str = "off"
    response_format: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tools: dict[str, Any] | None = None

    def settings(self) -> dict[str, Any]:
        return {
            "models": self.models,
            "params": self.params,
            "pool": self.pool,
            "repeat": self.repeat,
            "reasoning": self.reasoning,
            "response_format": self.response_format,
            "extra": self.extra,
            "checks": [asdict(c) for c in self.checks],
            **({"tools": self.tools} if self.uses_tools() else {}),
        }

    def uses_tools(self) -> bool:
        return self.active_tools() is not None

    def active_tools(self) -> dict[str, Any] | None:
        """The tool settings when they give the requests tools, else None."""
        return self.tools if self.tools and tools.request_fields(self.tools) else None

    def max_steps(self) -> int:
        return int((self.tools or {}).get("auto_steps", tools.DEFAULT_STEPS))

    @classmethod
    def from_run(cls, run: dict[str, Any]) -> RunSpec:
        settings = run["settings"]
        return cls(
            system=run["prompt"]["system"],
            user=run["prompt"]["user"],
            models=list(settings["models"]),
            params=settings["params"],
            checks=[Check.from_dict(c) for c in settings.get("checks", [])],
            pool=int(settings.get("pool", DEFAULT_POOL)),
            repeat=int(settings.get("repeat", 1)),
            reasoning=settings.get("reasoning", "off"),
            response_format=settings.get("response_format"),
            extra=settings.get("extra") or {},
            tools=dict(tools.merged(settings["tools"])) if isinstance(settings.get("tools"), dict) else None,
        )

    def request_params(self) -> dict[str, Any]:
        """What goes in each request besides the model and messages."""
        params = chat.request_params({"params": self.params})
        if self.reasoning != "off":
            params["reasoning_effort"] = self.reasoning
        if self.response_format:
            params["response_format"] = self.response_format
        return {**params, **self.extra}


@dataclass
class Cell:
    """One case on one model (one repeat of it), as shown, exported and stored. `checks` holds
    each check's pass, `scores`/`reasons`/`problems` what it said; `passed` is whether every
    must-check passed, `score` the share of should-checks that did. A reused cell cost nothing
    this time: `saved_credits` is what it cost when it ran. `rating` and `note` are a person's
    (`results.with_ratings`). With tools, `tool_calls` are the chain's calls ({"name",
    "arguments", "parsed"}), `steps` its replies that called tools, `reached_limit` whether it
    stopped at the run's step limit; `output` is its final text. A PARTIAL cell ended early with
    something paid (`ended`: ENDED_STOPPED or ENDED_QUOTA); it and a failed one keep in `chain`
    the messages of their paid steps, to go on from; `continued_steps` are the steps a cell took
    over from such a cell."""

    case: int
    model: str
    status: CellStatus
    output: str = ""
    error_kind: str | None = None
    error_message: str = ""
    latency_s: float | None = None
    tokens: int | None = None
    credits: float = 0.0
    attempts: int = 1
    checks: list[bool] = field(default_factory=list)
    repeat: int = 0
    scores: list[float | None] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    passed: bool | None = None
    score: float | None = None
    judge_credits: float = 0.0
    key: str = ""
    reused: bool = False
    saved_credits: float = 0.0
    rating: int = 0  # a person's thumbs: 1 up, -1 down (kept in the store, merged in to show)
    note: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    steps: int = 0
    reached_limit: bool = False
    ended: str = ""
    chain: list[dict[str, Any]] = field(default_factory=list)
    continued_steps: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        """A stored cell; one from before must/should checks passed when all its checks did."""
        names = {f.name for f in fields(cls)}
        cell = cls(**{k: v for k, v in data.items() if k in names})
        cell.status = CellStatus(cell.status)  # stored as its value
        if cell.passed is None and cell.status == OK and cell.checks:
            cell.passed = all(cell.checks)
        return cell


def cell_key(spec: RunSpec, model: str, case: dict[str, Any], repeat: int) -> str:
    """What makes a cell's reply: a cell with the same key need not be sent again."""
    sent = [spec.system, spec.user, model, spec.request_params(), case, repeat]
    if (
        tool_settings := spec.active_tools()
    ) is not None:  # (only then: the keys of runs without tools stay as they were)
        sent.append(
            {
                **tools.request_fields(tool_settings),
                "mocks": [t["mock"] for t in tool_settings["tools"]],
                "steps": spec.max_steps(),
            }
        )
    return hashlib.sha256(json.dumps(sent, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PlannedCell:
    index: int
    case: dict[str, Any]
    model: str
    repeat: int
    key: str
    reuse: Cell | None = None
    resumes: Cell | None = None  # an unfinished cell this one goes on from
    own: bool = False  # ... of this run (resumed): its credits are this run's


def plan(
    spec: RunSpec, cases: list[dict[str, Any]], earlier: Sequence[Cell] = (), unfinished: Sequence[Cell] = ()
) -> list[PlannedCell]:
    """Every cell of the grid, each with the earlier run's cell it may reuse (same key, a reply),
    else the unfinished cell it goes on from: this run's own (`unfinished`: PARTIAL cells of a
    resumed run) or the earlier run's chain that ended with paid steps."""
    reusable = {cell.key: cell for cell in earlier if cell.key and cell.status == OK}
    chains = {cell.key: cell for cell in earlier if cell.key and cell.status != OK and cell.chain}
    own = {cell.key: cell for cell in unfinished if cell.key}
    planned = []
    for index, case in enumerate(cases):
        for repeat in range(spec.repeat):
            for model in spec.models:
                key = cell_key(spec, model, case, repeat)
                reuse = reusable.get(key)
                resumes = None if reuse else own.get(key) or chains.get(key)
                planned.append(PlannedCell(index, case, model, repeat, key, reuse, resumes, key in own))
    return planned


def estimate_credits(
    client: ReshiClient, spec: RunSpec, cells: list[PlannedCell], verdicts: judge.JudgeCache | None = None
) -> float:
    """At most, at per-call prices (the replies' tokens are not known yet): each cell sent (with
    tools, as many calls as the step limit: a chain that calls a tool once and answers makes
    two; one going on after its paid steps, the calls left), and each judged check's call but
    on a reused reply whose verdict `verdicts` holds (a cached verdict is free; a new reply's
    cannot be known yet)."""
    sent = sum(
        _calls_at_most(spec, cell) * client.credits_for(pricing.CHAT, cell.model)
        for cell in cells
        if cell.reuse is None
    )
    judging = 0.0
    for check in (check for check in spec.checks if check.kind == JUDGE):
        reused = [judge.cache_key(check, cell.case, cell.reuse.output) for cell in cells if cell.reuse is not None]
        known = verdicts.known(reused) if verdicts is not None and reused else set()
        judging += client.credits_for(pricing.CHAT, check.model) * (len(cells) - sum(key in known for key in reused))
    return sent + judging


def _calls_at_most(spec: RunSpec, cell: PlannedCell) -> int:
    if not spec.uses_tools():
        return 1
    paid = cell.resumes.steps if cell.resumes is not None and cell.resumes.chain else 0
    return max(1, spec.max_steps() - paid)
