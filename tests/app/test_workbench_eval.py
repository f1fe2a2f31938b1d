"""The Workbench's evaluation features under AppTest against the sandbox: a judged check with
repeats (scores, reasons, intervals, consistency, judge credits in the ledger as their own
endpoint), a must/should mix, reuse on a re-run and the switch that forces a full one, a bad
rubric refused, per-run settings reaching the server, and Chinese."""

from __future__ import annotations

from tests.app.test_workbench import (
    PAGE,
    by_label,
    error_texts,
    paste,
    pasted_cases,
    run,
    shown_run_id,
    store_of,
    table_with,
    texts,
)
from tests.fixtures.app import make_app


def add_judge(at, rubric: str = "Is this clear for {{audience}}? {{output}}", threshold: float = 0.5):
    at.button(key="wb_add_check").click().run()
    [box for box in at.selectbox if box.label == "Check"][-1].set_value("judge").run()
    by_label(at.text_area, "Rubric").set_value(rubric).run()
    by_label(at.selectbox, "Judge model").set_value("gpt-4o").run()
    by_label(at.slider, "Pass at a score of at least").set_value(threshold).run()
    return at


def thumbs(at, key: str):
    return next(f for f in at.get("feedback") if f.key == key)


def saved_run(at, app_secrets) -> dict:
    return store_of(app_secrets).get_workbench_run("local", shown_run_id(at))


def test_a_judged_check_with_repeats_shows_scores_intervals_and_consistency(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(3))
    by_label(at.multiselect, "Models (1–3)").set_value(["gpt-4o-mini", "gpt-4o"]).run()
    by_label(at.number_input, "Repeats").set_value(3).run()
    add_judge(at)
    assert "at most 36 credits (cases × models × repeats: 3 × 2 × 3; judged checks: 1)" in texts(at)
    run(at)
    assert not at.exception
    saved = saved_run(at, app_secrets)
    assert len(saved["results"]) == 18 and all(c["scores"][0] is not None and c["reasons"][0] for c in saved["results"])
    totals = table_with(at, "interval")
    assert list(totals["consistency"]) == ["100%", "100%"]  # the sandbox answers each repeat the same
    assert all("–" in value for value in totals["interval"])
    assert "**3 of 3** repeats passed" in texts(at) or "**0 of 3** repeats passed" in texts(at)
    reasons = {c["reasons"][0] for c in saved["results"]}
    assert any(reason in texts(at) for reason in reasons)  # the judge's reason is in the cell
    ledger = store_of(app_secrets).usage_ledger("local").calls()
    judged = ledger[ledger["endpoint"] == "judge"]
    assert len(judged) == 6 and judged["credits"].sum() == sum(totals["judge_credits"])
    # Re-run unchanged: every reply reused and every verdict kept, so nothing is to pay.
    assert "18 of 18 cells will be reused from the opened run." in texts(at)
    assert "at most 0 credits (cases × models × repeats: 3 × 2 × 3; judged checks: 1)" in texts(at)


def test_a_rerun_reuses_unchanged_cells_and_the_switch_runs_them_again(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(3))
    run(at)
    assert "3 of 3 cells will be reused from the opened run." in texts(at)
    run(at)
    again = saved_run(at, app_secrets)
    assert all(c["reused"] and c["credits"] == 0 and c["saved_credits"] == 1 for c in again["results"])
    assert "reused · saved 1 credit" in texts(at)
    by_label(at.text_area, "User message template").set_value("Write one line about {{topic}} for {{audience}}.")
    at.run()
    assert "3 of 3 cells will be reused" not in texts(at)
    run(at)
    assert not any(c["reused"] for c in saved_run(at, app_secrets)["results"])
    at.toggle(key="wb_full_rerun").set_value(True).run()
    run(at)
    assert not any(c["reused"] for c in saved_run(at, app_secrets)["results"])
    ledger = store_of(app_secrets).usage_ledger("local").calls()
    assert len(ledger[ledger["endpoint"] == "chat"]) == 9  # the reusing run sent nothing


def test_a_rubric_without_output_is_refused(app_secrets):
    at = add_judge(make_app(app_secrets, PAGE), rubric="Is it clear?")
    run(at)
    assert "A judge's rubric must contain {{output}}, where the reply goes." in texts(at)
    assert store_of(app_secrets).list_workbench_runs("local") == []


def test_per_run_settings_reach_the_server_and_bad_extra_is_refused(app_secrets, sandbox):
    at = make_app(app_secrets, PAGE)
    by_label(at.selectbox, "Reasoning effort").set_value("low").run()
    by_label(at.text_area, "Extra parameters (JSON object)").set_value('{"model": "x"}').run()
    run(at)
    assert "The extra parameters are refused ($): model." in error_texts(at)
    by_label(at.text_area, "Extra parameters (JSON object)").set_value('{"top_k": 7}').run()
    run(at)
    assert not at.exception
    bodies = [r["body"] for r in sandbox.control.recent_requests(10) if r["endpoint"] == "chat"][-2:]  # this run's
    assert bodies and all(b.get("reasoning_effort") == "low" and b.get("top_k") == 7 for b in bodies), bodies


def test_chinese_labels(app_secrets):
    at = make_app(app_secrets, PAGE)
    at.button_group(key="lang_switch").set_value("zh").run()
    at.switch_page(PAGE).run()
    at.button(key="wb_add_check").click().run()
    [box for box in at.selectbox if box.label == "检查"][-1].set_value("judge").run()
    assert not at.exception
    assert any(t.label == "评分标准" for t in at.text_area) and any(n.label == "重复次数" for n in at.number_input)


def test_thumbs_and_a_note_are_saved_counted_and_exported(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(2))
    run(at)
    run_id = shown_run_id(at)
    thumbs(at, f"wb_rate_{run_id}_0_gpt-4o-mini_0_thumb").set_value(1).run()
    thumbs(at, f"wb_rate_{run_id}_1_gpt-4o-mini_0_thumb").set_value(0).run()
    at.text_area(key=f"wb_rate_{run_id}_0_gpt-4o-mini_0_note").set_value("clear and short").run()
    assert not at.exception
    ratings = store_of(app_secrets).workbench_ratings("local", run_id)
    assert ratings == {
        (0, "gpt-4o-mini", 0): {"thumb": 1, "note": "clear and short"},
        (1, "gpt-4o-mini", 0): {"thumb": -1, "note": ""},
    }
    shown = table_with(at, "thumbs_up")
    assert (shown["thumbs_up"].tolist(), shown["thumbs_down"].tolist()) == ([1], [1])
    assert "clear and short" in texts(at)


def test_a_json_schema_run_checks_each_reply_and_names_the_first_failing_path(app_secrets, sandbox):
    """Per-run response format with a schema (sent as json_schema), and the check "matches the
    JSON schema": the sandbox's valid answer passes; a case asking for [badjson] fails, its cell
    naming the first failing path and the reason."""
    schema = (
        '{"type": "object", "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},'
        ' "required": ["city", "population"]}'
    )
    at = paste(make_app(app_secrets, PAGE), "topic\taudience\nLisbon\tvisitors\nPorto [badjson]\tvisitors")
    by_label(at.selectbox, "Response format").set_value("json_schema").run()
    by_label(at.text_area, "Schema the replies must follow").set_value(schema).run()
    at.button(key="wb_add_check").click().run()
    [box for box in at.selectbox if box.label == "Check"][-1].set_value("json_schema").run()
    by_label(at.text_area, "JSON schema").set_value(schema).run()
    run(at)
    assert not at.exception
    body = [r["body"] for r in sandbox.control.recent_requests(10) if r["endpoint"] == "chat"][-1]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["city", "population"]
    saved = saved_run(at, app_secrets)
    assert [cell["checks"][0] for cell in sorted(saved["results"], key=lambda c: c["case"])] == [True, False]
    assert "$: 'city' is a required property" in texts(at).replace("\\", "")  # Markdown-escaped in the cell
