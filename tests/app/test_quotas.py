"""The admin's quotas on the preset connection: a user sees what is left, and a call past it is
refused with the reason before anything is sent; the user's own key is not limited."""

from __future__ import annotations

import json
import time

from lib.credits import usage
from lib.store import Store
from lib.store.settings import QUOTA_DEFAULT
from tests.app.test_chat import send
from tests.fixtures.app import make_app
from tests.unit.test_alerts import Hook


def preset_app(login_secrets, sandbox, key: str, user: str = "alice"):
    secrets = {**login_secrets, "api": {"base_url": sandbox.base_url, "api_key": key}}
    at = make_app(secrets, user=user)
    at.sidebar.radio(key="conn_mode_en").set_value("preset").run()
    return at


def chat_requests(sandbox) -> int:
    """Chat calls the shared sandbox has taken so far (a counter: a window of recent requests
    loses older chat calls once other tests' requests push them out)."""
    return sandbox.control.stats()["endpoints"].get("chat", 0)


def test_a_call_past_the_daily_quota_is_refused_before_it_is_sent(login_secrets, sandbox, api_key):
    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota("alice", daily=1.5, monthly=0)
    at = preset_app(login_secrets, sandbox, api_key)
    assert any("1.5 of 1.5 credits left today" in c.value for c in at.sidebar.caption)
    send(at, "first question")
    sent = chat_requests(sandbox)
    assert any("0.5 of 1.5 credits left today" in c.value for c in at.sidebar.caption)

    send(at, "second question")
    assert not at.exception
    assert any("would pass your admin's quota for the preset connection" in m.value for m in [*at.markdown, *at.error])
    assert chat_requests(sandbox) == sent  # nothing was sent
    calls = store.usage_ledger("alice").calls()
    assert list(calls["connection"].dropna().unique()) == ["preset"]
    assert set(calls.loc[calls["endpoint"] == "chat", "source"]) == {"chat"}
    header = usage.calls_csv(store, usage.Scope(user="alice", start=None, end=None, tz="UTC"), usage.Filters())
    assert header.decode().splitlines()[0].endswith("request_id,source,connection")
    assert "quota_exceeded" in set(calls["error_kind"].dropna()) and calls["credits"].sum() == 1


def test_everyones_default_applies_to_users_without_their_own(login_secrets, sandbox, api_key):
    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota(QUOTA_DEFAULT, daily=0, monthly=0.5)
    at = preset_app(login_secrets, sandbox, api_key, user="bob")
    assert any("0.5 of 0.5 credits left this month" in c.value for c in at.sidebar.caption)
    send(at, "anything")
    assert any("would pass your admin's quota for the preset connection" in m.value for m in [*at.markdown, *at.error])


def test_a_banner_warns_from_80_percent_and_says_when_the_quota_is_used_up(login_secrets, sandbox, api_key):
    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota("alice", daily=1.2, monthly=0)
    at = preset_app(login_secrets, sandbox, api_key)
    assert not at.warning and not at.error
    send(at, "first question")
    at.run()
    assert any("83% of today's quota" in w.value for w in at.warning)
    store.admin_set_quota("alice", daily=1, monthly=0)
    at.run()
    assert any("Today's quota on the preset connection is used up (1 of 1 credit)" in e.value for e in at.error)


def test_admins_see_each_users_quota_and_use_on_the_usage_page(login_secrets, sandbox, api_key):
    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota("alice", daily=3, monthly=30)
    send(preset_app(login_secrets, sandbox, api_key), "one call on the preset key")
    at = make_app(login_secrets, "app_pages/usage.py", user="root")
    assert not at.exception
    assert any("Credits each user may spend on your preset key" in c.value for c in at.caption)
    [table] = [frame.value for frame in at.dataframe if "daily" in frame.value.columns]
    rows = table.set_index("user")
    assert (rows.loc["alice", "daily"], rows.loc["alice", "monthly"], rows.loc["alice", "today"]) == (3, 30, "1")
    assert rows.loc["bob", "today"] == "0", "what a user without a quota spent shows too"
    assert (rows.loc["Everyone (default)", "daily"], rows.loc["Everyone (default)", "today"]) == (0, "—")
    assert set(rows.index) >= {"bob", "root"}
    # The per-user breakdown shows each user's use against their quota, whatever the range.
    [per_user] = [frame for frame in at.dataframe if "quota_day" in frame.value.columns]
    shares = per_user.value.set_index("user")
    assert (shares.loc["alice", "quota_day"], shares.loc["alice", "quota_month"]) == (1 / 3, 1 / 30)
    assert json.loads(per_user.proto.columns)["quota_day"]["label"] == "Quota used today"


def test_reaching_80_percent_posts_one_alert_to_the_admins_webhook(login_secrets, sandbox, api_key):
    hook = Hook(failures=0)
    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota("alice", daily=1.2, monthly=0)
    secrets = {
        **login_secrets,
        "alerts": {"webhook_url": hook.url},
        "security": {"allow_private_networks": ["127.0.0.0/8"]},
    }
    at = preset_app(secrets, sandbox, api_key)
    send(at, "first question")
    for _ in range(100):  # the alert goes from a background thread
        if hook.bodies:
            break
        time.sleep(0.05)
    [body] = hook.bodies
    assert (body["user"], body["threshold_percent"], body["used"], body["limit"]) == ("alice", 80, 1, 1.2)
    assert api_key not in json.dumps(hook.headers) + json.dumps(body)
    hook.server.shutdown()


def test_a_workbench_run_stops_as_a_whole_at_the_quota_and_says_so(login_secrets, sandbox, api_key):
    """Five one-credit cells against a daily quota of 3: three are sent and kept, the run stops
    with a message naming what was kept, and the cells left can be resumed later."""
    from tests.app.test_workbench import PAGE, paste, pasted_cases, run

    store = Store(login_secrets["store"]["url"])
    store.admin_set_quota("alice", daily=3, monthly=0)
    at = preset_app(login_secrets, sandbox, api_key)
    at.switch_page(PAGE).run()
    next(n for n in at.number_input if n.label == "At once").set_value(1).run()  # one at a time: three fit
    before = chat_requests(sandbox)
    run(paste(at, pasted_cases(5)))
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "stopped as a whole when your admin's quota on the preset connection was reached" in warning
    assert "3 of 5 cells finished and are kept" in warning
    assert any(b.label == "Resume the unfinished cells" for b in at.button)
    assert chat_requests(sandbox) - before == 3, "a cell past the quota reached the server"
    [saved] = store.list_workbench_runs("alice")
    assert saved["status"] == "quota" and saved["cells_done"] == 3
    at.button_group(key="lang_switch").set_value("zh").run()
    assert "此次运行已整体停止" in " ".join(w.value for w in at.warning)
