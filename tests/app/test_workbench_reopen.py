"""A saved Workbench run, reopened, shows its own cases and settings, not the draft's (issue 22)."""

from __future__ import annotations

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
