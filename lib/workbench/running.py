"""Running the grid cases x models x repeats: each cell one streamed chat call, in a bounded
thread pool, then held to the run's checks (a judge's through `judge.py`).

Each cell goes through the session's client (so it lands in the usage ledger like any other
call, and the sandbox paces it like any other reply); cells are handed back as they finish.
Failures that charged nothing (429, 5xx, dropped connections) are sent again by the client's
one retry policy (`lib/client/retries.py`); a failure after text arrived is kept as it is. A
re-run hands in its parent's cells: a cell whose prompt, model, parameters, case and repeat are
unchanged (the same `cell_key`) is reused, not sent again.

Nothing paid for is dropped. A cell ended by Stop or the quota after something of it was paid
is kept as PARTIAL (`ended` says why), with what was paid: its credits, and with tools the calls
of the steps that were answered and their messages (`chain`). A cell that failed keeps them too.
Such a cell goes on from its paid steps when it is sent again: when its run is resumed (the
credits stay this run's) or re-run with the same key (they count as saved). A reply cut short
without tools cannot go on, so it is sent again whole. Each such cell writes a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lib import chat, errors, pricing, tool_chain, tools
from lib.client import ChatStream, ReshiClient
from lib.workbench import judge
from lib.workbench.prompt import JUDGE, Check, Reply, Verdict, messages_for

MAX_MODELS = 3
DEFAULT_POOL = 4
MAX_POOL = 16
MAX_REPEAT = 10
OK, FAILED, PARTIAL = "ok", "failed", "partial"
ENDED_STOPPED, ENDED_QUOTA = "stopped", "quota"  # why a PARTIAL cell ended
log = logging.getLogger("reshi.workbench")


class QuotaReached(Exception):
    """A run ended early because the admin's quota refused a call: the cells in flight finished
    and were yielded, no new cell was started, and the refused one was never sent (0 credits),
    so running the rest later costs nothing twice. `refusal` is the client's refusal (None when
    only a judge call was refused: its cell kept its reply, with the judge's check failed)."""

    def __init__(self, refusal: errors.QuotaExceededError | None):
        super().__init__(refusal.args[0] if refusal else errors.QuotaExceededError.kind)
        self.refusal = refusal


class _Quota:
    """A run's first quota refusal, seen by every cell thread: once set, no new cell starts."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.refusal: errors.QuotaExceededError | None = None

    def reach(self, refusal: errors.QuotaExceededError | None = None) -> None:
        self.refusal = self.refusal or refusal
        self.reached.set()


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
        return bool(self.tools and tools.request_fields(self.tools))

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
            tools=tools.merged(settings["tools"]) if isinstance(settings.get("tools"), dict) else None,
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
    status: str
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
        if cell.passed is None and cell.status == OK and cell.checks:
            cell.passed = all(cell.checks)
        return cell


def cell_key(spec: RunSpec, model: str, case: dict[str, Any], repeat: int) -> str:
    """What makes a cell's reply: a cell with the same key need not be sent again."""
    sent = [spec.system, spec.user, model, spec.request_params(), case, repeat]
    if spec.uses_tools():  # (only then: the keys of runs without tools stay as they were)
        sent.append(
            {
                **tools.request_fields(spec.tools),
                "mocks": [t["mock"] for t in spec.tools["tools"]],
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
    spec: RunSpec, cases: list[dict[str, Any]], earlier: list[Cell] = (), unfinished: list[Cell] = ()
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


def run_cells(
    client: ReshiClient,
    spec: RunSpec,
    cases: list[dict[str, Any]],
    stop: threading.Event | None = None,
    *,
    earlier: list[Cell] = (),
    judge_cache: judge.JudgeCache | None = None,
    gate=None,
    user: str = "",
    skip: set[tuple[int, str, int]] = frozenset(),
    unfinished: list[Cell] = (),
) -> Iterator[Cell]:
    """Every cell of the grid but those in `skip` ((case, model, repeat) already done), each
    yielded the moment it finishes, `spec.pool` at a time, each holding a slot of `gate` (a
    `background.FairGate`, for `user`) while it works. `unfinished`: the run's own PARTIAL
    cells (a resumed run), each sent again going on from what it paid, yielded in its place.

    Setting `stop` or closing the generator (the page's Stop, or its script run ending) stops
    the run: cells not started never start, replies being streamed are closed, and what
    finished was yielded.

    A call refused by the admin's quota ends the run as a whole: no cell starts after it, the
    replies already streaming finish (they are paid for) and are yielded, and then `QuotaReached`
    is raised.
    """
    stop = stop or threading.Event()
    cache = judge_cache or judge.MemoryJudgeCache()
    streams: set = set()
    quota = _Quota()
    pool = ThreadPoolExecutor(max_workers=max(1, min(spec.pool, MAX_POOL)), thread_name_prefix="workbench")
    work = [
        planned
        for planned in plan(spec, cases, earlier, unfinished)
        if (planned.index, planned.model, planned.repeat) not in skip
    ]
    try:
        futures = [
            pool.submit(_gated, gate, user, _run_cell, client, spec, planned, stop, streams, cache, quota)
            for planned in work
        ]
        for future in as_completed(futures):
            cell = future.result()
            if cell is not None:
                yield cell
        if quota.reached.is_set():
            raise QuotaReached(quota.refusal)
    finally:
        stop.set()
        for stream in list(streams):
            stream.close()
        pool.shutdown(wait=False, cancel_futures=True)


def _gated(gate, user: str, work, *args) -> Cell | None:
    if gate is None:
        return work(*args)
    with gate.slot(user):
        return work(*args)


def _run_cell(
    client: ReshiClient,
    spec: RunSpec,
    planned: PlannedCell,
    stop: threading.Event,
    streams: set,
    cache: judge.JudgeCache,
    quota: _Quota,
) -> Cell | None:
    if stop.is_set() or quota.reached.is_set():
        return None
    if planned.reuse is not None:
        earlier = planned.reuse
        cell = Cell(
            case=planned.index,
            model=planned.model,
            status=OK,
            output=earlier.output,
            latency_s=earlier.latency_s,
            tokens=earlier.tokens,
            repeat=planned.repeat,
            key=planned.key,
            reused=True,
            saved_credits=earlier.credits or earlier.saved_credits,
            tool_calls=earlier.tool_calls,
            steps=earlier.steps,
            reached_limit=earlier.reached_limit,
        )
        reply = Reply(
            earlier.output, earlier.credits or earlier.saved_credits, earlier.latency_s, tuple(earlier.tool_calls)
        )
    else:
        cell = _send(client, spec, planned, stop, streams, quota)
        if cell is None or cell.status != OK:
            return cell
        reply = Reply(cell.output, cell.credits, cell.latency_s, tuple(cell.tool_calls))
    cell = _checked(cell, client, spec, planned.case, reply, cache)
    if errors.QuotaExceededError.kind in cell.reasons:  # a judge was refused: the reply is kept, nothing new starts
        quota.reach()
    return cell


class _Stopped(Exception):
    """The run was stopped (`why`: ENDED_STOPPED, or ENDED_QUOTA when the quota refused the
    call) while this cell was being sent; `credits` and `text`: what the stopped reply paid and said."""

    def __init__(self, why: str = ENDED_STOPPED, credits: float = 0.0, text: str = "") -> None:
        super().__init__(why)
        self.why, self.credits, self.text = why, credits, text


class _Failed(Exception):
    def __init__(self, error: errors.ReshiError, attempts: int, output: str = "", credits: float = 0.0) -> None:
        super().__init__(error.kind)
        self.error, self.attempts, self.output, self.credits = error, attempts, output, credits


def _send(
    client: ReshiClient, spec: RunSpec, planned: PlannedCell, stop: threading.Event, streams: set, quota: _Quota
) -> Cell | None:
    """The cell's reply (with tools: its chain, each step answered by the mocks, going on after
    the paid steps of `planned.resumes`). None when the run was stopped (or the quota reached)
    before anything of it was paid; after that, the cell is kept with what was paid (`_kept`)."""
    messages = messages_for(spec.system, spec.user, planned.case)
    attempts, paid = [1], [0.0]  # (paid: every reply's credits, also one stopped or cut midway)

    def ask(sent: list[dict[str, Any]], request: dict[str, Any]) -> ChatStream:
        try:
            stream, attempt = _streamed(client, planned.model, sent, request, stop, streams, quota)
        except (_Stopped, _Failed) as ended:
            paid[0] += ended.credits
            raise
        attempts[0] = max(attempts[0], attempt)
        paid[0] += stream.credits
        return stream

    prior = planned.resumes
    chain = (
        tool_chain.Chain(calls=list(prior.tool_calls), steps=prior.steps, step_messages=list(prior.chain))
        if prior is not None
        else tool_chain.Chain()
    )
    cell = Cell(case=planned.index, model=planned.model, status=OK, repeat=planned.repeat, key=planned.key)
    try:
        if spec.uses_tools():
            tool_chain.run_chain(
                client,
                planned.model,
                messages,
                spec.tools,
                spec.request_params(),
                max_steps=spec.max_steps(),
                stop=stop,
                ask=ask,
                chain=chain,
            )
            if chain.stopped:
                raise _Stopped
            cell.output, cell.latency_s, cell.tokens = chain.text, chain.seconds, chain.tokens
            cell.reached_limit = chain.reached_limit
        else:
            stream = ask(messages, spec.request_params())
            cell.output, cell.latency_s, cell.tokens = stream.text, stream.elapsed, stream.tokens
    except _Stopped as stopped:
        if not paid[0]:
            return None  # nothing of it paid: as if never started (a resumed run keeps its earlier cell)
        cell.status, cell.ended, cell.output = PARTIAL, stopped.why, stopped.text
        cell.latency_s, cell.tokens = chain.seconds or None, chain.tokens or None
    except _Failed as failure:
        cell = _failed(planned, failure.error, failure.attempts, output=failure.output)
    cell.attempts = max(cell.attempts, attempts[0])
    return _kept(cell, chain, paid[0], planned)


def _kept(cell: Cell, chain: tool_chain.Chain, paid: float, planned: PlannedCell) -> Cell:
    """The cell with its chain's calls and what it paid (with what the cell it went on from paid:
    this run's when resumed, saved when re-run); an unfinished or failed one keeps its paid
    steps to go on from, and is logged."""
    prior = planned.resumes
    cell.tool_calls, cell.steps = chain.calls, chain.steps
    cell.credits = paid + (prior.credits if prior is not None and planned.own else 0.0)
    if prior is not None:
        cell.continued_steps = prior.steps
        cell.saved_credits = 0.0 if planned.own else prior.credits
    if cell.status != OK:
        cell.chain = chain.step_messages
        if cell.credits:
            log.warning(
                "workbench cell (case %d, %s, repeat %d) %s after %d paid step(s): %.4g credits kept in the cell",
                cell.case + 1,
                cell.model,
                cell.repeat + 1,
                cell.ended or cell.error_kind,
                cell.steps,
                cell.credits,
            )
    return cell


def _streamed(
    client: ReshiClient,
    model: str,
    messages: list[dict[str, Any]],
    request: dict[str, Any],
    stop: threading.Event,
    streams: set,
    quota: _Quota,
) -> tuple[ChatStream, int]:
    """One reply streamed to its end, sent again by the client's retry policy after a failure
    that charged nothing: (the stream, its attempts). Raises _Stopped or _Failed."""
    if stop.is_set():
        raise _Stopped()
    stream = client.chat.stream(model, messages, retry=True, origin=pricing.WORKBENCH, **request)
    streams.add(stream)
    try:
        for _ in stream:
            if stop.is_set():  # a Stop from another thread: end this reply now
                stream.close()
    except errors.QuotaExceededError as exc:  # not sent: the cell stays to run once there is quota
        quota.reach(exc)
        raise _Stopped(ENDED_QUOTA) from None
    except errors.ReshiError as exc:
        partial = exc.partial_text if isinstance(exc, errors.StreamCutError) else ""
        raise _Failed(exc, stream.attempts, partial or stream.text, stream.credits) from None
    finally:
        streams.discard(stream)
    if stream.stopped:
        raise _Stopped(ENDED_STOPPED, stream.credits, stream.text)
    return stream, stream.attempts


def _checked(
    cell: Cell, client: ReshiClient, spec: RunSpec, case: dict[str, Any], reply: Reply, cache: judge.JudgeCache
) -> Cell:
    """The cell with each check's verdict, whether its musts passed and its shoulds' score."""
    verdicts: list[Verdict] = []
    for check in spec.checks:
        if check.kind == JUDGE:
            verdict, credits = judge.judge(client, check, case, reply.text, cache)
            cell.judge_credits += credits
        else:
            verdict = check.verdict(reply, case)
        verdicts.append(verdict)
    cell.checks = [v.passed for v in verdicts]
    cell.scores = [v.score for v in verdicts]
    cell.reasons = [v.reason for v in verdicts]
    cell.problems = [v.problem for v in verdicts]
    musts = [v.passed for v, check in zip(verdicts, spec.checks) if check.must]
    shoulds = [v.passed for v, check in zip(verdicts, spec.checks) if not check.must]
    cell.passed = all(musts) if verdicts else None
    cell.score = sum(shoulds) / len(shoulds) if shoulds else None
    return cell


def _failed(planned: PlannedCell, exc: errors.ReshiError, attempts: int, output: str = "") -> Cell:
    return Cell(
        case=planned.index,
        model=planned.model,
        status=FAILED,
        output=output,
        error_kind=exc.kind,
        error_message=exc.server_message,
        attempts=attempts,
        repeat=planned.repeat,
        key=planned.key,
    )
