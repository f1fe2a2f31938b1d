"""A Workbench run shared and presented: the snapshot keeps what the owner saw (ratings too) and
leaves out what is the owner's alone; later changes to the run do not reach the link; the slides
are the totals per model, then the failing cases."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from lib import chat, workbench
from lib.sharing import shares
from lib.store import Store
from lib.workbench import Cell, Check, RunSpec, sharing

CHECKS = [Check("contains", "tide"), Check("max_length", "500", must=False)]


def run_record(outputs: dict[tuple[int, str, int], str]) -> dict:
    spec = RunSpec(
        "Be brief.",
        "Explain {{topic}}.",
        ["gpt-4o", "gpt-4o-mini"],
        chat.default_settings()["params"],
        CHECKS,
        repeat=2,
    )
    run = workbench.new_run(spec, [{"topic": "tides"}, {"topic": "rain *now*"}])
    run["settings"]["connection"], run["settings"]["prompt"] = "sandbox", {"id": 3, "name": "secret plan"}
    for (case, model, repeat), output in outputs.items():
        ok = "tide" in output
        run["results"].append(
            asdict(
                Cell(
                    case,
                    model,
                    "ok",
                    output,
                    latency_s=0.5,
                    credits=1.5,
                    repeat=repeat,
                    checks=[ok, True],
                    passed=ok,
                    score=1.0,
                )
            )
        )
    return run


OUTPUTS = {
    (0, "gpt-4o", 0): "tides rise",
    (0, "gpt-4o", 1): "tides fall",
    (0, "gpt-4o-mini", 0): "tides",
    (0, "gpt-4o-mini", 1): "tides",
    (1, "gpt-4o", 0): "rain falls",
    (1, "gpt-4o", 1): "tide of rain",
    (1, "gpt-4o-mini", 0): "tide",
    (1, "gpt-4o-mini", 1): "tide",
}


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.engine.dispose()


def test_a_shared_run_is_a_snapshot_without_the_owners_connection_or_library(store):
    run_id = store.add_workbench_run("alice", run_record(OUTPUTS), status="done")
    store.rate_workbench_cell("alice", run_id, 1, "gpt-4o", 0, -1, "misses the tide")
    run = store.get_workbench_run("alice", run_id)
    token, _ = shares.create_share(
        store,
        "alice",
        sharing.run_snapshot(workbench.with_ratings(run, store.workbench_ratings("alice", run_id))),
        "7d",
    )
    store.delete_workbench_run("alice", run_id)

    opened = shares.open_share(store, token, None, shares.GuessLimit())
    assert opened.status == shares.LIVE and opened.share.kind == shares.WORKBENCH_RUN
    shown = opened.share.payload["run"]
    assert opened.share.title == "Explain {{topic}}."
    assert "connection" not in shown["settings"] and "prompt" not in shown["settings"]
    assert "secret plan" not in str(opened.share.payload)
    assert workbench.totals(shown).set_index("model").loc["gpt-4o", "thumbs_down"] == 1
    assert workbench.frame(shown)["note"].tolist().count("misses the tide") == 1


def test_a_comparison_keeps_both_runs():
    before, after = run_record(OUTPUTS), run_record({**OUTPUTS, (1, "gpt-4o", 0): "a tide"})
    before["id"], after["id"], before["version"], after["version"] = 1, 2, 1, 2
    snapshot = sharing.comparison_snapshot(before, after)
    assert snapshot.kind == shares.WORKBENCH_COMPARISON
    compared = workbench.changed_cells(snapshot.payload["before"], snapshot.payload["after"])
    assert [(c.case, c.model, c.repeat) for c in compared] == [(1, "gpt-4o", 0)]


def test_the_slides_are_the_totals_then_the_failing_cases():
    run = run_record(OUTPUTS)
    slides = sharing.run_slides(sharing.run_snapshot(run).payload, "en")
    totals, *failing = slides
    assert [r.model for r in totals.replies] == ["gpt-4o", "gpt-4o-mini"]
    assert "Pass rate **75%**" in totals.replies[0].content and "Pass rate **100%**" in totals.replies[1].content
    assert totals.replies[0].meta["credits"] == 6.0 and totals.replies[0].meta["elapsed"] == 0.5
    # Case 1 alone failed (on gpt-4o, first repeat); its markup is shown as typed.
    assert len(failing) == 1 and failing[0].question.startswith("**#2** topic: rain \\*now\\*")
    failed_reply, passed_reply = failing[0].replies
    assert (
        "1 of 2 repeats passed" in failed_reply.content and ":material/close:] contains\\: tide" in failed_reply.content
    )
    assert failed_reply.content.endswith("rain falls")
    assert "2 of 2 repeats passed" in passed_reply.content and "close" not in passed_reply.content


def test_the_slides_speak_the_viewers_language():
    totals = sharing.run_slides({"run": run_record(OUTPUTS)}, "zh")[0]
    assert totals.question.startswith("各模型汇总") and "通过率" in totals.replies[0].content


def test_a_run_without_failures_is_one_slide():
    run = run_record(dict.fromkeys(OUTPUTS, "tide"))
    assert len(sharing.run_slides({"run": run}, "en")) == 1


def test_failing_slides_stop_at_the_limit(monkeypatch):
    monkeypatch.setattr(sharing, "MAX_FAILING_SLIDES", 1)
    run = run_record(dict.fromkeys(OUTPUTS, "no"))
    assert len(sharing.run_slides({"run": run}, "en")) == 2


def compared_runs() -> tuple[dict, dict]:
    """Case 1 on gpt-4o got better, case 0 on gpt-4o-mini got worse, case 1 on gpt-4o-mini fails in both."""
    before = run_record({**OUTPUTS, (1, "gpt-4o-mini", 0): "rain"})
    after = run_record(
        {**OUTPUTS, (1, "gpt-4o", 0): "a tide", (0, "gpt-4o-mini", 1): "sea *level*", (1, "gpt-4o-mini", 1): "drizzle"}
    )
    before["id"], after["id"], before["version"], after["version"] = 4, 5, 1, 2
    return before, after


def test_two_runs_compared_present_their_totals_side_by_side_then_the_changed_cases():
    before, after = compared_runs()
    totals, *cases = sharing.comparison_slides(sharing.comparison_snapshot(before, after).payload, "en")
    assert totals.question == "Run #4 (prompt v1) against Run #5 (prompt v2): totals per model"
    assert [r.model for r in totals.replies] == ["Run #4 (prompt v1)", "Run #5 (prompt v2)"]
    earlier, later = (r.content for r in totals.replies)
    assert earlier.startswith("> Explain \\{\\{topic\\}\\}\\.") and "**gpt\\-4o**  \nPass rate **75%**" in earlier
    assert "moved" not in earlier
    # gpt-4o 75% -> 100%, gpt-4o-mini 75% -> 50%
    assert "Pass rate **100%**" in later and "Pass rate moved **+25** points" in later
    assert "Pass rate moved **-25** points" in later
    assert totals.replies[1].meta["credits"] == 12.0
    # Worse first (case 0 on the mini model), then the case with a model better and one still failing.
    assert [c.question.split()[0] for c in cases] == ["**#1**", "**#2**"]
    [worse] = cases[0].replies
    assert worse.model == "gpt-4o-mini" and worse.content.startswith(":red[:material/trending_down: **Got worse**]")
    assert ":gray[Run #4 (prompt v1)]  \n**2 of 2 repeats passed**" in worse.content
    assert "**1 of 2 repeats passed**\n- :red[:material/close:] contains\\: tide" in worse.content
    assert worse.content.endswith("sea *level*")  # the reply is the model's Markdown
    assert [(r.model, r.content.split("\n")[0]) for r in cases[1].replies] == [
        ("gpt-4o", ":green[:material/trending_up: **Got better**]"),
        ("gpt-4o-mini", ":orange[:material/close: **Still failing**]"),
    ]


def test_a_comparison_without_changes_or_failures_is_one_slide_and_speaks_chinese():
    run = run_record(dict.fromkeys(OUTPUTS, "tide"))
    slides = sharing.comparison_slides({"before": run, "after": run}, "zh")
    assert len(slides) == 1 and slides[0].question.endswith("各模型汇总") and "通过率" in slides[0].replies[0].content


def test_comparison_slides_stop_at_the_limit(monkeypatch):
    monkeypatch.setattr(sharing, "MAX_FAILING_SLIDES", 1)
    before, after = compared_runs()
    assert len(sharing.comparison_slides({"before": before, "after": after}, "en")) == 2
