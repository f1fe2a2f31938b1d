"""Running the grid cases x models x repeats (lib/workbench/grid.py plans it): each cell one streamed chat call, in a bounded
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

import logging
import threading
from collections.abc import Callable, Collection, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, Protocol

from lib import errors
from lib.chat import tool_chain
from lib.client import ChatStream, ReshiClient
from lib.credits import pricing
from lib.workbench import judge
from lib.workbench.grid import ENDED_QUOTA, ENDED_STOPPED, FAILED, MAX_POOL, OK, Cell, PlannedCell, RunSpec, plan
from lib.workbench.prompt import JUDGE, Reply, Verdict, messages_for
from lib.workbench.status import CellEnding, cell_status

log = logging.getLogger("reshi.workbench")


class Gate(Protocol):
    """Where each cell takes a slot while it works (`background.FairGate`)."""

    def slot(self, user: str) -> AbstractContextManager[None]: ...


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


def run_cells(
    client: ReshiClient,
    spec: RunSpec,
    cases: list[dict[str, Any]],
    stop: threading.Event | None = None,
    *,
    earlier: Sequence[Cell] = (),
    judge_cache: judge.JudgeCache | None = None,
    gate: Gate | None = None,
    user: str = "",
    skip: Collection[tuple[int, str, int]] = frozenset(),
    unfinished: Sequence[Cell] = (),
) -> Generator[Cell, None, None]:
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
    streams: set[ChatStream] = set()
    quota = _Quota()
    pool = ThreadPoolExecutor(max_workers=max(1, min(spec.pool, MAX_POOL)), thread_name_prefix="workbench")
    work = [
        planned
        for planned in plan(spec, cases, earlier, unfinished)
        if (planned.index, planned.model, planned.repeat) not in skip
    ]
    try:
        futures = [
            pool.submit(_gated, gate, user, partial(_run_cell, client, spec, planned, stop, streams, cache, quota))
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


def _gated(gate: Gate | None, user: str, work: Callable[[], Cell | None]) -> Cell | None:
    if gate is None:
        return work()
    with gate.slot(user):
        return work()


def _run_cell(
    client: ReshiClient,
    spec: RunSpec,
    planned: PlannedCell,
    stop: threading.Event,
    streams: set[ChatStream],
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
        sent = _send(client, spec, planned, stop, streams, quota)
        if sent is None or sent.status != OK:
            return sent
        cell = sent
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
    client: ReshiClient,
    spec: RunSpec,
    planned: PlannedCell,
    stop: threading.Event,
    streams: set[ChatStream],
    quota: _Quota,
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
        if (tool_settings := spec.active_tools()) is not None:
            tool_chain.run_chain(
                client,
                planned.model,
                messages,
                tool_settings,
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
        ending = CellEnding.REPLIED
    except _Stopped as stopped:
        ending, cell.ended, cell.output = CellEnding.STOPPED, stopped.why, stopped.text
        cell.latency_s, cell.tokens = chain.seconds or None, chain.tokens or None
    except _Failed as failure:
        ending, cell = CellEnding.FAILED, _failed(planned, failure.error, failure.attempts, output=failure.output)
    status = cell_status(ending, paid=paid[0])
    if status is None:
        return None  # nothing of it paid: as if never started (a resumed run keeps its earlier cell)
    cell.status = status
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
    streams: set[ChatStream],
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
