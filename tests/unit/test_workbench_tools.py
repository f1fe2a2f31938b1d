"""The Workbench with tools (issue 26): each cell runs a chain answered by the tools' mocks,
against the sandbox over HTTP in two dialects, held to "calls the tool" and "the arguments
match" checks over ten cases; reused cells keep their calls; a step fault is retried."""

from __future__ import annotations

import threading
from dataclasses import asdict

import pytest

from lib import chat, errors, workbench
from lib.chat import tools
from lib.client import ReshiClient
from lib.store import Store
from lib.workbench import Check, RunSpec, reports
from lib.workbench.background import DONE, QUOTA, BackgroundRuns

CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Perth", "Riga"]
TOOLS = {**tools.default_settings(), "tools": [tools.STARTERS["weather"], tools.STARTERS["calculator"]]}
PARAMS = chat.default_settings()["params"]
CHECKS = [
    Check(workbench.CALLS_TOOL, "get_weather"),
    Check(workbench.TOOL_ARGUMENTS, "get_weather", arguments='{"city": "{{city}}"}'),
    Check(workbench.CALLS_TOOL, "calculator", must=False),
    Check(workbench.CONTAINS, "{{city}}"),
]


def spec(checks=CHECKS, tool_settings=TOOLS) -> RunSpec:
    return RunSpec(
        "", "What is the weather in {{city}}?", ["gpt-4o-mini"], PARAMS, list(checks), pool=4, tools=tool_settings
    )


@pytest.fixture(params=("reshi", "new-api"))
def client(request, sandbox, api_key, sandbox_dialect):
    sandbox_dialect(request.param)  # new-api: arguments as objects, no ids, finish "stop"
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


def test_ten_cases_call_the_tool_with_their_city_and_end_in_the_mocked_answer(client):
    cells = sorted(workbench.run_cells(client, spec(), [{"city": c} for c in CITIES]), key=lambda c: c.case)
    assert len(cells) == 10
    for city, cell in zip(CITIES, cells):
        assert cell.status == workbench.OK and cell.steps == 1 and not cell.reached_limit
        assert [c["name"] for c in cell.tool_calls] == ["get_weather"]
        assert cell.tool_calls[0]["parsed"]["city"] == city
        assert city in cell.output and "21" in cell.output  # the answer quotes the mock's result
        assert cell.checks == [True, True, False, True] and cell.passed is True and cell.score == 0.0
        assert cell.problems[2] == "tool_not_called" and cell.reasons[2] == "get_weather"
        assert cell.credits == 2  # two calls: the one that called the tool and the answer


def test_each_failure_is_named_in_its_cell(client):
    wrong = [
        Check(workbench.TOOL_ARGUMENTS, "get_weather", arguments='{"city": "Berlin"}'),
        Check(workbench.TOOL_ARGUMENTS, "get_weather", arguments='{"type": "object", "required": ["city", "unit"]}'),
        Check(workbench.CALLS_TOOL, "search_documents"),
    ]
    (cell,) = workbench.run_cells(client, spec(wrong), [{"city": "Oslo"}])
    assert cell.checks == [False, False, False] and cell.passed is False
    assert cell.problems == ["tool_arguments_differ", "tool_arguments_differ", "tool_not_called"]
    assert cell.reasons[0] == '$.city: "Oslo" ≠ "Berlin"'
    assert "'unit' is a required property" in cell.reasons[1]
    assert cell.reasons[2] == "get_weather"
    # Reports and slides say it in words, in the reader's language, as the page does.
    assert (
        reports.failing_checks(cell, wrong)[2]
        == "calls_tool: search_documents (Not called. The model called: get_weather)"
    )
    assert "未调用。模型调用的是：get_weather" in reports.failing_checks(cell, wrong, lang="zh")[2]
    junit = reports.junit_xml(workbench.new_run(spec(wrong), [{"city": "Oslo"}]) | {"results": [asdict(cell)]}, "tools")
    assert b"The arguments differ: $.city: &quot;Oslo&quot;" in junit and b"tool_not_called" not in junit


def test_a_chain_that_does_not_end_stops_at_the_runs_step_limit(sandbox, api_key):
    rows = []
    looping = RunSpec(
        "", "Weather in {{city}} [tool-loop]", ["gpt-4o-mini"], PARAMS, [], tools={**TOOLS, "auto_steps": 3}
    )
    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=rows.append) as client:
        (cell,) = workbench.run_cells(client, looping, [{"city": "Oslo"}])
    assert cell.status == workbench.OK and cell.reached_limit and cell.steps == 3 and len(cell.tool_calls) == 3
    assert len(rows) == 3 and cell.credits == sum(r.credits for r in rows)  # one ledger row per step


def test_a_failed_step_is_retried_and_the_cell_counts_its_attempts(sandbox, api_key):
    sandbox.control.queue_fault("chat", "500", 1)
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as client:
        (cell,) = workbench.run_cells(client, spec(CHECKS[:2]), [{"city": "Lima"}])
    assert cell.status == workbench.OK and cell.attempts == 2 and cell.checks == [True, True]


def test_a_rerun_reuses_cells_with_their_calls_and_a_mock_edit_sends_them_again(sandbox, api_key):
    cases = [{"city": "Paris"}, {"city": "Tokyo"}]
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as client:
        first = list(workbench.run_cells(client, spec(), cases))
        again = list(workbench.run_cells(client, spec(), cases, earlier=first))
        assert all(c.reused and c.tool_calls and c.checks[:2] == [True, True] for c in again)
        edited = {**TOOLS, "tools": [{**TOOLS["tools"][0], "mock": '{"temperature": 5}'}, TOOLS["tools"][1]]}
        sent = list(workbench.run_cells(client, spec(tool_settings=edited), cases, earlier=first))
    assert not any(c.reused for c in sent)


def test_a_run_keeps_its_tools_and_checks_and_refuses_expected_arguments_that_are_not_json():
    run = workbench.new_run(spec(), [{"city": "Paris"}])
    again = RunSpec.from_run(run)
    assert again.tools["tools"][0]["name"] == "get_weather" and again.max_steps() == tools.DEFAULT_STEPS
    assert again.checks[1].arguments == '{"city": "{{city}}"}'
    assert (
        workbench.check_problem(Check(workbench.TOOL_ARGUMENTS, "get_weather", arguments="{city"))[0]
        == "workbench.bad_tool_arguments"
    )
    plain = RunSpec("", "hi", ["gpt-4o-mini"], PARAMS)
    assert "tools" not in plain.settings() and not RunSpec.from_run(workbench.new_run(plain, [{}])).uses_tools()


# ------------------------------------------------------------------ tools in a suite file (the command line)

TOOL_SUITE = """
models = ["gpt-4o-mini"]
[prompt]
user = "What is the weather in {{city}}?"
[[cases]]
city = "Paris"
[[cases]]
city = "Tokyo"
[[tools]]
name = "get_weather"
description = "Get the current weather for a city."
parameters = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }
mock = '{"city": "{{city}}", "temperature": 21}'
[tool_settings]
max_steps = 3
[[checks]]
kind = "calls_tool"
value = "get_weather"
[[checks]]
kind = "tool_arguments"
value = "get_weather"
arguments = { city = "{{city}}" }
"""


def test_a_suite_with_tools_runs_in_the_command_and_reads_back_the_same(
    tmp_path, sandbox, api_key, monkeypatch, capsys
):
    from lib.workbench import cli, suite

    path = tmp_path / "tools.toml"
    path.write_text(TOOL_SUITE, encoding="utf-8")
    monkeypatch.setenv("TEST_KEY", api_key)
    code = cli.main(["run", str(path), "--base-url", sandbox.base_url, "--key-env", "TEST_KEY"])
    assert code == 0 and "All must-checks passed." in capsys.readouterr().out
    spec, cases, _ = suite.parse(TOOL_SUITE.encode(), "tools.toml")
    assert spec.max_steps() == 3 and spec.checks[1].arguments == '{"city": "{{city}}"}'
    again, again_cases, _ = suite.parse(suite.dump(spec, cases).encode(), "again.toml")
    assert tools.request_fields(again.tools) == tools.request_fields(spec.tools) and again.max_steps() == 3
    assert again.checks == spec.checks and again_cases == cases
    assert workbench.plan(again, cases)[0].key == workbench.plan(spec, cases)[0].key


@pytest.mark.parametrize(
    "change, reason",
    [
        (('name = "get_weather"', 'name = "get weather"'), "tools[0]: Tool 1: the name must be"),
        (('kind = "calls_tool"', 'kind = "calls_tool"\nmust = 3'), "checks[0].must"),
        (("max_steps = 3", 'max_steps = 3\nchoice = "launch"'), "tool_settings.choice: 'launch'"),
        (('arguments = { city = "{{city}}" }', 'arguments = "{city"'), "expected arguments are not JSON"),
    ],
)
def test_bad_tools_in_a_suite_are_refused_with_where(change, reason):
    from lib.workbench import suite

    with pytest.raises(suite.SuiteError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        suite.parse(TOOL_SUITE.replace(*change).encode(), "bad.toml")
    without_tools = TOOL_SUITE.split("[[tools]]")[0] + '[[checks]]\nkind = "calls_tool"\nvalue = "x"\n'
    with pytest.raises(suite.SuiteError, match="need \\[\\[tools\\]\\]"):
        suite.parse(without_tools.encode(), "bad.toml")


LOOPING = RunSpec("", "Weather in {{city}} [tool-loop]", ["gpt-4o-mini"], PARAMS, [], tools={**TOOLS, "auto_steps": 3})


def test_stop_between_steps_keeps_the_paid_step_and_a_rerun_goes_on_after_it(sandbox, api_key, caplog):
    stop, rows = threading.Event(), []

    def recorded(row) -> None:  # Stop pressed the moment the first step was paid for
        rows.append(row)
        stop.set()

    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=recorded) as client:
        (cell,) = workbench.run_cells(client, LOOPING, [{"city": "Oslo"}], stop)
    assert len(rows) == 1, "a step was sent after Stop"
    assert cell.status == workbench.PARTIAL and cell.ended == "stopped" and cell.passed is None
    assert cell.steps == 1 and [c["parsed"]["city"] for c in cell.tool_calls] == ["Oslo"]
    assert cell.credits == rows[0].credits > 0, "the paid step's credits are not in the cell"
    assert [m["role"] for m in cell.chain] == ["assistant", "tool"]
    assert "stopped after 1 paid step(s)" in caplog.text
    # A re-run (its parent's cells handed in) goes on after the paid step: steps 2 and 3 only.
    sandbox.control.reset_stats()
    again, rows = [], []
    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=rows.append) as client:
        (again,) = workbench.run_cells(client, LOOPING, [{"city": "Oslo"}], earlier=[cell])
    assert len(rows) == 2 and sandbox.control.stats()["endpoints"]["chat"] == 2
    first = next(r for r in sandbox.control.recent_requests(10) if r["endpoint"] == "chat")
    assert [m["role"] for m in first["body"]["messages"]] == ["user", "assistant", "tool"]
    assert again.status == workbench.OK and again.steps == 3 and again.reached_limit and len(again.tool_calls) == 3
    assert again.continued_steps == 1 and again.saved_credits == cell.credits
    assert again.credits == sum(r.credits for r in rows) and not again.chain


def test_the_quota_refusing_a_later_step_keeps_the_paid_one_and_a_resume_goes_on(tmp_path, sandbox, api_key, caplog):
    store, refuse = Store(f"sqlite:///{tmp_path / 'store.db'}"), [False]  # (the run's store: both backends elsewhere)

    def quota(endpoint, model, price) -> None:  # the admin's quota: the first step passes, the next is refused
        if refuse[0]:
            raise errors.QuotaExceededError("day", limit=1, used=1)
        refuse[0] = True

    run = spec(CHECKS[:1])
    run_id = store.add_workbench_run("alice", workbench.new_run(run, [{"city": "Oslo"}]))
    with ReshiClient(sandbox.base_url, api_key, timeout=10, before_paid_call=quota) as client:
        assert BackgroundRuns(store).start("alice", run_id, client, run, [{"city": "Oslo"}]).finished.wait(30)
    saved = store.get_workbench_run("alice", run_id)
    (kept,) = saved["results"]
    assert saved["status"] == QUOTA and kept["status"] == workbench.PARTIAL and kept["ended"] == "quota"
    assert kept["steps"] == 1 and kept["credits"] == 1 and kept["tool_calls"][0]["name"] == "get_weather"
    assert "quota after 1 paid step(s)" in caplog.text
    # Resumed once the quota allows: only the answer is sent; the cell takes its place, both steps its credits.
    sandbox.control.reset_stats()
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as client:
        live = BackgroundRuns(store).start("alice", run_id, client, run, [{"city": "Oslo"}], finished=saved["results"])
        assert live.finished.wait(30)
    assert sandbox.control.stats()["endpoints"]["chat"] == 1
    saved = store.get_workbench_run("alice", run_id)
    (done,) = saved["results"]
    assert saved["status"] == DONE and done["status"] == workbench.OK and done["passed"] is True
    assert done["credits"] == 2 and done["steps"] == 1 and "Oslo" in done["output"]


def test_a_step_that_fails_after_paid_steps_keeps_their_credits_in_the_failed_cell(sandbox, api_key):
    rows = []

    def recorded(row) -> None:  # the first step is paid; the stream of the next one is cut
        rows.append(row)
        if len(rows) == 1:
            sandbox.control.queue_fault("chat", "cut", 1)

    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=recorded) as client:
        (cell,) = workbench.run_cells(client, spec(CHECKS[:1]), [{"city": "Oslo"}])
    assert cell.status == workbench.FAILED and cell.error_kind == "stream_cut"
    assert cell.credits == rows[0].credits + rows[1].credits > rows[0].credits > 0  # the cut step's tokens too
    assert cell.steps == 1 and cell.tool_calls[0]["name"] == "get_weather", "the paid step's calls were dropped"
    assert [m["role"] for m in cell.chain] == ["assistant", "tool"]
