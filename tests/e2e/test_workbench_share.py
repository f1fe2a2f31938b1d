"""A Workbench run in real Chromium (user alice, whose runs no other browser test makes): the tab
that started it closes mid-run and a new tab finds it finished (every cell stored); the "Which
model" tab; the run's share link opened signed out on a phone and a desktop, in English and
Chinese, and presented as slides; two runs compared, shared from the Compare tab and presented
signed out; a server stopped mid-run and started again resumes the run's unfinished cells by
itself at once. Screenshots at 1400x900 and 390x844."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from lib.store import Store
from tests.e2e.helpers import login, open_expander, screenshot, switch_language, wait_for_app, wait_until
from tests.e2e.test_shares import open_signed_out
from tests.e2e.test_workbench import DESKTOP, PHONE, add_check, add_model, paste_cases, set_template
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app

USER = "alice"
SHARE_DIALOG = "Share a read-only link"
CASES = "topic\taudience\ntides\tkids\nrain\tadults\nsnow\tkids\n"
EIGHT_CASES = "topic\taudience\n" + "".join(f"topic {i}\tkids\n" for i in range(8))


def open_workbench(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/workbench")
    wait_for_app(page)
    # A server's first page imports the app (seconds on a loaded machine).
    expect(page.get_by_role("heading", name="Workbench")).to_be_visible(timeout=30_000)


def share_link(page: Page) -> str:
    """The link the shown tab's Share button makes (its dialog stays open)."""
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name=SHARE_DIALOG)
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.get_by_test_id("stCode")
    expect(link).to_contain_text("share=", timeout=15_000)
    return link.inner_text().strip()


def test_a_run_outlives_its_tab_then_is_shared_to_a_phone_and_presented(
    page: Page, context: BrowserContext, browser: Browser, app_url, e2e_dir, sandbox_speed
):
    page.set_viewport_size(DESKTOP)
    login(page, app_url, USER)
    open_workbench(page, app_url)
    paste_cases(page, CASES)
    add_model(page, "gpt-4o")
    open_expander(page, "Checks on every reply")
    add_check(page, "tides")
    # Slow replies (the sandbox reads its rate per token): the tab closes and another opens while
    # cells are still coming, however slow the machine; the rest then comes at once.
    sandbox_speed(token_rate=2)
    store = Store(f"sqlite:///{e2e_dir / 'store.db'}")
    try:
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text(re.compile(r"[0-5] of 6 cells finished"))).to_be_visible(timeout=30_000)
        [run] = [r for r in store.list_workbench_runs(USER) if r["status"] == "running"]
        page.close()  # the tab that started the run is gone; the run is not

        tab = context.new_page()
        tab.set_viewport_size(DESKTOP)
        open_workbench(tab, app_url)
        assert store.get_workbench_run(USER, run["id"])["status"] == "running", "still going when reopened"
        expect(tab.get_by_text(re.compile(rf"#{run['id']} \w+: \d/6 cells"))).to_be_visible()  # its progress
        tab.get_by_test_id("stSelectbox").filter(has_text="Saved runs").get_by_role("combobox").click()
        tab.get_by_role("option", name=re.compile(rf"^#{run['id']} · v1 ")).click()
        sandbox_speed(token_rate=0)
        expect(tab.get_by_text("finished", exact=True)).to_be_visible(timeout=90_000)
        saved = store.get_workbench_run(USER, run["id"])
        assert saved["status"] == "done" and len(saved["results"]) == 6
    finally:
        store.dispose()
        sandbox_speed(token_rate=0)
    wait_for_app(tab)
    expect(tab.get_by_text(re.compile(r"tokens: \d+ · credits: 1")).first).to_be_visible()

    tab.get_by_role("tab", name="Which model").click()
    expect(tab.get_by_text(re.compile(r"Cheapest within 5 points of the best: .*gpt-4o"))).to_be_visible()
    expect(tab.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    screenshot(tab, "workbench-which-model-desktop")
    tab.set_viewport_size(PHONE)
    wait_for_app(tab)
    screenshot(tab, "workbench-which-model-phone")
    tab.set_viewport_size(DESKTOP)
    wait_for_app(tab)

    tab.get_by_role("tab", name="Results").click()
    link = share_link(tab)

    phone = open_signed_out(browser, link, PHONE)
    expect(phone.get_by_text("Workbench run", exact=False).first).to_be_visible()
    expect(phone.get_by_text("Models: gpt-4o-mini, gpt-4o · repeats: 1 · checks: 1")).to_be_visible()
    expect(phone.get_by_text(re.compile(r"#2 topic: rain")).first).to_be_visible()
    expect(phone.get_by_role("textbox", name="Username")).to_have_count(0)
    expect(phone.get_by_test_id("stSidebar")).to_have_count(0)
    assert "sk-" not in phone.locator("body").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    screenshot(phone, "workbench-share-phone")
    phone.get_by_role("button", name="Present").click()
    expect(phone.get_by_text(re.compile(r"Totals per model"))).to_be_visible()
    screenshot(phone, "workbench-share-slides-phone")

    desktop = open_signed_out(browser, link, DESKTOP)
    expect(desktop.get_by_text("Models: gpt-4o-mini, gpt-4o · repeats: 1 · checks: 1")).to_be_visible()
    screenshot(desktop, "workbench-share-desktop")
    desktop.get_by_role("button", name="Present").click()
    expect(desktop.get_by_text(re.compile(r"Pass rate 33%")).first).to_be_visible()
    screenshot(desktop, "workbench-share-slides-desktop")
    desktop.keyboard.press("ArrowRight")
    expect(desktop.get_by_text("#2 topic: rain · audience: adults")).to_be_visible()
    screenshot(desktop, "workbench-share-slide-failing-desktop")

    chinese = open_signed_out(browser, link, PHONE, locale="zh-CN")
    expect(chinese.get_by_text("模型：gpt-4o-mini, gpt-4o · 重复：1 次 · 检查：1 项")).to_be_visible()
    screenshot(chinese, "workbench-share-phone-zh")
    chinese_desktop = open_signed_out(browser, link, DESKTOP, locale="zh-CN")
    expect(chinese_desktop.get_by_text("模型：gpt-4o-mini, gpt-4o · 重复：1 次 · 检查：1 项")).to_be_visible()
    screenshot(chinese_desktop, "workbench-share-desktop-zh")
    chinese_desktop.get_by_role("button", name="演示").click()
    expect(chinese_desktop.get_by_text(re.compile("各模型汇总"))).to_be_visible()
    screenshot(chinese_desktop, "workbench-share-slides-desktop-zh")

    tab.keyboard.press("Escape")  # the Share dialog
    expect(tab.get_by_role("dialog", name=SHARE_DIALOG)).to_have_count(0)
    switch_language(tab, "简体中文")
    tab.get_by_role("tab", name="选哪个模型").click()
    expect(tab.get_by_text(re.compile(r"与最佳相差 5 个百分点以内最便宜的是"))).to_be_visible()
    screenshot(tab, "workbench-which-model-desktop-zh")
    tab.set_viewport_size(PHONE)
    wait_for_app(tab)
    screenshot(tab, "workbench-which-model-phone-zh")
    tab.set_viewport_size(DESKTOP)
    switch_language(tab, "English")


def test_two_runs_compared_are_shared_to_a_phone_and_presented(page: Page, browser: Browser, app_url):
    page.set_viewport_size(DESKTOP)
    login(page, app_url, USER)
    open_workbench(page, app_url)
    paste_cases(page, CASES)
    open_expander(page, "Checks on every reply")
    add_check(page, "tides")
    set_template(page, "Write one sentence about {{topic}} for {{audience}}.")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text("finished", exact=True)).to_be_visible(timeout=90_000)
    wait_for_app(page)
    before = page.get_by_text(re.compile(r"Run #\d+ · prompt v\d+")).inner_text()
    set_template(page, "Write one sentence about {{topic}} and the tides for {{audience}}.")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile(r"Run #\d+ · prompt v\d+")).filter(has_not_text=before)).to_be_visible(
        timeout=90_000
    )
    expect(page.get_by_text("finished", exact=True)).to_be_visible(timeout=90_000)
    wait_for_app(page)
    page.get_by_role("tab", name="Compare runs").click()
    expect(page.get_by_text("3 outputs changed between the two runs.")).to_be_visible()
    switch_language(page, "简体中文")
    page.get_by_role("tab", name="对比运行").click()
    # The runs to compare with are named in Chinese (the browser kept a box's old labels).
    expect(page.get_by_role("combobox", name=re.compile("对比对象"))).to_have_value(re.compile("已完成"))
    switch_language(page, "English")
    page.get_by_role("tab", name="Compare runs").click()
    expect(page.get_by_text("3 outputs changed between the two runs.")).to_be_visible()
    link = share_link(page)

    phone = open_signed_out(browser, link, PHONE)
    expect(phone.get_by_text("Workbench runs compared", exact=False).first).to_be_visible()
    expect(phone.get_by_role("textbox", name="Username")).to_have_count(0)
    phone.get_by_role("button", name="Present").click()
    expect(
        phone.get_by_text(re.compile(r"Run #\d+ \(prompt v\d\) against Run #\d+ \(prompt v\d\): totals per model"))
    ).to_be_visible()
    expect(phone.get_by_text(re.compile(r"Pass rate moved \+67 points"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    expect(phone.get_by_test_id("stSidebar")).to_have_count(0)
    screenshot(phone, "workbench-compare-slides-phone")
    phone.keyboard.press("ArrowRight")
    expect(phone.get_by_text("#2 topic: rain · audience: adults")).to_be_visible()
    expect(phone.get_by_text("Got better")).to_be_visible()
    screenshot(phone, "workbench-compare-slide-case-phone")

    desktop = open_signed_out(browser, link, DESKTOP, locale="zh-CN")
    desktop.get_by_role("button", name="演示").click()
    expect(desktop.get_by_text(re.compile("各模型汇总"))).to_be_visible()
    screenshot(desktop, "workbench-compare-slides-desktop-zh")
    desktop.keyboard.press("ArrowRight")
    expect(desktop.get_by_text("变好了")).to_be_visible()
    screenshot(desktop, "workbench-compare-slide-case-desktop-zh")


def test_a_run_cut_by_a_restart_goes_on_by_itself(page: Page, sandbox, sandbox_speed, tmp_path):
    """The server is stopped mid-run (SIGTERM, as a deploy does) and started again: it gave the
    run's lease up, so the new server resumes it at once, while no one opens the Workbench,
    without sending a finished cell again. (A crash's lease running out is tested in
    tests/unit/test_workbench_background.py with a short lease.)"""
    folder = write_login_app(tmp_path, sandbox, f"sqlite:///{tmp_path / 'store.db'}")
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    url, server = start_app_server(folder, "server.log")
    sandbox_speed(token_rate=20)  # a few seconds a reply, one cell at a time
    try:
        page.set_viewport_size(DESKTOP)
        login(page, url, USER)
        open_workbench(page, url)
        paste_cases(page, EIGHT_CASES)
        at_once = page.get_by_role("spinbutton", name="At once")
        at_once.fill("1")
        at_once.press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.get_by_text("1 of 8 cells finished")).to_be_visible(timeout=30_000)
        [run] = store.list_workbench_runs(USER)
        stop_app_server(server)  # the run goes on while the server shuts down (seconds), then is saved
    finally:
        if server.poll() is None:
            server.kill()
        sandbox_speed(token_rate=0)
    kept = store.get_workbench_run(USER, run["id"])
    assert kept["status"] == "running" and 1 <= len(kept["results"]) < 8
    assert kept["updated_at"].year == 2000, "the lease was given up"
    assert "run(s) left for the next process to resume: #" in (folder / "server.log").read_text()

    url, server = start_app_server(folder, "server-after.log")
    try:
        page.goto(url)  # the Chat page: the login cookie outlives the server (cookies ignore the port)
        wait_for_app(page)
        wait_until(lambda: store.get_workbench_run(USER, run["id"])["status"] != "running", 60, "the run's end")
        open_workbench(page, url)
        page.get_by_test_id("stSelectbox").filter(has_text="Saved runs").get_by_role("combobox").click()
        page.get_by_role("option", name=re.compile(rf"^#{run['id']} · v1 ")).click()
        expect(page.get_by_text("finished", exact=True)).to_be_visible()
        done = store.get_workbench_run(USER, run["id"])
        assert done["status"] == "done"
        assert sorted(c["case"] for c in done["results"]) == list(range(8))
        assert done["results"][: len(kept["results"])] == kept["results"], "finished cells were not sent again"
    finally:
        stop_app_server(server)
        store.dispose()
