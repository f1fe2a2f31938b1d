"""lib.workbench against the test sandbox over HTTP, and its runs in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from contextlib import closing

import pytest

from lib import workbench
from lib.client import ReshiClient
from lib.workbench import Check, RunSpec

NAMES = ["topic", "audience"]


@pytest.fixture
def client(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key) as made:
        yield made


def spec(models=("gpt-4o-mini",), checks=(), pool=4, user="Tell {{audience}} about {{topic}}.") -> RunSpec:
    params = {
        "temperature": {"on": True, "value": 0.3},
        "top_p": {"on": False, "value": 1.0},
        "max_tokens": {"on": False, "value": 1024},
        "presence_penalty": {"on": False, "value": 0.0},
        "frequency_penalty": {"on": False, "value": 0.0},
        "seed": {"on": False, "value": 42},
        "stop": {"on": False, "value": ""},
    }
    return RunSpec("You answer {{audience}}.", user, list(models), params, list(checks), pool)


def cases(count: int) -> list[dict]:
    return [{"topic": f"python code {i}" if i % 2 else f"tides {i}", "audience": "kids"} for i in range(count)]


# ------------------------------------------------------------------ templates and checks


def test_messages_fill_both_templates_with_the_case():
    sent = workbench.messages_for("You answer {{audience}}.", "About {{topic}}", {"topic": "rain", "audience": "kids"})
    assert sent == [{"role": "system", "content": "You answer kids."}, {"role": "user", "content": "About rain"}]
    assert workbench.messages_for("", "{{x}}", {"x": "1"}) == [{"role": "user", "content": "1"}]


@pytest.mark.parametrize(
    "check, text, passes",
    [
        (Check("contains", "{{topic}}"), "all about rain", True),
        (Check("contains", "{{topic}}"), "all about snow", False),
        (Check("not_contains", "sorry"), "Sure!", True),
        (Check("not_contains", "sorry"), "I'm sorry", False),
        (Check("regex", r"^\d+$"), "42", True),
        (Check("regex", r"^\d+$"), "forty", False),
        (Check("json"), '{"a": 1}', True),
        (Check("json"), '```json\n{"a": 1}\n```', True),
        (Check("json"), "not json", False),
    ],
)
def test_checks_use_the_case_values(check, text, passes):
    assert check.passes(text, {"topic": "rain"}) is passes


def test_bad_regex_is_explained_and_empty_check_rows_are_ignored():
    assert workbench.check_problem(Check("regex", "("))[0] == "workbench.bad_regex"
    assert workbench.check_problem(Check("regex", "a+")) is None
    rows = [
        {"kind": "contains", "value": "x"},
        {"kind": "contains", "value": None},
        {"kind": None, "value": "y"},
        {"kind": "json", "value": None},
    ]
    assert workbench.checks_from(rows) == [Check("contains", "x"), Check("json", "")]


# ------------------------------------------------------------------ loading cases


def test_csv_with_header_in_any_order_and_extra_columns():
    load = workbench.load_file(b"audience,topic,notes\nkids,tides,x\n,,\nadults,rain,y\n", "c.csv", NAMES)
    assert not load.refusals
    assert load.cases == [{"topic": "tides", "audience": "kids"}, {"topic": "rain", "audience": "adults"}]
    assert ("workbench.note_extra_columns", {"columns": "notes"}) in load.notes
    assert ("workbench.note_empty_rows", {"lines": "3"}) in load.notes


def test_csv_bad_row_is_refused_with_its_line():
    load = workbench.load_file(b"topic,audience\ntides,kids\nrain,adults,extra\n", "c.csv", NAMES)
    assert load.cases == []
    assert load.refusals == [("workbench.refused_fields", {"line": 3, "found": 3, "expected": 2})]


def test_missing_columns_encoding_size_and_empty_are_refused():
    assert workbench.load_file(b"topic\nrain\n", "c.csv", NAMES).refusals == [
        ("workbench.refused_missing", {"columns": "audience"})
    ]
    assert (
        workbench.load_file("topic,audience\npluie,é\n".encode("latin-1"), "c.csv", NAMES).refusals[0][0]
        == "workbench.refused_encoding"
    )
    big = "topic,audience\n" + "".join(f"t{i},a\n" for i in range(workbench.MAX_CASES + 1))
    assert workbench.load_file(big.encode(), "c.csv", NAMES).refusals == [
        ("workbench.refused_too_many", {"count": 1001, "limit": 1000})
    ]
    assert workbench.load_file(b"topic,audience\n,\n", "c.csv", NAMES).refusals == [("workbench.refused_empty", {})]


def test_utf8_bom_and_chinese_are_read():
    load = workbench.load_file("topic,audience\n潮汐,孩子\n".encode("utf-8-sig"), "c.csv", NAMES)
    assert load.cases == [{"topic": "潮汐", "audience": "孩子"}]


def test_jsonl_and_its_bad_lines():
    good = workbench.load_file(
        b'{"topic": "tides", "audience": "kids"}\n\n{"topic": 3, "audience": null}\n', "c.jsonl", NAMES
    )
    assert good.cases == [{"topic": "tides", "audience": "kids"}, {"topic": "3", "audience": ""}]
    bad = workbench.load_file(b'{"topic": "tides", "audience": "kids"}\n[1, 2]\nnope\n', "c.jsonl", NAMES)
    assert bad.refusals == [
        ("workbench.refused_jsonl_line", {"line": 2}),
        ("workbench.refused_jsonl_line", {"line": 3}),
    ]


def test_pasted_spreadsheet_cells_with_or_without_header():
    with_header = workbench.load_text("topic\taudience\ntides\tkids\nrain\tadults", NAMES)
    assert with_header.cases == [{"topic": "tides", "audience": "kids"}, {"topic": "rain", "audience": "adults"}]
    without = workbench.load_text("tides\tkids\nrain, again\tadults\n", NAMES)
    assert without.cases == [{"topic": "tides", "audience": "kids"}, {"topic": "rain, again", "audience": "adults"}]
    one_column = workbench.load_text("tides\nrain\n", ["topic"])
    assert one_column.cases == [{"topic": "tides"}, {"topic": "rain"}]


def test_table_round_trip_drops_empty_rows():
    frame = workbench.table_for([{"topic": "a", "audience": "b"}], NAMES)
    frame.loc[1] = ["", ""]
    assert workbench.cases_from_table(frame, NAMES) == [{"topic": "a", "audience": "b"}]


# ------------------------------------------------------------------ running against the sandbox


def test_grid_runs_every_cell_with_checks_and_ledger_hook(sandbox, api_key):
    calls = []
    checks = [Check("contains", "{{topic}}"), Check("contains", "```python")]
    with ReshiClient(sandbox.base_url, api_key, on_call=calls.append) as client:
        cells = list(workbench.run_cells(client, spec(("gpt-4o-mini", "gpt-4o"), checks), cases(4)))
    assert sorted((c.case, c.model) for c in cells) == [(i, m) for i in range(4) for m in ("gpt-4o", "gpt-4o-mini")]
    assert all(c.status == "ok" and c.credits == 1 and c.tokens > 0 and c.latency_s > 0 for c in cells)
    assert all(c.checks[0] for c in cells)  # the sandbox quotes the prompt, so the topic is in each reply
    # it writes code only when asked for code: odd cases pass the second check, even ones fail it
    assert {c.case % 2: c.checks[1] for c in cells} == {0: False, 1: True}
    assert len(calls) == 8 and all(r.endpoint == "chat" and r.credits == 1 for r in calls)
    assert sandbox.control.key_info(api_key)["spent"] == 8


def test_pool_bounds_the_calls_in_flight(client, sandbox_speed):
    """Paced replies take about a second each: the work done per second of wall time is how many
    ran at once (the sandbox counts chat calls in flight only for images, so it is timed here)."""
    sandbox_speed(token_rate=50)
    started = time.monotonic()
    cells = list(workbench.run_cells(client, spec(pool=3), cases(6)))
    overlap = sum(c.latency_s for c in cells) / (time.monotonic() - started)
    assert 2.0 < overlap < 3.3


def test_429_and_500_are_retried_and_a_lasting_failure_stays_in_its_cell(sandbox, client):
    sandbox.control.queue_fault("chat", "429", 1)
    sandbox.control.queue_fault("chat", "500", 1)
    two = {(c.case, c.model): c for c in workbench.run_cells(client, spec(pool=1), cases(2))}
    assert all(c.status == "ok" for c in two.values())
    assert sum(c.attempts for c in two.values()) == 4  # two faults, each answered by one retry
    sandbox.control.queue_fault("chat", "503", client.retry_policy.max_attempts)
    three = {c.case: c for c in workbench.run_cells(client, spec(pool=1), cases(3))}
    assert three[0].status == "failed" and three[0].error_kind == "server"
    assert three[0].attempts == client.retry_policy.max_attempts and three[0].credits == 0
    assert three[1].status == three[2].status == "ok"


def test_prompt_markers_fail_only_their_own_case(client):
    rows = [{"topic": "tides [500]", "audience": "kids"}, {"topic": "rain", "audience": "kids"}]
    started = time.monotonic()
    cells = {c.case: c for c in workbench.run_cells(client, spec(), rows)}
    policy = client.retry_policy
    assert cells[0].status == "failed" and cells[0].attempts == policy.max_attempts
    assert cells[1].status == "ok"
    assert time.monotonic() - started >= sum(policy.backoff_seconds[: policy.max_retries])


def test_stopping_keeps_what_finished_and_starts_nothing_more(sandbox, client, sandbox_speed):
    sandbox_speed(token_rate=100)
    sandbox.control.reset_stats()
    stop = threading.Event()
    finished = []
    with closing(workbench.run_cells(client, spec(pool=2), cases(20), stop)) as cells:
        for cell in cells:
            finished.append(cell)
            if len(finished) == 3:
                break
    time.sleep(0.5)
    assert len(finished) == 3 and stop.is_set()
    assert sandbox.control.stats()["endpoints"]["chat"] <= 6  # the pool of 2 stopped at once


# ------------------------------------------------------------------ results, exports, comparison


def run_with(results: list[workbench.Cell], checks=(Check("contains", "x"),)) -> dict:  # noqa: B008 - a frozen Check
    run = workbench.new_run(
        spec(("a", "b"), checks), [{"topic": "=1+1", "audience": "k"}, {"topic": "t", "audience": "k"}]
    )
    run["results"] = [cell.__dict__ for cell in results]
    return run


def cell(case, model, output="x", latency=1.0, credits=1.0, checks=(True,), status="ok"):
    return workbench.Cell(
        case=case,
        model=model,
        status=status,
        output=output,
        latency_s=latency,
        tokens=3,
        credits=credits,
        checks=list(checks),
    )


def test_totals_per_model():
    run = run_with(
        [
            cell(0, "a", latency=1),
            cell(1, "a", latency=3, checks=(False,)),
            cell(0, "b", status="failed", credits=0, checks=(), latency=None),
        ]
    )
    totals = workbench.totals(run).set_index("model")
    assert totals.loc["a", "pass_rate"] == 0.5 and totals.loc["a", "median_latency_s"] == 2
    assert totals.loc["a", "credits"] == 2 and totals.loc["b", "failed"] == 1 and totals.loc["b", "cells"] == 1


def test_csv_export_neutralises_formulas_and_json_keeps_everything():
    run = run_with([cell(0, "a", output="@SUM(A1)"), cell(1, "b", output="-fine")])
    rows = list(csv.DictReader(io.StringIO(workbench.to_csv(run).decode())))
    assert rows[0]["topic"] == "'=1+1" and rows[0]["output"] == "'@SUM(A1)" and rows[1]["output"] == "'-fine"
    assert rows[0]["contains: x"] == "pass" and rows[0]["model"] == "a"
    body = json.loads(workbench.to_json(run))
    assert body["results"][0]["output"] == "@SUM(A1)" and body["prompt"]["user"].startswith("Tell")


def test_changed_outputs_and_deltas():
    before = run_with([cell(0, "a", output="one\ntwo"), cell(1, "a", output="same")])
    after = run_with([cell(0, "a", output="one\nthree", checks=(False,), credits=2), cell(1, "a", output="same")])
    changed = workbench.changed_cells(before, after)
    assert [(c.case, c.model) for c in changed] == [(0, "a")]
    assert "-two" in changed[0].diff() and "+three" in changed[0].diff()
    deltas = workbench.deltas(before, after).set_index("model")
    assert deltas.loc["a", "pass_rate_delta"] == -0.5 and deltas.loc["a", "credits_delta"] == 1


def test_version_goes_up_only_when_the_prompt_changed():
    parent = {**workbench.new_run(spec(), []), "version": 2}
    assert workbench.next_version(None, spec()) == 1
    assert workbench.next_version(parent, spec()) == 2
    assert workbench.next_version(parent, spec(user="Other {{topic}}")) == 3


# ------------------------------------------------------------------ the store


def test_runs_are_saved_per_user(store):
    run = workbench.new_run(spec(checks=[Check("regex", "a")]), cases(2))
    run_id = store.add_workbench_run("alice", run, version=1)
    assert store.save_workbench_results("alice", run_id, [cell(0, "gpt-4o-mini").__dict__], "done")
    assert not store.save_workbench_results("bob", run_id, [], "done")
    assert store.get_workbench_run("bob", run_id) is None and store.list_workbench_runs("bob") == []
    got = store.get_workbench_run("alice", run_id)
    assert got["status"] == "done" and got["cases"] == cases(2) and got["results"][0]["output"] == "x"
    assert RunSpec.from_run(got).checks == [Check("regex", "a")]
    second = store.add_workbench_run("alice", run, version=2, parent_id=run_id)
    listed = store.list_workbench_runs("alice")
    assert [r["id"] for r in listed] == [second, run_id] and listed[0]["parent_id"] == run_id
    assert "results" not in listed[0]
    assert not store.delete_workbench_run("bob", run_id) and store.delete_workbench_run("alice", run_id)


def test_a_timeout_is_retried(sandbox, client, sandbox_speed):
    sandbox_speed(hang_seconds=0.3)
    sandbox.control.queue_fault("chat", "timeout", 1)
    [only] = workbench.run_cells(client, spec(), cases(1))
    assert only.status == "ok" and only.attempts == 2
