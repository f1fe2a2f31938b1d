"""The Workbench in real Chromium against `streamlit run` and the sandbox (user bob): paste 20 cases,
run them on 2 models while they fill in, checks, exports, edit and re-run, compare, a CSV with a
bad row, injected 429/500 faults, Stop, and both languages at desktop and phone sizes."""

from __future__ import annotations

import csv
import io
import json
import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, open_expander, screenshot, wait_for_app

USER = "bob"
TOPICS = ["tides", "python code", "rain", "sql function", "volcanoes"]
DESKTOP, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}


def open_workbench(page: Page, app_url: str, user: str = USER) -> None:
    page.set_viewport_size(DESKTOP)
    login(page, app_url, user)
    page.goto(f"{app_url}/workbench")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Workbench")).to_be_visible()


def paste_cases(page: Page, text: str) -> None:
    page.get_by_role("tab", name="Paste").click()
    page.get_by_role("textbox", name="Cells copied from a spreadsheet, or CSV").fill(text)
    page.get_by_role("button", name="Use these rows").click()
    wait_for_app(page)


def add_model(page: Page, name: str) -> None:
    page.get_by_test_id("stMultiSelect").get_by_role("combobox").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)


def add_check(page: Page, value: str) -> None:
    """Add a row and type into it once it shows (typing earlier would land in the row before)."""
    values = page.get_by_label("Text or pattern")
    rows = values.count()
    page.get_by_role("button", name="Add a check").click()
    expect(values).to_have_count(rows + 1)
    values.nth(rows).fill(value)
    values.nth(rows).press("Enter")
    wait_for_app(page)


def set_template(page: Page, text: str) -> None:
    template = page.get_by_role("textbox", name="User message template")
    template.fill(text)
    template.press("Control+Enter")  # a text area sends its value on Ctrl+Enter or on blur
    wait_for_app(page)


def run_and_wait(page: Page, version: int = 1) -> None:
    """Run, and wait for the results of the new run (the prompt's `version`)."""
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile(rf"Run #\d+ · prompt v{version}"))).to_be_visible(timeout=90_000)
    expect(page.get_by_text("finished", exact=True)).to_be_visible(timeout=90_000)  # it ran in the background
    wait_for_app(page)


def twenty_cases() -> str:
    return "topic\taudience\n" + "\n".join(f"{TOPICS[i % 5]} {i}\treaders {i}" for i in range(20))


def download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        # By its exact name: the Tools popover has a "Download openai-tools JSON" button too.
        page.get_by_test_id("stDownloadButton").get_by_role("button", name=name, exact=True).click()
    return open(info.value.path(), "rb").read()


def switch_language(page: Page, label: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).click()
    wait_for_app(page)


def both_sizes(page: Page, name: str) -> None:
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    wait_for_app(page)


def test_paste_run_two_models_export_rerun_compare(page: Page, app_url, sandbox_speed):
    open_workbench(page, app_url)
    paste_cases(page, twenty_cases())
    expect(page.get_by_text("Loaded 20 test cases into the table.")).to_be_visible()
    add_model(page, "gpt-4o")
    open_expander(page, "Checks on every reply")
    add_check(page, "{{topic}}")
    add_check(page, "```python")
    expect(
        page.get_by_text("Estimated cost: at most 40 credits (cases × models × repeats: 20 × 2 × 1; judged checks: 0)")
    ).to_be_visible()

    sandbox_speed(token_rate=60)  # about a second a reply: the grid visibly fills in
    page.get_by_role("button", name="Run", exact=True).click()
    progress = page.get_by_text(re.compile(r"\d+ of 40 cells finished"))
    expect(progress).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"tokens: \d+ · credits: 1")).first).to_be_visible(timeout=30_000)
    assert "40 of 40" not in progress.inner_text(), "cells appear while others still run"
    screenshot(page, "workbench-running")
    expect(page.get_by_text(re.compile(r"Run #\d+ · prompt v1"))).to_be_visible(timeout=90_000)
    # The heading shows while the run goes on: 40 paced cells take a while longer under load.
    expect(page.get_by_text("finished", exact=True)).to_be_visible(timeout=90_000)
    wait_for_app(page)
    sandbox_speed(token_rate=0)
    expect(page.get_by_text("contains ```python").first).to_be_visible()
    expect(page.get_by_text("contains {{topic}}").first).to_be_visible()
    rows = list(csv.DictReader(io.StringIO(download(page, "CSV").decode())))
    assert len(rows) == 40 and {r["model"] for r in rows} == {"gpt-4o-mini", "gpt-4o"}
    assert {r["contains: ```python"] for r in rows} == {"pass", "fail"}
    assert len(json.loads(download(page, "JSON"))["results"]) == 40
    both_sizes(page, "workbench-results")

    set_template(page, "Explain {{topic}} to {{audience}} in python code.")
    run_and_wait(page, version=2)
    page.get_by_role("tab", name="Compare runs").click()
    expect(page.get_by_text("40 outputs changed between the two runs.")).to_be_visible()
    changed = page.get_by_test_id("stExpander").filter(has_text="Case 1 · gpt-4o-mini: changed")
    changed.get_by_text("Case 1 · gpt-4o-mini: changed").click()
    expect(changed.get_by_test_id("stCode")).to_contain_text("+Here is some code:")
    both_sizes(page, "workbench-compare")

    switch_language(page, "简体中文")
    try:
        page.get_by_role("tab", name="结果").click()
        expect(page.get_by_text("已完成", exact=True)).to_be_visible()
        both_sizes(page, "workbench-results-zh")
    finally:
        switch_language(page, "English")


def test_bad_csv_row_then_faults_are_retried_per_cell(page: Page, app_url, sandbox, tmp_path):
    open_workbench(page, app_url)
    page.get_by_role("tab", name="CSV / JSONL file").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("topic,audience\nrain,kids\nsnow, ice,adults\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
    expect(page.get_by_text("Line 3 has 3 cells but the header has 2.")).to_be_visible()
    expect(
        page.get_by_text("Estimated cost: at most 2 credits (cases × models × repeats: 2 × 1 × 1; judged checks: 0)")
    ).to_be_visible()

    good = tmp_path / "good.csv"
    good.write_text("topic,audience\ntides,kids\nrain [500],kids\nsnow,kids\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(good))
    expect(page.get_by_text("Loaded 3 test cases into the table.")).to_be_visible()
    sandbox.control.queue_fault("chat", "429", 1)
    sandbox.control.queue_fault("chat", "500", 1)
    run_and_wait(page)
    expect(page.get_by_text("Failed: server error (5xx) (after 3 attempts). The other cells went on.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"after (1 retry|2 retries)")).first).to_be_visible()
    screenshot(page, "workbench-faults")


def test_stop_keeps_the_cells_that_finished(page: Page, app_url, sandbox_speed):
    open_workbench(page, app_url)
    paste_cases(page, twenty_cases())
    page.get_by_role("spinbutton", name="At once").fill("1")
    page.get_by_role("spinbutton", name="At once").press("Enter")
    wait_for_app(page)
    sandbox_speed(token_rate=40)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile(r"tokens: \d+ · credits: 1")).first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("stopped: the cells that finished are kept")).to_be_visible(timeout=30_000)
    sandbox_speed(token_rate=0)
    expect(page.get_by_text("Not run (the run was stopped first).").first).to_be_visible()
    assert page.get_by_text(re.compile(r"tokens: \d+ · credits: 1")).count() >= 1
