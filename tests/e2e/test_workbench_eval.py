"""The Workbench as an evaluation tool in real Chromium (user bob): a judged check with repeats
on two models shows scores, reasons, the 95% interval and consistency; each cell offers thumbs and a note; the
run is downloaded as a suite that the command line runs against the sandbox with JUnit output;
both languages at desktop and phone sizes (screenshots)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.helpers import choose, open_expander, screenshot, wait_for_app
from tests.e2e.test_workbench import (
    DESKTOP,
    PHONE,
    add_model,
    open_workbench,
    paste_cases,
    run_and_wait,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = "topic\taudience\ntides\tkids\nrain\tadults\nsnow\tkids\n"


def add_judge(page: Page) -> None:
    kinds = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Check", exact=True))
    rows = kinds.count()
    page.get_by_role("button", name="Add a check").click()
    expect(kinds).to_have_count(rows + 1)
    wait_for_app(page)
    choose(page, kinds.last, "judged by a model")
    rubric = page.get_by_role("textbox", name="Rubric")
    expect(rubric).to_be_visible()
    rubric.fill("Would {{audience}} understand this? {{output}}")
    rubric.press("Control+Enter")
    wait_for_app(page)


def test_judged_repeats_ratings_and_the_suite_in_ci(page: Page, app_url, tmp_path):
    open_workbench(page, app_url)
    paste_cases(page, CASES)
    add_model(page, "gpt-4o")
    repeats = page.get_by_role("spinbutton", name="Repeats")
    repeats.fill("3")
    repeats.press("Enter")
    wait_for_app(page)
    open_expander(page, "Checks on every reply")
    add_judge(page)
    # The run the rubric's Ctrl+Enter starts may begin after wait_for_app has looked: wait for
    # what it draws as long as for any run.
    expect(page.get_by_text("cases × models × repeats: 3 × 2 × 3; judged checks: 1")).to_be_visible(timeout=30_000)
    run_and_wait(page)

    expect(page.get_by_text(re.compile(r"judged by a model · 0\.\d+")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d of 3 repeats passed")).first).to_be_visible()
    screenshot(page, "workbench-eval-desktop")
    expect(page.get_by_role("button", name="Add a note").first).to_be_visible()  # ratings: AppTest saves them

    suite = tmp_path / "suite.toml"
    wait_for_app(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as suite").first.click()
    suite.write_bytes(Path(info.value.path()).read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "lib.workbench", "run", str(suite), "--sandbox", "--junit", str(tmp_path / "junit.xml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The sandbox judges deterministically: the command gets the page's verdicts, and a failed
    # must-check is exit 1 with the failures in the JUnit XML.
    assert done.returncode == 1 and "FAIL case" in done.stdout, done.stdout + done.stderr
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert [s.get("tests") for s in suites] == ["9", "9"]
    # The page's judge (its default, gpt-4o-mini at 0.7) scores the sandbox's replies the same
    # way every time: 3 of 9 pass on gpt-4o-mini, none on gpt-4o (the page's 33% and 0%).
    assert [s.get("failures") for s in suites] == ["6", "9"]

    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-eval-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stSidebar").get_by_text("简体中文", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"3 次中 \d 次")).first).to_be_visible()
    screenshot(page, "workbench-eval-zh-desktop")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-eval-zh-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app(page)
