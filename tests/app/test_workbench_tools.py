"""The Workbench with tools under AppTest against the sandbox (issue 26): a weather tool and its
mock, ten cases, "calls the tool" and "the arguments match" checks, each failure named in its
cell; broken tools and a tool check without tools are refused before anything is sent."""

from __future__ import annotations

import pytest

from lib import workbench
from tests.app.helpers import store_of, texts
from tests.app.test_chat import last_request
from tests.app.test_workbench import PAGE, by_label, error_texts, paste, run, shown_run_id
from tests.fixtures.app import make_app

CITIES = ["Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Perth", "Riga"]


def weather_page(app_secrets):
    """The Workbench asking about {{city}}, ten cities pasted, the weather example tool added."""
    at = make_app(app_secrets, PAGE)
    at.text_area(key="wb0_user").set_value("What is the weather in {{city}}?").run()
    paste(at, "city\n" + "\n".join(CITIES))
    return at.button(key="wb0_wbtools_tools_add").click().run()  # the first example: the weather lookup


def add_tool_check(at, kind: str, tool: str, arguments: str = ""):
    at.button(key="wb_add_check").click().run()
    check_id = max(int(b.key.rsplit("_", 1)[1]) for b in at.button if b.key and b.key.startswith("wb0_check_remove_"))
    next(b for b in at.selectbox if b.key.startswith("wb0_check_kind_") and b.key.endswith(f"_{check_id}")).set_value(
        kind
    ).run()
    by_key(at.selectbox, f"wb0_check_tool_{check_id}").set_value(tool).run()
    if arguments:
        at.text_area(key=f"wb0_check_arguments_{check_id}").set_value(arguments).run()
    return at


def by_key(widgets, key: str):
    return next(w for w in widgets if w.key == key)


def badges(at) -> list[str]:
    return [str(b.proto.body) for b in at.get("badge")] if at.get("badge") else []


@pytest.mark.parametrize("dialect", ["reshi", "new-api"])  # new-api: arguments as objects, no ids
def test_ten_cases_with_a_tool_call_it_with_their_city_and_pass_both_checks(
    app_secrets, sandbox, sandbox_dialect, dialect
):
    sandbox_dialect(dialect)
    at = weather_page(app_secrets)
    add_tool_check(at, "calls_tool", "get_weather")
    add_tool_check(at, "tool_arguments", "get_weather", '{"city": "{{city}}"}')
    assert not at.exception
    assert "Tools and mock results (1 tool)" in [e.label for e in at.expander]
    # At most the step limit's calls per cell (most chains make two: a tool call and the answer).
    assert "Estimated cost: at most 50 credits" in texts(at)
    assert "counts as its step limit, 5 calls" in texts(at)
    run(at)
    assert not at.exception
    saved = store_of(app_secrets).get_workbench_run("local", shown_run_id(at))
    assert saved["settings"]["tools"]["tools"][0]["name"] == "get_weather"
    assert len(saved["results"]) == 10 and all(c["passed"] and c["checks"] == [True, True] for c in saved["results"])
    assert {c["tool_calls"][0]["parsed"]["city"] for c in saved["results"]} == set(CITIES)
    assert texts(at).count("1 step called tools:") == 10 and "get_weather" in texts(at)
    # Each reply's label reads as text, not as Markdown's marks ("- **get_weather**: ...").
    answers = [e.label for e in at.expander if e.label.startswith("Here is what")]
    assert len(answers) == 10 and all(
        a.startswith("Here is what the tools returned\\: get\\_weather\\: \\{") for a in answers
    ), answers[:1]
    # Opened again, every cell would be reused: nothing is sent, so no word on what tools cost.
    assert "Estimated cost: at most 0 credits" in texts(at) and "counts as its step limit" not in texts(at)
    sent = last_request(sandbox)
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather"]
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "tool"]


def test_each_failure_is_named_in_its_cell(app_secrets):
    at = weather_page(app_secrets)
    at.selectbox(key="wb0_wbtools_tools_starter_en").set_value("calculator").run()
    at.button(key="wb0_wbtools_tools_add").click().run()
    add_tool_check(at, "calls_tool", "calculator")
    add_tool_check(at, "tool_arguments", "get_weather", '{"city": "Berlin"}')
    paste(at, "city\nOslo")
    run(at)
    assert not at.exception
    shown = texts(at)  # (as Markdown: escaped so it shows as written)
    assert "Not called\\. The model called\\: get\\_weather" in shown
    assert 'The arguments differ\\: \\$\\.city\\: "Oslo" ≠ "Berlin"' in shown


def test_broken_tools_and_a_tool_check_without_tools_are_refused_before_sending(app_secrets, sandbox):
    at = make_app(app_secrets, PAGE)
    add_tool_check(at, "calls_tool", "get_weather")
    sent = sandbox.control.recent_requests(50)
    at.button(key="wb_run").click().run()
    assert any("needs at least one tool" in w.value for w in at.warning)
    at.button(key="wb0_wbtools_tools_blank").click().run()  # a blank tool: no name
    at.button(key="wb_run").click().run()
    assert any(w.value.startswith("Tools 1:") for w in at.warning)
    assert sandbox.control.recent_requests(50) == sent and shown_run_id(at) is None


def test_chinese_labels(app_secrets):
    at = make_app(app_secrets, PAGE)
    at.button_group(key="lang_switch").set_value("zh").run()
    at.switch_page(PAGE).run()
    at.button(key="wb0_wbtools_tools_add").click().run()
    add_tool_check(at, "calls_tool", "get_weather")
    assert not at.exception
    assert "工具与模拟结果（1 个工具）" in [e.label for e in at.expander]
    assert by_label(at.number_input, "每格步数上限").value == 5


def test_a_chain_that_does_not_end_shows_its_step_limit_and_the_csv_lists_the_calls(app_secrets):
    at = weather_page(app_secrets)
    at.text_area(key="wb0_user").set_value("What is the weather in {{city}}? [tool-loop]").run()
    at.number_input(key="wb0_wbtools_tools_auto_steps").set_value(2).run()
    paste(at, "city\nOslo")
    run(at)
    assert not at.exception
    assert [w.value for w in at.warning] == ["Stopped at the step limit (2 steps): the model still asked for tools."]
    saved = store_of(app_secrets).get_workbench_run("local", shown_run_id(at))
    (row,) = workbench.frame(saved).to_dict("records")
    assert row["tool_calls"] == 'get_weather({"city": "Oslo"}); get_weather({"city": "Oslo"})'
    assert row["tool_steps"] == 2 and row["step_limit_reached"]


def ended_run(app_secrets, sandbox, api_key, how: str = "stopped") -> int:
    """A run whose one chain ended right after its first step was paid for: "stopped" as the
    page's Stop leaves it (saved "stopped", the cell unfinished), or "cut" (the next step's
    stream broken: the cell failed)."""
    import threading
    from dataclasses import asdict

    from lib import chat
    from lib.chat import tools
    from lib.client import ReshiClient

    stop = threading.Event()

    def paid(row) -> None:  # the first step's ledger row: it was paid for
        if how == "cut" and not stop.is_set():
            sandbox.control.queue_fault("chat", "cut", 1)
        stop.set()

    looping = workbench.RunSpec(
        "",
        "What is the weather in {{city}}? [tool-loop]",
        ["gpt-4o-mini"],
        chat.default_settings()["params"],
        tools={**tools.default_settings(), "tools": [tools.STARTERS["weather"]], "auto_steps": 3},
    )
    with ReshiClient(sandbox.base_url, api_key, timeout=10, on_call=paid) as client:
        (cell,) = workbench.run_cells(client, looping, [{"city": "Oslo"}], stop if how == "stopped" else None)
    store = store_of(app_secrets)
    run_id = store.add_workbench_run("local", workbench.new_run(looping, [{"city": "Oslo"}]))
    store.save_workbench_results("local", run_id, [asdict(cell)], how if how == "stopped" else "done")
    return run_id


def open_run(at, run_id: int):
    return next(b for b in at.selectbox if b.key.startswith("wb_open_")).set_value(run_id).run()


@pytest.mark.parametrize(
    "lang, kept, went_on",
    [
        (
            "en",
            (
                "Not finished: the run was stopped during this cell. What it paid is kept here (1 credit). "
                "Resuming or re-running goes on after its 1 paid step: it is not paid twice."
            ),
            "went on after 1 step paid before",
        ),
        (
            "zh",
            (
                "未完成：运行在这一格进行中被停止。已付费的部分保留在这里（1 积分）。"
                "继续或重新运行时，会从已付费的 1 步之后接着进行，不会重复付费。"
            ),
            "接着之前已付费的 1 步继续",
        ),
    ],
    ids=["en", "zh"],
)
def test_a_stopped_chain_shows_its_paid_step_and_a_rerun_goes_on_after_it(
    app_secrets, sandbox, api_key, lang, kept, went_on
):
    run_id = ended_run(app_secrets, sandbox, api_key)
    at = make_app(app_secrets, PAGE)
    if lang == "zh":
        at.button_group(key="lang_switch").set_value("zh").run()
        at.switch_page(PAGE).run()
    open_run(at, run_id)
    assert not at.exception
    assert [w.value for w in at.warning] == [kept]
    assert "get\\_weather" in texts(at)  # the paid step's call
    if lang == "en":  # re-run: the two calls left of the step limit of 3, no more
        assert "Estimated cost: at most 2 credits" in texts(at)
        assert "1 chain of the opened run that ended early goes on after the steps it paid." in texts(at)
    sandbox.control.reset_stats()
    run(at)
    assert not at.exception
    assert sandbox.control.stats()["endpoints"]["chat"] == 2, "the paid step was sent again"
    saved = store_of(app_secrets).get_workbench_run("local", shown_run_id(at))
    (cell,) = saved["results"]
    assert saved["parent_id"] == run_id and cell["status"] == "ok" and cell["steps"] == 3
    assert cell["saved_credits"] == 1 and cell["credits"] == 2
    assert went_on in texts(at)


def test_a_chain_cut_after_a_paid_step_shows_what_it_kept(app_secrets, sandbox, api_key):
    run_id = ended_run(app_secrets, sandbox, api_key, "cut")
    at = open_run(make_app(app_secrets, PAGE), run_id)
    assert not at.exception
    assert error_texts(at).startswith("Failed: ")
    (kept,) = [c.value for c in at.caption if c.value.startswith("What this cell paid before the error")]
    assert kept.endswith("). A re-run goes on after its 1 paid step: it is not paid twice.")
    assert "get\\_weather" in texts(at)  # the paid step's call
