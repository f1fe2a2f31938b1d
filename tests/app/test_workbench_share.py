"""A Workbench run shared under AppTest: the Share button beside the exports makes a link that
opens the run read-only and signed out (prompt, totals, cells; no key, no thumbs to click); it
presents as the totals then the failing cases; the Compare tab shares two runs compared."""

from __future__ import annotations

import re

from lib.sharing import shares
from tests.app.helpers import store_of, texts
from tests.app.test_shares import open_link
from tests.app.test_workbench import PAGE, by_label, paste, pasted_cases, run, table_with, with_checks
from tests.fixtures.app import make_app


def made_link(at, key: str) -> str:
    at.button(key=key).click().run()
    at.button(key=f"{key}_create").click().run()
    link = next(c.value for c in at.code if "share=" in c.value)
    return re.search(r"share=([A-Za-z0-9_-]+)$", link).group(1)


def test_a_shared_run_opens_read_only_signed_out_and_presents(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(3))
    with_checks(at, [("contains", "python")])
    run(at)
    [run_id] = [r["id"] for r in store_of(app_secrets).list_workbench_runs("local")]
    token = made_link(at, "wb_share_run")
    [share] = store_of(app_secrets).list_shares("local")
    assert share.kind == shares.WORKBENCH_RUN and share.title == "Write one sentence about {{topic}} for {{audience}}."

    viewer = open_link(app_secrets, token)
    assert not viewer.exception
    text = texts(viewer)
    assert "Workbench run" in text and "Models: gpt-4o-mini · repeats: 1 · checks: 1" in text
    assert any(c.value == "Write one sentence about {{topic}} for {{audience}}." for c in viewer.code)
    assert list(table_with(viewer, "interval")["pass_rate"]) == ["33%"]  # "python code 1" alone passes
    assert "**#2** topic: python code 1 · audience: readers 1" in text
    assert not viewer.get("feedback") and app_secrets["sandbox"]["api_key"] not in text
    assert len(viewer.sidebar.children) == 0
    assert store_of(app_secrets).get_workbench_run("local", run_id) is not None

    viewer.button(key="share_present").click().run()
    assert viewer.query_params["present"] == "1"
    slide = texts(viewer)
    assert "Totals per model" in slide and "Pass rate **33%**" in slide and "1 / 3" in slide
    viewer.button(key="present_next").click().run()
    assert "**#1** topic: tides 0" in texts(viewer) and "contains\\: python" in texts(viewer)


def test_two_runs_compared_are_shared_from_the_compare_tab_and_present(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(2))
    with_checks(at, [("contains", "python")])
    run(at)
    by_label(at.text_area, "User message template").set_value("Write one line about {{topic}} for {{audience}}.")
    run(at)
    token = made_link(at, "wb_share_comparison")
    viewer = open_link(app_secrets, token)
    assert not viewer.exception
    assert "Workbench runs compared" in texts(viewer) and "2 outputs changed between the two runs." in texts(viewer)
    assert {c.value for c in viewer.code} >= {
        "Write one sentence about {{topic}} for {{audience}}.",
        "Write one line about {{topic}} for {{audience}}.",
    }
    assert "credits_delta" in table_with(viewer, "credits_delta").columns

    viewer.button(key="share_present").click().run()
    slide = texts(viewer)
    assert not viewer.exception and "Run #1 (prompt v1) against Run #2 (prompt v2): totals per model" in slide
    assert "Pass rate moved **+0** points" in slide and "1 / 2" in slide
    viewer.button(key="present_next").click().run()
    slide = texts(viewer)  # "tides 0" has no "python" in either run
    assert "**#1** topic: tides 0" in slide and "Still failing" in slide and "contains\\: python" in slide


def test_chinese_viewer(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(1))
    run(at)
    token = made_link(at, "wb_share_run")
    viewer = open_link(app_secrets, token)
    viewer.segmented_control(key="share_lang").set_value("zh").run()
    assert not viewer.exception and "工作台运行" in texts(viewer) and "模型：gpt-4o-mini" in texts(viewer)
