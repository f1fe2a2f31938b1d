"""`python -m lib.workbench run SUITE.toml`: a suite run in CI, on the page's own engine.

    python -m lib.workbench run SUITE.toml [--sandbox | --base-url URL --key-env VAR]
                                           [--max-credits N] [--junit FILE] [--json FILE] [--html FILE]

Exit codes: 0 every must-check passed; 1 a check (or a cell's call) failed; 2 a bad suite,
bad arguments, a server that cannot be used, or the run's budget (`--max-credits`) refusing
it or stopping it (with the reason, in plain English, no traceback; what finished is still
reported and written). On a terminal a progress bar goes to stderr; the summary table goes to stdout.
The API key is read from the environment variable named by --key-env and never printed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from lib import errors
from lib.client import CallRecord, ReshiClient
from lib.sandbox import start_sandbox
from lib.workbench import reports, suite
from lib.workbench.grid import Cell, RunSpec, estimate_credits, plan
from lib.workbench.judge import MemoryJudgeCache
from lib.workbench.prompt import Check
from lib.workbench.results import new_run, to_json
from lib.workbench.running import QuotaReached, run_cells

OK, CHECK_FAILED, BAD_INPUT = 0, 1, 2
DEFAULT_KEY_ENV = "RESHI_API_KEY"
SANDBOX_CREDITS = 10_000_000  # the built-in sandbox's key: enough for any suite
BAR_WIDTH = 30
SHOWN_FAILURES = 10


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        spec, cases, name = suite.load(args.suite)
    except suite.SuiteError as exc:
        return _refuse(str(exc))
    sandbox, cap = None, SpendCap(args.max_credits)
    try:
        if args.sandbox:
            sandbox = start_sandbox(credits=SANDBOX_CREDITS, token_rate=0.0)
            print("Using the built-in sandbox: deterministic answers, no real credits.", file=sys.stderr)
            client = ReshiClient(sandbox.base_url, "sk-sandbox", on_call=cap.record, before_paid_call=cap.check)
        else:
            key = os.environ.get(args.key_env, "")
            if not key:
                return _refuse(
                    f"the environment variable {args.key_env} holds no API key "
                    "(set it, name another with --key-env, or use --sandbox)"
                )
            client = ReshiClient(args.base_url, key, on_call=cap.record, before_paid_call=cap.check)
        with client:
            problem = _connection_problem(client) or cap.refusal(estimate_credits(client, spec, plan(spec, cases)))
            if problem:
                return _refuse(problem)
            run, stopped = _run(client, spec, cases)
        _write_outputs(args, run, name)
        verdict = _report(run, name)
        return _refuse(cap.stopped(stopped)) if stopped else verdict
    finally:
        if sandbox is not None:
            sandbox.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.workbench", description="Run a Workbench suite (a TOML file) and report its checks."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run a suite",
        description="Run a suite's prompt on its cases and models, check every reply, "
        "print a summary. Exit 0: every must-check passed; 1: one failed; "
        "2: bad suite, arguments, connection or budget.",
    )
    run.add_argument("suite", type=Path, metavar="SUITE.toml", help="the suite file")
    server = run.add_mutually_exclusive_group(required=True)
    server.add_argument("--sandbox", action="store_true", help="run against the built-in sandbox (deterministic)")
    server.add_argument("--base-url", metavar="URL", help="the API's base URL, e.g. https://host/api/v1")
    run.add_argument(
        "--key-env",
        metavar="VAR",
        default=DEFAULT_KEY_ENV,
        help=f"environment variable holding the API key (default {DEFAULT_KEY_ENV})",
    )
    run.add_argument(
        "--max-credits",
        type=_credits,
        metavar="N",
        help="the run's budget: refuse a suite whose estimate is above N credits, and stop "
        "before a call would take the run's spend past N (exit 2)",
    )
    run.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (for CI)")
    run.add_argument("--json", type=Path, metavar="FILE", help="write the whole run as JSON")
    run.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained HTML report")
    return parser


def _credits(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of credits above 0")
    return value


class SpendCap:
    """`--max-credits`: the run's own budget, kept by the client's hooks. A paid call whose
    price would take what was spent, plus the calls still under way, past the limit is refused
    before it is sent (a `QuotaExceededError`, so `run_cells` stops the whole run: no cell
    starts after it and the replies under way finish). No limit: nothing is refused."""

    def __init__(self, limit: float | None):
        self.limit, self.spent = limit, 0.0
        self._under_way: dict[int, float] = {}  # the most each call under way may cost, by its hold
        self._holds = itertools.count(1)
        self._lock = threading.Lock()

    def refusal(self, estimate: float) -> str | None:
        """Why the suite is refused before it starts: its estimate is over the limit."""
        if self.limit is None or estimate <= self.limit:
            return None
        return (
            f"the suite may cost up to {estimate:g} credits, more than --max-credits {self.limit:g} "
            "(run fewer cases, models or repeats, or raise the limit)"
        )

    def stopped(self, progress: str) -> str:
        return (
            f"stopped at the budget: the next call would take the run past --max-credits {self.limit:g} "
            f"({self.spent:g} credits spent); {progress}"
        )

    def check(self, endpoint: str, model: str | None, most: float) -> int | None:
        """The client's `before_paid_call`: refuse, or hold the most the call may cost."""
        if self.limit is None:
            return None
        with self._lock:
            if self.spent + sum(self._under_way.values()) + most > self.limit:
                raise errors.QuotaExceededError("run", limit=self.limit, used=self.spent, price=most)
            hold = next(self._holds)
            self._under_way[hold] = most
            return hold

    def record(self, record: CallRecord) -> None:
        if self.limit is None:
            return
        with self._lock:
            if record.hold is not None:  # a refused call held nothing
                self._under_way.pop(record.hold, None)
            self.spent += record.credits or 0


def _refuse(reason: str) -> int:
    print(f"error: {reason}", file=sys.stderr)
    return BAD_INPUT


def _connection_problem(client: ReshiClient) -> str | None:
    """Why the server cannot be used (a wrong URL, key or network), asked once before paying."""
    try:
        client.models.list()
    except errors.ReshiError as exc:
        return f"cannot use the server at {client.base_url}: {exc.kind}" + (
            f" ({exc.server_message})" if exc.server_message else ""
        )
    return None


def _run(client: ReshiClient, spec: RunSpec, cases: list[dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    """Every cell, with a progress bar on a terminal; Ctrl-C keeps what finished. Returns the
    run and, when the budget stopped it, how far it got."""
    run = new_run(spec, cases)
    total = len(cases) * len(spec.models) * spec.repeat
    bar = _Progress(total, sys.stderr)
    stop, stopped = threading.Event(), None
    try:
        with closing(run_cells(client, spec, cases, stop, judge_cache=MemoryJudgeCache())) as cells:
            for cell in cells:
                run["results"].append(asdict(cell))
                bar.update(len(run["results"]), failed=reports.failed(cell))
    except KeyboardInterrupt:
        print(f"\nStopped: {len(run['results'])} of {_counted(total, 'cell')} finished.", file=sys.stderr)
    except QuotaReached:
        stopped = f"{len(run['results'])} of {_counted(total, 'cell')} finished"
    bar.done()
    return run, stopped


class _Progress:
    """A one-line bar, redrawn in place; nothing at all when stderr is not a terminal (CI logs)."""

    def __init__(self, total: int, out: TextIO):
        self.total, self.out, self.failed = total, out, 0
        self.live = out.isatty()

    def update(self, done: int, failed: bool) -> None:
        self.failed += failed
        if self.live:
            filled = BAR_WIDTH * done // max(self.total, 1)
            self.out.write(
                f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total} cells · {self.failed} failing"
            )
            self.out.flush()

    def done(self) -> None:
        if self.live:
            self.out.write("\n")


def _write_outputs(args: argparse.Namespace, run: dict[str, Any], name: str) -> None:
    outputs: dict[Path | None, Callable[[], bytes]] = {
        args.junit: lambda: reports.junit_xml(run, name),
        args.json: lambda: to_json(run),
        args.html: lambda: reports.html_report(run, name).encode("utf-8"),
    }
    for path, render in outputs.items():
        if path is None:
            continue
        try:
            path.write_bytes(render())
        except OSError as exc:
            print(f"error: cannot write {path} ({exc.strerror})", file=sys.stderr)


def _counted(number: int, noun: str) -> str:
    """ "1 cell", "2 cells": the command speaks plain English only."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _report(run: dict[str, Any], name: str) -> int:
    cells = [Cell.from_dict(c) for c in run["results"]]
    checks = [Check.from_dict(c) for c in run["settings"]["checks"]]
    print(f"{name}: {_counted(len(cells), 'cell')}")
    print(reports.summary_table(run))
    failing = [c for c in cells if reports.failed(c)]
    for cell in sorted(failing, key=lambda c: (c.case, c.model, c.repeat))[:SHOWN_FAILURES]:
        print(
            f"FAIL case {cell.case + 1} · {cell.model} · repeat {cell.repeat + 1}: "
            + "; ".join(reports.failing_checks(cell, checks))
        )
    if len(failing) > SHOWN_FAILURES:
        print(f"... and {_counted(len(failing) - SHOWN_FAILURES, 'more failing cell')}")
    expected = len(run["cases"]) * len(run["settings"]["models"]) * run["settings"].get("repeat", 1)
    if failing or len(cells) < expected:
        print(
            _counted(len(failing), "failing cell")
            + ("" if len(cells) == expected else f", {expected - len(cells)} not run")
        )
        return CHECK_FAILED
    print("All must-checks passed.")
    return OK
