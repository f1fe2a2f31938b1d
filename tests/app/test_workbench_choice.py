"""The Workbench's "Which model" tab under AppTest: the cheapest model within the chosen distance
of the best, two charts, and the user's own last 30 days of chat calls priced on each model."""

from __future__ import annotations

from lib.credits import pricing
from tests.app.helpers import store_of, texts
from tests.app.test_workbench import PAGE, by_label, paste, pasted_cases, run, table_with, with_checks
from tests.fixtures.app import make_app


def test_which_model_picks_the_cheapest_close_to_the_best_and_prices_the_users_chats(app_secrets):
    store = store_of(app_secrets)
    store.admin_set_price(pricing.CHAT, "gpt-4o", per_call=4)  # the app's price table: gpt-4o costs more
    store.add_usage(
        "local",
        endpoint=pricing.CHAT,
        model="gpt-4o",
        source=pricing.CHAT,
        status=200,
        completion_tokens=200,
        credits=1.0,
    )
    store.add_usage("someone", endpoint=pricing.CHAT, model="gpt-4o", source=pricing.CHAT, status=200, credits=99.0)
    at = paste(make_app(app_secrets, PAGE), pasted_cases(3))
    by_label(at.multiselect, "Models (1–3)").set_value(["gpt-4o-mini", "gpt-4o"]).run()
    with_checks(at, [("not_contains", "zzz")])
    run(at)
    assert not at.exception
    success = "\n".join(s.value for s in at.success)
    assert "Cheapest within 5 points of the best: **gpt-4o-mini** (pass rate 100%" in success
    assert len(at.get("vega_lite_chart")) == 2
    assert "Your chat calls in these days: 1, for 1 credit in all." in texts(at)
    costs = table_with(at, "would_cost")
    assert costs.set_index("model")["would_cost"].to_dict() == {"gpt-4o-mini": 1, "gpt-4o": 4}


def test_chinese(app_secrets):
    at = paste(make_app(app_secrets, PAGE), pasted_cases(1))
    with_checks(at, [("not_contains", "zzz")])
    run(at)
    at.button_group(key="lang_switch").set_value("zh").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "最便宜的是：**gpt-4o-mini**" in "\n".join(s.value for s in at.success)
    assert "你最近 30 天没有对话调用。" in texts(at)
