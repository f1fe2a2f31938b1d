"""A saved Workbench run, reopened, shows its own cases and settings, not the draft's (issue 22)."""

from __future__ import annotations

from lib.ui.state.workbench import SUITE_FILE, WorkbenchState
from tests.app.helpers import state_of, texts
from tests.app.test_workbench import PAGE, by_label, paste, pasted_cases, run, table_with
from tests.fixtures.app import make_app


def test_a_reopened_run_shows_its_own_cases_and_settings(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(3))
    run(at)
    by_label(at.text_area, "User message template").set_value("Describe {{city}} in one line.").run()
    paste(at, "city\nLisbon\nOsaka")  # a second run, with other variables and cases
    assert table_with(at, "city")["city"].tolist() == ["Lisbon", "Osaka"]
    run(at)

    by_label(at.selectbox, "Saved runs").set_value(1).run()
    assert not at.exception
    assert (
        by_label(at.text_area, "User message template").value == "Write one sentence about {{topic}} for {{audience}}."
    )
    cases = table_with(at, "topic")
    assert cases["topic"].tolist() == ["tides 0", "python code 1", "rain 2"]
    assert cases["audience"].tolist() == ["readers 0", "readers 1", "readers 2"]


SUITE = b"""
models = ["gpt-4o-mini"]
[prompt]
user = "Name a dish from {{city}}."
[[cases]]
city = "Lisbon"
[[cases]]
city = "Osaka"
[[checks]]
kind = "contains"
value = "dish"
"""


def test_a_suite_file_opened_fills_the_editors_and_a_refused_one_changes_nothing(app_secrets):
    at = make_app(app_secrets, PAGE)
    wb = state_of(at, WorkbenchState)
    at.file_uploader(key=SUITE_FILE(wb.suite_version).key).set_value(("bad.toml", b"models = [", "text/plain")).run()
    assert "suite" in texts(at).lower() and at.error, "refused, and said why"
    assert by_label(at.text_area, "User message template").value != "Name a dish from {{city}}."

    at.file_uploader(key=SUITE_FILE(wb.suite_version).key).set_value(("dishes.toml", SUITE, "text/plain")).run()
    assert not at.exception and not at.error
    assert by_label(at.text_area, "User message template").value == "Name a dish from {{city}}."
    assert table_with(at, "city")["city"].tolist() == ["Lisbon", "Osaka"]
