"""A Workbench run on the admin's preset key stops as a whole at the user's quota, in Chromium
against `streamlit run`: the cells that finished are kept, the rest are not sent, and the page
says so, in English and Chinese at 1400x900 and 390x844 (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.store import Store
from tests.e2e.helpers import screenshot, switch_language, switch_language_on_phone, wait_for_app
from tests.e2e.test_workbench import DESKTOP, PHONE, USER, open_workbench, paste_cases
from tests.fixtures.app import start_app_server, stop_app_server, write_login_app

CASES = "topic\taudience\n" + "\n".join(f"topic {i}\treaders {i}" for i in range(5))


@pytest.fixture(scope="module")
def preset_app(tmp_path_factory, sandbox) -> tuple[str, Path]:
    """The app with the admin's preset key, its own store, and a daily quota of 3 credits for bob."""
    folder = tmp_path_factory.mktemp("workbench-quota")
    write_login_app(folder, sandbox, f"sqlite:///{folder / 'store.db'}")
    key = sandbox.control.add_key(credits=1_000)
    with open(folder / "secrets.toml", "a") as secrets:
        secrets.write(f'[api]\nbase_url = "{sandbox.base_url}"\napi_key = "{key}"\n')
    store = Store(f"sqlite:///{folder / 'store.db'}")
    store.admin_set_quota(USER, 3, 0)
    store.dispose()
    url, process = start_app_server(folder, "server.log")
    yield url, folder / "store.db"
    stop_app_server(process)


def test_a_run_stops_as_a_whole_at_the_quota_and_keeps_what_finished(page: Page, preset_app):
    url, database = preset_app
    open_workbench(page, url)  # the preset connection is the first one
    expect(page.get_by_text("3 of 3 credits left today")).to_be_visible()
    paste_cases(page, CASES)
    page.get_by_role("spinbutton", name="At once").fill("1")  # one at a time: exactly three fit
    page.get_by_role("spinbutton", name="At once").press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Run", exact=True).click()
    note = page.get_by_text("This run stopped as a whole when your admin's quota on the preset connection was reached")
    expect(note).to_be_visible(timeout=90_000)
    expect(page.get_by_text("3 of 5 cells finished and are kept")).to_be_visible()
    expect(page.get_by_text("stopped at your quota: the cells that finished are kept")).to_be_visible()
    expect(page.get_by_role("button", name="Resume the unfinished cells")).to_be_visible()
    expect(page.get_by_text("Not run (the run was stopped first).")).to_have_count(2)
    calls = Store(f"sqlite:///{database}").usage_ledger(USER).calls()
    chat = calls[calls["endpoint"] == "chat"]
    assert (chat["credits"] > 0).sum() == 3 and set(chat["source"]) == {"workbench"}
    assert (chat["error_kind"] == "quota_exceeded").sum() == 1, "a cell after the refusal was still tried"
    screenshot(page, "workbench-quota-en-1400")
    page.set_viewport_size(PHONE)
    wait_for_app(page)
    screenshot(page, "workbench-quota-en-390")
    switch_language_on_phone(page, "简体中文")
    expect(page.get_by_text("此次运行已整体停止", exact=False)).to_be_visible()
    screenshot(page, "workbench-quota-zh-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("stExpandSidebarButton").click()
    wait_for_app(page)
    screenshot(page, "workbench-quota-zh-1400")
    switch_language(page, "English")
