"""The Workbench page under AppTest against the sandbox: paste, run on two models, checks, faults,
saved runs, re-run, comparison, budgets, both languages and each user's own runs."""

from __future__ import annotations

import time

from lib.credits import budget
from lib.store import Store
from lib.ui.state.shell import Identity
from lib.ui.state.workbench import WorkbenchState
from tests.app.helpers import state_of, store_of, texts
from tests.fixtures.app import make_app

PAGE = "app_pages/workbench.py"
TOPICS = ["tides", "python code", "rain", "sql function", "volcanoes"]


def pasted_cases(count: int) -> str:
    rows = [f"{TOPICS[i % len(TOPICS)]} {i}\treaders {i}" for i in range(count)]
    return "topic\taudience\n" + "\n".join(rows)


def shown_run_id(at) -> int | None:
    """The id of the run the page shows under its editors (None: none)."""
    return state_of(at, WorkbenchState).shown


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def paste(at, text: str):
    at.text_area(key="wb_paste").set_value(text)
    return at.button(key="wb_use_pasted").click().run()


def with_checks(at, checks: list[tuple[str, str]]):
    for index, (kind, value) in enumerate(checks):
        at.button(key="wb_add_check").click().run()
        [kind_box for kind_box in at.selectbox if kind_box.label == "Check"][index].set_value(kind).run()
        [text for text in at.text_input if text.label == "Text or pattern"][index].set_value(value).run()
    return at


def run(at):
    """Run, then wait for the run (it goes on in the background) and show the page after it."""
    before = shown_run_id(at)
    at.button(key="wb_run").click().run()
    run_id = shown_run_id(at)
    if run_id is not None and run_id != before:
        wait_for_run(at, run_id, state_of(at, Identity).user)
        at.run()
    return at


def wait_for_run(at, run_id: int, user: str = "local") -> None:
    """Until the run's row says it is no longer running (its background thread saved it)."""
    store, deadline = Store(at.secrets["store"]["url"]), time.monotonic() + 120
    while store.get_workbench_run(user, run_id)["status"] == "running":
        assert time.monotonic() < deadline, f"run {run_id} did not finish"
        time.sleep(0.05)


def table_with(at, column: str):
    """The shown table that has `column` (the data editors are dataframes too)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def error_texts(at) -> str:
    return "\n".join(e.value for e in at.error)


def test_paste_twenty_cases_run_on_two_models_with_checks(app_secrets):
    at = make_app(app_secrets, PAGE)
    assert not at.exception
    paste(at, pasted_cases(20))
    assert "Loaded 20 test cases into the table." in texts(at)
    by_label(at.multiselect, "Models (1–3)").set_value(["gpt-4o-mini", "gpt-4o"]).run()
    assert "Estimated cost: at most 40 credits (cases × models × repeats: 20 × 2 × 1; judged checks: 0)" in texts(at)
    with_checks(at, [("contains", "{{topic}}"), ("contains", "```python")])
    run(at)
    assert not at.exception
    saved = store_of(app_secrets).get_workbench_run("local", shown_run_id(at))
    assert saved["status"] == "done" and len(saved["results"]) == 40 and len(saved["cases"]) == 20
    assert all(cell["checks"][0] for cell in saved["results"])
    code_checks = {cell["case"]: cell["checks"][1] for cell in saved["results"]}
    assert code_checks[1] and code_checks[3] and not code_checks[0]  # "python code", "sql function" ask for code
    shown = texts(at)
    assert "**#20** topic: volcanoes 19 · audience: readers 19" in shown
    assert shown.count("credits: 1") == 40 and "finished" in shown
    totals = table_with(at, "pass_rate")
    assert list(totals["model"]) == ["gpt-4o-mini", "gpt-4o"] and list(totals["credits"]) == [20, 20]
    assert list(totals["pass_rate"]) == ["40%", "40%"]
    ledger = store_of(app_secrets).usage_ledger("local").calls()
    assert len(ledger[ledger["endpoint"] == "chat"]) == 40


def test_a_csv_with_a_bad_row_is_refused_and_the_table_kept(app_secrets):
    at = paste(make_app(app_secrets, PAGE), "topic,audience\nrain,kids\nsnow, ice,adults\n")
    assert "Line 3 has 3 cells but the header has 2." in error_texts(at)
    assert "Nothing was loaded; the table is as it was." in texts(at)
    assert "Estimated cost: at most 2 credits (cases × models × repeats: 2 × 1 × 1; judged checks: 0)" in texts(at), (
        "the two example cases stay"
    )
    paste(at, "topic\nrain\n")
    assert "Missing columns for these variables: audience." in error_texts(at)


def test_injected_429_and_500_are_retried_and_a_lasting_failure_shows_in_its_cell(app_secrets, sandbox):
    at = paste(make_app(app_secrets, PAGE), "topic\taudience\ntides\tkids\nrain [503]\tkids\nsnow\tkids\n")
    by_label(at.number_input, "At once").set_value(1).run()
    sandbox.control.queue_fault("chat", "429", 1)
    sandbox.control.queue_fault("chat", "500", 1)
    run(at)
    assert not at.exception
    saved = store_of(app_secrets).get_workbench_run("local", shown_run_id(at))
    cells = {c["case"]: c for c in saved["results"]}
    assert len(cells) == 3, (saved["status"], saved["results"])
    assert cells[1]["status"] == "failed" and cells[1]["attempts"] == 3
    assert cells[0]["status"] == cells[2]["status"] == "ok"
    assert "Failed: server error (5xx) (after 3 attempts). The other cells went on." in error_texts(at)
    assert "after 2 retries" in texts(at) or "after 1 retry" in texts(at)


def test_edit_prompt_rerun_and_compare(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(4))
    run(at)
    first = shown_run_id(at)
    by_label(at.text_area, "User message template").set_value("Explain {{topic}} to {{audience}} with python code.")
    run(at)
    assert not at.exception
    second = shown_run_id(at)
    saved = store_of(app_secrets).get_workbench_run("local", second)
    assert second != first and saved["parent_id"] == first and saved["version"] == 2
    assert "Run #2 · prompt v2" in [h.value for h in at.subheader]
    assert "4 outputs changed between the two runs." in texts(at)
    deltas = table_with(at, "credits_delta")
    assert list(deltas["credits_delta"]) == [0]
    assert any(e.label == "Case 1 · gpt-4o-mini: changed" for e in at.expander)
    assert any("+" in c.value and "-" in c.value for c in at.code if c.language == "diff")


def test_opening_an_earlier_run_loads_its_prompt(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(2))
    run(at)
    by_label(at.text_area, "User message template").set_value("Other {{topic}} for {{audience}}")
    run(at)
    by_label(at.selectbox, "Saved runs").set_value(1).run()
    assert not at.exception
    assert (
        by_label(at.text_area, "User message template").value == "Write one sentence about {{topic}} for {{audience}}."
    )
    assert "Run #1 · prompt v1" in [h.value for h in at.subheader]


def test_past_the_budget_it_asks_first(app_secrets):
    store = store_of(app_secrets)
    budget.set_limit(store, "local", budget.DAY, 1)
    at = run(make_app(app_secrets, PAGE))
    assert any(b.label == "Send anyway" for b in at.button)
    assert store.list_workbench_runs("local") == []
    next(b for b in at.button if b.label == "Send anyway").click().run()
    assert not at.exception and len(store.list_workbench_runs("local")) == 1


def test_cancel_past_the_budget_drops_the_run(app_secrets):
    store = store_of(app_secrets)
    budget.set_limit(store, "local", budget.DAY, 1)
    at = run(make_app(app_secrets, PAGE))
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert not at.exception and not any(b.label == "Send anyway" for b in at.button)
    assert store.list_workbench_runs("local") == [] and state_of(at, WorkbenchState).pending is None


def test_chinese(app_secrets):
    at = make_app(app_secrets, PAGE)
    at.button_group(key="lang_switch").set_value("zh").run()
    at.switch_page(PAGE).run()
    run(at)
    assert not at.exception
    assert at.title[0].value == "提示词工作台"
    # The finished run is the opened one: running it again would reuse both cells.
    assert "预计花费：最多 0 积分（2 个用例 × 1 个模型 × 1 次重复，0 个评判检查）" in texts(at)
    assert "2 格中有 2 格将从已打开的运行中复用。" in texts(at)
    assert any(t.label == "结果" for t in at.tabs) and "已完成" in texts(at)
    assert "个 Token" in texts(at) and "tokens" not in texts(at)


def test_each_user_sees_only_their_own_runs(login_secrets):
    alice = make_app(login_secrets, PAGE, user="alice")
    run(alice)
    assert store_of(login_secrets).list_workbench_runs("alice")
    bob = make_app(login_secrets, PAGE, user="bob")
    assert by_label(bob.selectbox, "Saved runs").options == ["New run (nothing opened)"]
    state_of(bob, WorkbenchState).shown = shown_run_id(alice)
    bob.run()
    assert not bob.subheader, "another user's run id shows nothing"
