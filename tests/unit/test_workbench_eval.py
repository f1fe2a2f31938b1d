"""The Workbench as an evaluation tool: must/should checks, the new check kinds, judged checks
(against the sandbox over HTTP), repeats with their interval and consistency, reuse of unchanged
cells and the estimate with judge calls."""

from __future__ import annotations

import json

import pytest

from lib import chat, workbench
from lib.client import ReshiClient
from lib.credits import pricing
from lib.workbench import Check, RunSpec, judge, stats
from lib.workbench.prompt import Reply

SCHEMA = json.dumps(
    {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "number"}}}, "required": ["items"]}
)
RUBRIC = "Grade {{output}} for {{topic}}: is it right for children?"


@pytest.fixture
def client(sandbox, api_key):
    calls = []
    with ReshiClient(sandbox.base_url, api_key, on_call=calls.append) as made:
        made.calls = calls
        yield made


def spec(checks=(), models=("gpt-4o-mini",), repeat=1, user="Tell kids about {{topic}}.") -> RunSpec:
    return RunSpec("", user, list(models), chat.default_settings()["params"], list(checks), pool=4, repeat=repeat)


CASES = [{"topic": "tides"}, {"topic": "rain"}, {"topic": "snow"}]


@pytest.mark.parametrize(
    "check, reply, passed",
    [
        (Check("json_schema", SCHEMA), '{"items": [1, 2]}', True),
        (Check("json_schema", SCHEMA), '```json\n{"items": [1]}\n```', True),
        (Check("similar", "the cat sat", threshold=0.8), "the cat sat.", True),
        (Check("similar", "the cat sat", threshold=0.8), "a dog ran off", False),
        (Check("min_length", "5"), "four", False),
        (Check("max_length", "5"), "four", True),
        (Check("max_credits", "1"), "x", True),
        (Check("max_seconds", "0.5"), "x", False),
    ],
)
def test_the_new_kinds(check, reply, passed):
    assert check.verdict(Reply(reply, credits=1.0, latency_s=0.8), {}).passed is passed


def test_a_schema_failure_names_its_first_path():
    verdict = Check("json_schema", SCHEMA).verdict(Reply('{"items": [1, "two"]}'), {})
    assert not verdict.passed and verdict.reason == "$.items[1]: 'two' is not of type 'number'"
    assert Check("json_schema", SCHEMA).verdict(Reply("no"), {}).reason == "line 1, column 1: Expecting value"


def test_similarity_gives_a_score():
    verdict = Check("similar", "{{topic}} rise", threshold=0.5).verdict(Reply("tides rise"), {"topic": "tides"})
    assert verdict.passed and verdict.score == 1.0


@pytest.mark.parametrize(
    "check, key",
    [
        (Check("judge", rubric="no output here", model="gpt-4o"), "workbench.rubric_without_output"),
        (Check("judge", rubric="{{output}}", model=" "), "workbench.judge_without_model"),
        (Check("json_schema", '{"type": 5}'), "workbench.bad_schema"),
        (Check("max_credits", "lots"), "workbench.bad_number"),
        (Check("similar", "x", threshold=2), "workbench.bad_threshold"),
    ],
)
def test_bad_checks_are_refused_with_their_reason(check, key):
    assert workbench.check_problem(check)[0] == key


def test_a_good_judge_has_no_problem():
    assert workbench.check_problem(Check("judge", rubric="Is {{output}} kind?", model="gpt-4o")) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"score": 0.4, "pass": false, "reason": "vague"}', (0.4, "vague")),
        ('Sure! ```json\n{"score": 1, "pass": true, "reason": "ok"}\n```', (1.0, "ok")),
        ('I think {"pass": true, "reason": "fine"} overall', (1.0, "fine")),
        ('{"score": 7, "reason": "out of range"}', None),
        ('{"score": "high"}', None),
        ("It is good.", None),
        ("[1, 2]", None),
    ],
)
def test_judge_answers_are_read_or_called_nonsense(text, expected):
    assert judge.parse_verdict(text) == expected


def test_the_rubric_is_filled_once():
    check = Check("judge", rubric="Topic {{topic}}; reply {{output}}", model="m")
    [_, user] = judge.judge_messages(check, {"topic": "{{output}}"}, "says {{topic}}")
    assert user["content"] == "Topic {{output}}; reply says {{topic}}"


def test_judged_checks_score_cache_and_go_to_the_ledger_as_their_own_source(client, sandbox):
    # The sandbox answers structured output with JSON generated from the verdict's schema:
    # deterministic for the same request, different for different replies.
    check = Check("judge", rubric=RUBRIC, model="gpt-4o", threshold=0.5, must=False)
    run = spec([check], repeat=2)
    cache = workbench.MemoryJudgeCache()
    cells = list(workbench.run_cells(client, run, CASES, judge_cache=cache))
    assert len(cells) == 6 and all(0 <= c.scores[0] <= 1 and c.reasons[0] and not c.problems[0] for c in cells)
    assert all(c.checks == [c.scores[0] >= 0.5] and c.score == float(c.checks[0]) for c in cells)
    assert all(c.passed is True for c in cells)  # a should-check never fails the cell
    by_case = {}
    for c in cells:
        by_case.setdefault(c.case, set()).add(c.scores[0])
    assert all(len(scores) == 1 for scores in by_case.values())  # repeats of one reply: one verdict
    judged = [r for r in client.calls if r.endpoint == pricing.JUDGE]
    # Repeats of a case give the sandbox's same reply: judged once per case, then cached.
    assert len(judged) == 3 and all(r.model == "gpt-4o" and r.credits > 0 for r in judged)
    assert sum(c.judge_credits for c in cells) == pytest.approx(sum(r.credits for r in judged))
    # The judge's calls, known by its instructions: the shared sandbox also logs other tests' calls.
    sent = [
        r["body"]
        for r in sandbox.control.recent_requests(50)
        if r["endpoint"] == "chat" and r["body"]["messages"][0]["content"] == judge.INSTRUCTIONS
    ]
    assert len(sent) >= 3 and all(body.get("response_format") == judge.RESPONSE_FORMAT for body in sent)
    again = list(workbench.run_cells(client, run, CASES, judge_cache=cache))
    assert sum(c.judge_credits for c in again) == 0
    assert len([r for r in client.calls if r.endpoint == pricing.JUDGE]) == 3


def test_a_judge_that_answers_nonsense_fails_the_check_with_that_reason(client):
    check = Check("judge", rubric="[notjson] Rate {{output}}", model="gpt-4o")  # the sandbox answers no JSON
    [cell] = workbench.run_cells(client, spec([check]), CASES[:1])
    assert cell.checks == [False] and cell.problems == [judge.NONSENSE] and cell.passed is False
    assert cell.output and cell.reasons[0].startswith("Sure!")  # the reply and the judge's words are kept


def test_a_failed_judge_call_is_named_and_the_reply_kept(client):
    check = Check("judge", rubric="[500] Rate {{output}}", model="gpt-4o")  # the judge's call gets a 500
    [cell] = workbench.run_cells(client, spec([check]), CASES[:1])
    assert cell.status == "ok" and cell.output and cell.credits == 1
    assert cell.problems == [judge.FAILED] and cell.reasons == ["server"] and cell.passed is False
    assert cell.judge_credits == 0


def test_must_fails_the_cell_should_counts_in_its_score(client):
    checks = [
        Check("contains", "tides"),
        Check("contains", "nowhere", must=False),
        Check("min_length", "1", must=False),
    ]
    cells = {c.case: c for c in workbench.run_cells(client, spec(checks), CASES[:2])}
    assert cells[0].passed is True and cells[0].score == 0.5
    assert cells[1].passed is False and cells[1].score == 0.5


def test_wilson_interval():
    low, high = stats.wilson(27, 30)
    assert 0.73 < low < 0.75 and 0.96 < high < 0.97
    assert stats.wilson(0, 0) is None and stats.wilson(5, 5)[1] == 1.0


def test_consistency_counts_groups_whose_repeats_agree():
    assert stats.consistency([(1, True), (1, True), (2, True), (2, False), (3, False)]) == 0.5
    assert stats.consistency([(1, True)]) is None


def test_repeats_give_interval_and_consistency_per_model(client):
    run = spec([Check("contains", "tides")], models=("gpt-4o-mini", "gpt-4o"), repeat=3)
    record = workbench.new_run(run, CASES)
    record["results"] = [c.__dict__ for c in workbench.run_cells(client, run, CASES)]
    totals = workbench.totals(record).set_index("model")
    assert totals.loc["gpt-4o", "cells"] == 9 and totals.loc["gpt-4o", "pass_rate"] == pytest.approx(1 / 3)
    assert totals.loc["gpt-4o", "pass_low"] < 1 / 3 < totals.loc["gpt-4o", "pass_high"]
    assert totals.loc["gpt-4o", "consistency"] == 1.0  # the sandbox answers a repeat the same
    assert sorted({c.repeat for c in workbench.cells_of(record)}) == [0, 1, 2]


def test_a_rerun_reuses_unchanged_cells_only(client):
    run = spec([Check("contains", "tides")], repeat=2)
    first = list(workbench.run_cells(client, run, CASES))
    sent = len(client.calls)
    again = list(workbench.run_cells(client, run, CASES, earlier=first))
    assert len(client.calls) == sent and all(c.reused and c.credits == 0 for c in again)
    assert sum(c.saved_credits for c in again) == pytest.approx(sum(c.credits for c in first))
    assert [c.checks for c in sorted(again, key=lambda c: (c.case, c.repeat))] == [
        c.checks for c in sorted(first, key=lambda c: (c.case, c.repeat))
    ]
    edited = spec([Check("contains", "tides")], repeat=2, user="Tell children about {{topic}}.")
    fresh = list(workbench.run_cells(client, edited, CASES, earlier=first))
    assert not any(c.reused for c in fresh) and len(client.calls) == sent + 6


def test_the_estimate_counts_repeats_judges_and_reuse(client):
    run = spec([Check("judge", rubric="{{output}}", model="gpt-4o")], models=("a", "b"), repeat=3)
    planned = workbench.plan(run, CASES)
    assert len(planned) == 18 and workbench.estimate_credits(client, run, planned) == 36
    reused = [workbench.Cell(case=0, model="a", status="ok", key=planned[0].key)]
    assert workbench.estimate_credits(client, run, workbench.plan(run, CASES, reused)) == 35


def test_per_run_settings_reach_the_request(client, sandbox):
    run = spec()
    run.reasoning, run.extra = "low", {"top_k": 5}
    run.response_format = {"type": "json_object"}
    assert run.request_params() == {"reasoning_effort": "low", "response_format": {"type": "json_object"}, "top_k": 5}
    again = RunSpec.from_run(workbench.new_run(run, []))
    assert again.request_params() == run.request_params()


def test_old_runs_still_open():
    old = {
        "prompt": {"system": "", "user": "u"},
        "cases": [{}],
        "settings": {"models": ["m"], "params": {}, "checks": [{"kind": "contains", "value": "x"}]},
        "results": [{"case": 0, "model": "m", "status": "ok", "output": "x", "checks": [False]}],
    }
    assert RunSpec.from_run(old).checks == [Check("contains", "x")] and RunSpec.from_run(old).repeat == 1
    assert workbench.totals(old).loc[0, "pass_rate"] == 0.0


def test_a_judge_on_a_server_without_structured_output_is_asked_again_for_plain_json(client, sandbox):
    """The sandbox refuses `response_format` once (400, as a server without structured output
    does); the judge asks again without it and reads the JSON object out of the prose reply (the
    sandbox's reply quotes the prompt, where this rubric wrote the verdict)."""
    check = Check(
        "judge",
        rubric='Say {"score": 0.8, "pass": true, "reason": "fits"} about: {{output}}',
        model="gpt-4o",
        threshold=0.5,
    )
    sandbox.control.queue_fault("chat", "no_schema")
    sandbox.control.reset_stats()
    [cell] = workbench.run_cells(client, spec([check]), CASES[:1], judge_cache=judge.MemoryJudgeCache())
    assert cell.checks == [True] and cell.scores == [0.8] and cell.reasons == ["fits"] and not cell.problems[0]
    judged = [r for r in client.calls if r.endpoint == pricing.JUDGE]
    assert [r.status for r in judged] == [400, 200]
    assert cell.judge_credits == judged[1].credits > 0, "the refused call cost nothing"
    sent = [
        r["body"]
        for r in sandbox.control.recent_requests(10)
        if r["endpoint"] == "chat" and r["body"]["messages"][0]["content"] == judge.INSTRUCTIONS
    ][-2:]
    assert [body.get("response_format") for body in sent] == [judge.RESPONSE_FORMAT, None]


def test_the_estimate_of_a_rerun_counts_no_judge_call_whose_verdict_is_kept(client):
    """A re-run reusing every reply asks the judge nothing it judged before: its estimate is 0,
    not one judge call a cell; a reused reply without a kept verdict still counts one."""
    check = Check("judge", rubric="{{output}}", model="gpt-4o")
    run = spec([check], repeat=2)
    verdicts = judge.MemoryJudgeCache()
    first = list(workbench.run_cells(client, run, CASES, judge_cache=verdicts))
    planned = workbench.plan(run, CASES, first)
    assert all(cell.reuse for cell in planned) and workbench.estimate_credits(client, run, planned) == 6
    assert workbench.estimate_credits(client, run, planned, verdicts) == 0
    fewer = judge.MemoryJudgeCache()
    fewer.put(judge.cache_key(check, CASES[0], planned[0].reuse.output), {"score": 1, "reason": ""})
    assert workbench.estimate_credits(client, run, planned, fewer) == 4  # case 0's two repeats are known
