"""The Usage page and the budget under AppTest, against the sandbox: empty and normal ledgers,
admins and other users, the balance card, the banner and the confirmation before a chat call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from lib.credits import budget
from lib.store import Store
from tests.fixtures.app import make_app

USAGE, CHAT = "app_pages/usage.py", "app_pages/chat.py"
CHARTS = 5  # credits over time, by endpoint, calls per model, latency, tokens over time


def ledger(secrets) -> Store:
    return Store(secrets["store"]["url"])


def seed(store: Store, user: str, *, chats=2, images=1, refund=False, hours_ago=1):
    ts = datetime.now(UTC) - timedelta(hours=hours_ago)
    for _ in range(chats):
        store.add_usage(
            user,
            endpoint="chat",
            model="gpt-4o-mini",
            credits=1,
            latency_ms=120,
            status=200,
            prompt_tokens=10,
            completion_tokens=30,
            ts=ts,
        )
    for _ in range(images):
        store.add_usage(user, endpoint="images", model="gemini-image", credits=10, latency_ms=900, status=200, ts=ts)
    if refund:
        store.add_usage(user, endpoint="video", model="sora-2", credits=15, latency_ms=300, status=200, ts=ts)
        store.add_usage(user, endpoint="video", model="sora-2", credits=-15, ts=ts)


def cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def calls_table(at):
    """The calls table's rows (the one frame with an outcome column)."""
    return next(d.value for d in at.dataframe if "outcome" in d.value.columns)


def charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_empty_ledger_shows_a_friendly_empty_state(app_secrets):
    at = make_app(app_secrets, page=USAGE)
    assert not at.exception and not at.error
    assert "No calls in this range yet" in texts(at.info)
    assert cards(at) == {"Credits spent": "0", "Requests": "0", "Error rate": "—", "Tokens": "0", "Balance": "1,000"}
    assert charts(at) == 0
    assert "Reported by the server" in texts(at.caption)
    assert "Estimated from the local ledger and the pricing table" in texts(at.caption)


def test_normal_ledger_cards_charts_table_and_filters(app_secrets):
    seed(ledger(app_secrets), "local", chats=3, images=2, refund=True)
    at = make_app(app_secrets, page=USAGE)
    assert not at.exception
    assert cards(at)["Credits spent"] == "23" and cards(at)["Requests"] == "6"
    assert cards(at)["Tokens"] == "120" and cards(at)["Error rate"] == "0.0%"
    assert charts(at) == CHARTS + 1  # single-user mode is admin of itself: credits per user too
    table = calls_table(at)
    assert {"Chat", "Images", "Video"} <= set(table["endpoint"]) and len(table) >= 7

    at.multiselect(key="usage_filter_endpoints").set_value(["images"]).run()
    assert cards(at)["Credits spent"] == "20" and cards(at)["Requests"] == "2"
    assert set(calls_table(at)["endpoint"]) == {"Images"}

    at.multiselect(key="usage_filter_endpoints").set_value([]).run()
    at.multiselect(key="usage_filter_outcomes").set_value(["refund"]).run()
    assert cards(at)["Credits spent"] == "-15" and cards(at)["Requests"] == "0"


def test_range_presets_and_hourly_fallback(app_secrets):
    store = ledger(app_secrets)
    seed(store, "local", chats=1, images=0, hours_ago=24 * 20)  # 20 days ago
    at = make_app(app_secrets, page=USAGE)
    assert cards(at)["Credits spent"] == "1"
    at.button_group(key="usage_preset").set_value("7d").run()
    assert cards(at)["Credits spent"] == "0" and "No calls in this range yet" in texts(at.info)
    at.button_group(key="usage_preset").set_value("all").run()
    at.button_group(key="usage_granularity").set_value("hour").run()
    assert cards(at)["Credits spent"] == "1" and "showing days" in texts(at.caption)


def open_as(login_secrets, user: str):
    """The Usage page for `user`, with alice (2 chats) and bob (1 chat, 3 images) in the ledger."""
    store = ledger(login_secrets)
    seed(store, "alice", chats=2, images=0)
    seed(store, "bob", chats=1, images=3)
    at = make_app(login_secrets, page=USAGE, user=user)
    assert not at.exception
    return at


def test_non_admin_sees_only_their_own_usage(login_secrets):
    at = open_as(login_secrets, "alice")
    assert cards(at)["Credits spent"] == "2" and cards(at)["Requests"] == "2"
    assert charts(at) == CHARTS
    filters = [m.key for m in at.multiselect]
    assert "usage_filter_models" in filters and "usage_filter_users" not in filters  # the admin's test has it
    assert "Per user" not in texts(at.subheader)
    assert "Pricing table (admin)" not in [e.label for e in at.expander]
    assert set(calls_table(at)["user"]) == {"alice"}


def test_admin_sees_everyone_with_a_per_user_breakdown(login_secrets):
    at = open_as(login_secrets, "root")
    assert cards(at)["Credits spent"] == "33" and cards(at)["Requests"] == "6"
    assert charts(at) == CHARTS + 1 and "Per user" in texts(at.subheader)
    per_user = at.dataframe[0].value
    assert per_user.set_index("user")["credits"].to_dict() == {"bob": 31.0, "alice": 2.0}
    assert "Pricing table (admin)" in [e.label for e in at.expander]

    at.multiselect(key="usage_filter_users").set_value(["alice"]).run()
    assert cards(at)["Credits spent"] == "2"
    assert set(calls_table(at)["user"]) == {"alice"}


def test_balance_unavailable_when_billing_does_not_answer(app_secrets, sandbox):
    sandbox.control.queue_fault("billing", "html", count=10)
    at = make_app(app_secrets, page=USAGE)
    assert cards(at)["Balance"] == "balance unavailable"
    sandbox.control.clear_faults()


def test_chinese_labels(app_secrets):
    seed(ledger(app_secrets), "local")
    at = make_app(app_secrets, page=USAGE)
    at.button_group(key="lang_switch").set_value("zh").run()
    assert "消耗积分" in cards(at) and "由服务器报告" in texts(at.caption)


def test_budget_form_stores_limits_and_banner_warns_then_errors(app_secrets):
    store = ledger(app_secrets)
    at = make_app(app_secrets, page=USAGE)
    at.number_input(key="budget_day").set_value(10.0)
    at.number_input(key="budget_month").set_value(1000.0)
    at.button[[b.label for b in at.button].index("Save limits")].click().run()
    assert budget.get_limits(store, "local") == {"day": 10.0, "month": 1000.0}
    assert not at.warning

    seed(store, "local", chats=8, images=0, hours_ago=0)
    at.run()
    assert "80% of your daily credit limit" in texts(at.warning)
    seed(store, "local", chats=2, images=0, hours_ago=0)
    at.run()
    assert "Daily credit limit reached" in texts(at.error)


def test_chat_asks_before_passing_the_budget_and_keeps_the_message(app_secrets, sandbox):
    store = ledger(app_secrets)
    budget.set_limit(store, "local", "day", 5)
    seed(store, "local", chats=5, images=0, hours_ago=0)
    at = make_app(app_secrets, page=CHAT)
    sent_before = sandbox.control.stats()["endpoints"].get("chat", 0)

    at.chat_input[0].set_value("over budget please").run()
    assert "would take you past your daily limit" in texts(at.warning)
    assert "over budget please" in texts(at.markdown)
    assert sandbox.control.stats()["endpoints"].get("chat", 0) == sent_before
    assert store.list_conversations("local") == []

    at.run()  # the user looks elsewhere, then comes back: the message is still held
    assert "over budget please" in texts(at.markdown)
    at.button(key="chat_send_budget_send").click().run()
    assert not at.exception
    messages = [m.content for c in store.list_conversations("local") for m in store.list_messages("local", c.id)]
    assert messages[0] == "over budget please" and len(messages) == 2


# --- rough edges: shared balances, the table, stable colours -----------------------------------


def seed_models(store: Store, user: str = "local") -> None:
    ts = datetime.now(UTC) - timedelta(hours=1)
    for model in ("claude-sonnet-4-5-20250929", "deepseek-chat", "gpt-4o-mini"):
        store.add_usage(
            user,
            endpoint="chat",
            model=model,
            credits=1,
            latency_ms=100.25,
            status=200,
            prompt_tokens=10,
            completion_tokens=20,
            ts=ts,
        )
    store.add_usage(user, endpoint="video", model="sora-2-pro", credits=150, latency_ms=300, status=200, ts=ts)
    store.add_usage(user, endpoint="upload", model=None, credits=0, latency_ms=50, status=200, ts=ts)


def colour_of(at) -> dict[str, str]:
    """{legend label: colour} over the charts whose colours have a fixed domain."""
    colours = {}
    for chart in at.get("vega_lite_chart"):
        scale = json.loads(chart.proto.spec).get("encoding", {}).get("color", {}).get("scale", {})
        colours.update(zip(scale.get("domain", []), scale.get("range", [])))
    return colours


def test_a_model_and_an_endpoint_keep_their_colour_in_both_languages(app_secrets):
    seed_models(ledger(app_secrets))
    at = make_app(app_secrets, page=USAGE)
    english = colour_of(at)
    at.button_group(key="lang_switch").set_value("zh").run()
    chinese = colour_of(at)
    assert english["sora-2-pro"] == chinese["sora-2-pro"]
    assert english["Upload (no model)"] == chinese["上传（无模型）"], "an endpoint is not shown as a model"
    assert "Upload" not in english and "上传" not in chinese
    assert english["Prompt"] == chinese["输入"] and english["Completion"] == chinese["输出"]
    at.button_group(key="usage_breakdown").set_value("endpoint").run()
    by_endpoint = colour_of(at)
    at.button_group(key="lang_switch").set_value("en").run()
    assert colour_of(at)["Video"] == by_endpoint["视频"] and colour_of(at)["Upload"] == by_endpoint["上传"]


def test_calls_table_shows_whole_model_names_and_no_none(app_secrets):
    seed_models(ledger(app_secrets))
    at = make_app(app_secrets, page=USAGE)
    table = next(d for d in at.dataframe if "outcome" in d.value.columns)
    assert table.proto.placeholder == "—", "an upload's empty token cells read —, not None"
    model = json.loads(table.proto.columns)["model"]
    assert model["width"] >= 8 * len("claude-sonnet-4-5-20250929")
    specs = [json.loads(c.proto.spec)["encoding"] for c in at.get("vega_lite_chart")]
    legend = next(e["color"]["legend"] for e in specs if e.get("color", {}).get("legend"))
    axis = next(e["y"]["axis"] for e in specs if e["y"].get("title") == "Model")
    assert legend["labelLimit"] >= 250 and axis["labelLimit"] >= 250, "charts show the whole names too"


def test_a_shared_key_balance_says_so_in_login_mode(login_secrets, app_secrets):
    shared = make_app(login_secrets, page=USAGE, user="alice")
    assert "shared by everyone" in texts(shared.caption)
    own = make_app(app_secrets, page=USAGE)  # single-user mode: the key is nobody else's
    assert "shared by everyone" not in texts(own.caption)


def test_the_embedded_sandbox_says_its_credits_start_again_after_a_restart(app_secrets):
    at = make_app({"store": app_secrets["store"]}, page=USAGE)  # no [sandbox] root_url: the built-in one
    assert not at.exception
    assert "starts again at 1,000 credits each time the app restarts" in texts(at.caption)
    at.button_group(key="lang_switch").set_value("zh").run()
    assert "重新从 1,000 积分开始" in texts(at.caption)


def test_credits_by_source_and_connection_with_their_filters(app_secrets):
    store, ts = ledger(app_secrets), datetime.now(UTC) - timedelta(hours=1)
    for source, connection, credits in (
        ("chat", "preset", 1),
        ("compare", "preset", 2),
        ("compare", "preset", 2),
        ("workbench", "api.example.com", 4),
    ):
        store.add_usage(
            "local",
            endpoint="chat",
            model="gpt-4o-mini",
            credits=credits,
            source=source,
            connection=connection,
            status=200,
            latency_ms=100,
            ts=ts,
        )
    at = make_app(app_secrets, page=USAGE)
    at.button_group(key="usage_breakdown").set_value("source").run()
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert "Credits by source" in titles
    assert {"Chat", "Compare", "Workbench"} <= set(colour_of(at))
    at.button_group(key="usage_breakdown").set_value("connection").run()
    assert {"Preset (admin's key)", "api.example.com"} <= set(colour_of(at))

    at.multiselect(key="usage_filter_sources").set_value(["compare"]).run()
    assert cards(at)["Credits spent"] == "4" and cards(at)["Requests"] == "2"
    assert set(calls_table(at)["source"]) == {"Compare"}
    at.multiselect(key="usage_filter_sources").set_value([]).run()
    at.multiselect(key="usage_filter_connections").set_value(["api.example.com"]).run()
    assert cards(at)["Credits spent"] == "4" and set(calls_table(at)["connection"]) == {"api.example.com"}
    at.button_group(key="lang_switch").set_value("zh").run()
    assert "各连接积分消耗" in [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
