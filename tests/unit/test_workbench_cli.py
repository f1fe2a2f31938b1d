"""`python -m lib.workbench run`: suites read strictly, run on the page's engine against the
sandbox over HTTP, JUnit/JSON/HTML written, exit codes 0/1/2, plain English refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lib import chat, workbench
from lib.workbench import Check, RunSpec, cli, suite

ROOT = Path(__file__).resolve().parents[2]
SUITE = """
name = "Kids"
models = ["gpt-4o-mini", "gpt-4o"]
repeat = 2
{cases}

[prompt]
system = "You answer {{{{audience}}}}."
user = "Explain {{{{topic}}}}."

[params]
temperature = 0.2

[[checks]]
kind = "contains"
value = "{check}"

[[checks]]
kind = "judge"
rubric = "Is this right for {{{{audience}}}}? {{{{output}}}}"
model = "gpt-4o"
threshold = 0.3
must = false
"""
CASES_TABLES = '[[cases]]\ntopic = "tides"\naudience = "kids"\n[[cases]]\ntopic = "rain"\naudience = "adults"'


def write(tmp_path: Path, text: str, name: str = "suite.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good_suite(tmp_path: Path, check: str = "{{topic}}", cases: str = CASES_TABLES) -> Path:
    return write(tmp_path, SUITE.format(cases=cases, check=check))


def run_cli(tmp_path, sandbox, api_key, monkeypatch, *args):
    monkeypatch.setenv("TEST_KEY", api_key)
    return cli.main(["run", *args, "--base-url", sandbox.base_url, "--key-env", "TEST_KEY"])


def test_a_passing_suite_exits_0_and_writes_junit_json_html(tmp_path, sandbox, api_key, monkeypatch, capsys):
    path = good_suite(tmp_path)
    junit, body, html = tmp_path / "r.xml", tmp_path / "r.json", tmp_path / "r.html"
    code = run_cli(
        tmp_path,
        sandbox,
        api_key,
        monkeypatch,
        str(path),
        "--junit",
        str(junit),
        "--json",
        str(body),
        "--html",
        str(html),
    )
    out = capsys.readouterr().out
    assert code == 0 and "Kids: 8 cells" in out and "All must-checks passed." in out
    assert "gpt-4o-mini" in out and "95% interval" in out
    suites = ET.parse(junit).getroot()
    assert [s.get("tests") for s in suites] == ["4", "4"] and all(s.get("failures") == "0" for s in suites)
    run = json.loads(body.read_text())
    assert len(run["results"]) == 8 and run["settings"]["repeat"] == 2
    assert "Totals per model" in html.read_text() and "<script" not in html.read_text()


def test_a_failing_must_check_exits_1_and_junit_names_it(tmp_path, sandbox, api_key, monkeypatch, capsys):
    path = good_suite(tmp_path, check="tides")  # the "rain" case does not say tides
    junit = tmp_path / "r.xml"
    code = run_cli(tmp_path, sandbox, api_key, monkeypatch, str(path), "--junit", str(junit))
    out = capsys.readouterr().out
    assert code == 1 and "FAIL case 2 · gpt-4o-mini · repeat 1: contains: tides" in out and "4 failing cells" in out
    failures = ET.parse(junit).getroot().iter("failure")
    assert {f.get("message") for f in failures} == {"contains: tides"}


def test_cases_from_a_csv_beside_the_suite(tmp_path, sandbox, api_key, monkeypatch, capsys):
    (tmp_path / "cases.csv").write_text("topic,audience\ntides,kids\n", encoding="utf-8")
    path = good_suite(tmp_path, cases='cases_file = "cases.csv"')
    assert run_cli(tmp_path, sandbox, api_key, monkeypatch, str(path)) == 0
    assert "Kids: 4 cells" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda s: s.replace("threshold = 0.3", 'threshold = 0.3\nrubrik = "x"'), "checks[1].rubrik: unknown key"),
        (lambda s: s.replace('name = "Kids"', 'name = "Kids"\ncolour = "red"'), "colour: unknown key"),
        (lambda s: s.replace("{{output}}", "the reply"), "must contain {{output}}"),
        (lambda s: s.replace('kind = "contains"', 'kind = "containz"'), "checks[0].kind: Input should be"),
        (lambda s: s.replace("repeat = 2", "repeat = 11"), "repeat: Input should be less than or equal to 10"),
        (lambda s: s.replace("temperature = 0.2", "temprature = 0.2"), "unknown parameter 'temprature'"),
        (lambda s: s.replace('user = "Explain {{topic}}."', ""), "prompt.user: missing"),
        (
            lambda s: s.replace(
                '[[cases]]\ntopic = "tides"\naudience = "kids"\n', 'cases_file = "nowhere.csv"\n', 1
            ).replace('[[cases]]\ntopic = "rain"\naudience = "adults"', ""),
            "cases_file 'nowhere.csv': cannot read it",
        ),
        (lambda s: s.replace('audience = "adults"', ""), "cases[1]: no value for audience"),
        (lambda s: s + "\n[extra]\nmodel = 'x'\n", "extra: may not set model"),
        (lambda s: s + "\n[response_format]\ntype = 'json_schema'\nschema = { type = 5 }\n", "response_format.schema:"),
        (lambda s: s.replace("[prompt]", "[prompt"), "not valid TOML"),
    ],
)
def test_bad_suites_are_refused_with_exit_2_and_the_reason(tmp_path, capsys, change, reason):
    path = write(tmp_path, change(SUITE.format(cases=CASES_TABLES, check="{{topic}}")))
    assert cli.main(["run", str(path), "--sandbox"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and reason in err and "Traceback" not in err


def test_a_cases_file_outside_the_suites_folder_is_refused(tmp_path, capsys):
    (tmp_path / "outside.csv").write_text("topic,audience\nx,y\n")
    inner = tmp_path / "suites"
    inner.mkdir()
    path = good_suite(inner, cases='cases_file = "../outside.csv"')
    assert cli.main(["run", str(path), "--sandbox"]) == 2
    assert "must be beside the suite" in capsys.readouterr().err


def test_a_server_that_cannot_be_used_exits_2(tmp_path, sandbox, monkeypatch, capsys):
    path = good_suite(tmp_path)
    monkeypatch.setenv("TEST_KEY", "sk-wrong")
    assert cli.main(["run", str(path), "--base-url", sandbox.base_url, "--key-env", "TEST_KEY"]) == 2
    err = capsys.readouterr().err
    assert "cannot use the server" in err and "auth" in err and "sk-wrong" not in err
    monkeypatch.delenv("TEST_KEY")
    assert cli.main(["run", str(path), "--base-url", sandbox.base_url, "--key-env", "TEST_KEY"]) == 2
    assert "TEST_KEY holds no API key" in capsys.readouterr().err


def test_a_suite_over_its_budget_is_refused_before_any_call(tmp_path, sandbox, api_key, monkeypatch, capsys):
    path = good_suite(tmp_path)
    sandbox.control.reset_stats()
    assert run_cli(tmp_path, sandbox, api_key, monkeypatch, str(path), "--max-credits", "3") == 2
    err = capsys.readouterr().err
    assert "error: the suite may cost up to" in err and "more than --max-credits 3" in err
    assert "chat" not in sandbox.control.stats()["endpoints"]


def test_the_budget_stops_a_run_whose_replies_cost_more_than_estimated(tmp_path, sandbox, api_key, monkeypatch, capsys):
    # The estimate counts per-call prices only; a long reply's tokens can cost more. The limit
    # holds anyway: no call starts that could take the run's spend past it.
    monkeypatch.setattr(cli, "estimate_credits", lambda *args: 0.0)
    path, junit = good_suite(tmp_path), tmp_path / "r.xml"
    before = sandbox.control.key_info(api_key)["credits"]
    code = run_cli(tmp_path, sandbox, api_key, monkeypatch, str(path), "--max-credits", "4", "--junit", str(junit))
    captured = capsys.readouterr()
    assert (
        code == 2
        and "error: stopped at the budget: the next call would take the run past --max-credits 4" in captured.err
    )
    finished = int(captured.out.split(": ")[1].split(" cells")[0])
    assert 0 < finished < 8 and f"{finished} of 8 cells finished" in captured.err
    assert sum(int(s.get("tests")) for s in ET.parse(junit).getroot()) == finished  # what finished is written
    assert before - sandbox.control.key_info(api_key)["credits"] <= 4


@pytest.mark.parametrize("value", ["0", "-1", "lots", "inf"])
def test_a_bad_budget_is_refused(tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["run", str(good_suite(tmp_path)), "--sandbox", "--max-credits", value])
    assert exited.value.code == 2 and "is not a number of credits above 0" in capsys.readouterr().err


def test_the_command_runs_as_a_module_with_help_and_exit_codes(tmp_path):
    helped = subprocess.run(
        [sys.executable, "-m", "lib.workbench", "run", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and "--junit FILE" in helped.stdout and "Exit 0" in helped.stdout
    path = good_suite(tmp_path, check="tides")
    done = subprocess.run(
        [sys.executable, "-m", "lib.workbench", "run", str(path), "--sandbox", "--junit", str(tmp_path / "j.xml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "FAIL case 2" in done.stdout and "Traceback" not in done.stderr
    assert "[#" not in done.stderr  # no progress bar when stderr is not a terminal
    missing = subprocess.run(
        [sys.executable, "-m", "lib.workbench", "run", str(tmp_path / "none.toml"), "--sandbox"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "cannot read the suite" in missing.stderr


def test_a_run_downloaded_as_a_suite_reads_back_the_same():
    params = chat.default_settings()["params"]
    params["temperature"] = {"on": True, "value": 0.3}
    params["stop"] = {"on": True, "value": "END\nSTOP"}
    spec = RunSpec(
        "Sys {{a}}",
        "User {{b}}",
        ["m1", "m2"],
        params,
        [
            Check("contains", "{{a}}"),
            Check("judge", rubric="Kind? {{output}}", model="j", threshold=0.6, must=False),
            Check("json_schema", '{"type": "object"}'),
            Check("max_credits", "2"),
        ],
        repeat=3,
        reasoning="low",
        response_format={"type": "json_object"},
        extra={"top_k": 5},
    )
    cases = [{"a": "1", "b": "2"}, {"a": "x", "b": "y"}]
    text = suite.dump(spec, cases, "mine")
    again, again_cases, name = suite.parse(text.encode(), "mine.toml")
    assert name == "mine" and again_cases == cases
    assert again.request_params() == spec.request_params() and again.checks == spec.checks
    assert (again.system, again.user, again.models, again.repeat) == (spec.system, spec.user, spec.models, 3)
    assert workbench.plan(again, cases)[0].key == workbench.plan(spec, cases)[0].key
