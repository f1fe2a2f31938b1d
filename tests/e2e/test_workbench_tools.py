"""The Workbench with tools in real Chromium against `streamlit run` and the sandbox (user dave,
the function-calling tests' own): the weather and calculator example tools and their mocks, ten cities, the checks
"calls the tool" and "arguments of the tool match", each cell's calls and verdicts; a failing
check named in its cell; both languages at desktop and phone sizes."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import choose, open_expander, screenshot, wait_for_app, wait_until
from tests.e2e.test_workbench import (
    DESKTOP,
    PHONE,
    both_sizes,
    open_workbench,
    paste_cases,
    run_and_wait,
    set_template,
    switch_language,
)

USER = "dave"
CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Perth", "Riga"]


def tool_boxes(page: Page):
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Tool", exact=True))


def type_tool(page: Page, name: str) -> None:
    """The last check's tool, chosen in its box."""
    choose(page, tool_boxes(page).last, name)


def add_tool_check(page: Page, kind: str, tool: str) -> None:
    kinds = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Check", exact=True))
    rows, tools = kinds.count(), tool_boxes(page).count()
    page.get_by_role("button", name="Add a check").click()
    expect(kinds).to_have_count(rows + 1)
    wait_for_app(page)
    choose(page, kinds.last, kind)
    expect(tool_boxes(page)).to_have_count(tools + 1)  # the row is drawn again with its tool box
    type_tool(page, tool)


def test_ten_cities_each_call_the_weather_tool_checked_in_both_languages(page: Page, app_url):
    open_workbench(page, app_url, USER)
    set_template(page, "What is the weather in {{city}}?")
    paste_cases(page, "city\n" + "\n".join(CITIES))
    open_expander(page, "Tools and mock results")
    add = page.get_by_role("button", name="Add example")
    expect(add).to_be_visible()
    add.click()
    wait_for_app(page)
    expect(page.locator("input[value='get_weather']")).to_have_count(1)
    wait_for_app(page)
    example = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Example", exact=True))
    choose(page, example, "Calculator")
    add.click()
    expect(page.locator("input[value='calculator']")).to_have_count(1)
    wait_for_app(page)
    expect(page.get_by_text("Tools and mock results (2 tools)")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Steps per cell")).to_have_value("5")
    open_expander(page, "Checks on every reply")
    add_tool_check(page, "calls the tool", "get_weather")
    add_tool_check(page, "arguments of the tool match", "get_weather")
    arguments = page.get_by_role("textbox", name="Expected arguments (a JSON subset, or a JSON Schema)")
    arguments.fill('{"city": "{{city}}"}')
    arguments.press("Control+Enter")
    wait_for_app(page)
    add_tool_check(page, "calls the tool", "calculator")  # not called: it fails, named in each cell
    expect(page.get_by_text("cases × models × repeats: 10 × 1 × 1")).to_be_visible()
    run_and_wait(page)

    expect(page.get_by_text("1 step called tools:")).to_have_count(10)
    for city in ("Paris", "Riga"):
        expect(page.get_by_text(f'{{"city": "{city}"', exact=False).first).to_be_visible()
    expect(page.get_by_text("calls the tool get_weather")).to_have_count(10)
    expect(page.get_by_text("arguments of the tool match get_weather")).to_have_count(10)
    expect(page.get_by_text("Not called. The model called: get_weather")).to_have_count(10)
    screenshot(page, "workbench-tools-desktop")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-tools-phone")
    page.set_viewport_size(DESKTOP)

    switch_language(page, "简体中文")
    # the whole page runs again in Chinese (ten cells of results: slow on a loaded machine)
    expect(page.get_by_role("heading", name="提示词工作台")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text("工具与模拟结果（2 个工具）")).to_be_visible()
    expect(page.get_by_text("1 步调用了工具：")).to_have_count(10)
    expect(page.get_by_text("未调用。模型调用的是：get_weather")).to_have_count(10)
    screenshot(page, "workbench-tools-zh-desktop")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-tools-zh-phone")
    page.set_viewport_size(DESKTOP)
    switch_language(page, "English")


def test_a_chain_stopped_midway_keeps_its_paid_step_and_a_rerun_goes_on(page: Page, app_url, sandbox, sandbox_speed):
    open_workbench(page, app_url, USER)
    set_template(page, "What is the weather in {{city}}? [tool-loop]")  # a chain that never ends
    paste_cases(page, "city\nOslo")
    open_expander(page, "Tools and mock results")
    page.get_by_role("button", name="Add example").click()
    expect(page.locator("input[value='get_weather']")).to_have_count(1)
    wait_for_app(page)
    sandbox_speed(token_rate=1)  # a step of a few tokens takes seconds: Stop comes during the second
    sandbox.control.reset_stats()
    page.get_by_role("button", name="Run", exact=True).click()
    # The first step paid, the second asked.
    wait_until(lambda: sandbox.control.stats()["endpoints"].get("chat", 0) >= 2, 30, "the chain's second step")
    page.get_by_role("button", name="Stop").click()
    kept = page.get_by_text("Not finished: the run was stopped during this cell.", exact=False)
    expect(kept).to_be_visible(timeout=30_000)
    sandbox_speed(token_rate=0)
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Resuming or re-running goes on after its \d+ paid steps?"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ steps? called tools:"))).to_be_visible()
    both_sizes(page, "workbench-tools-stopped")
    switch_language(page, "简体中文")
    expect(page.get_by_text("未完成：运行在这一格进行中被停止。", exact=False)).to_be_visible(timeout=30_000)
    both_sizes(page, "workbench-tools-stopped-zh")
    switch_language(page, "English")
    run_and_wait(page)
    expect(page.get_by_text(re.compile(r"went on after \d+ steps? paid before"))).to_be_visible()
    expect(page.get_by_text("Stopped at the step limit (5 steps): the model still asked for tools.")).to_be_visible()
    screenshot(page, "workbench-tools-went-on")
