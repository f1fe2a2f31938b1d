"""The connection panel under the network guard: who may type URLs, and what a refusal looks like."""

from __future__ import annotations

from tests.fixtures.app import make_app


def _test_connection(at):
    next(b for b in at.sidebar.button if b.label == "Test connection").click().run()


def _connect_custom(at, base_url: str) -> None:
    at.sidebar.radio(key="conn_mode_en").set_value("custom").run()
    at.sidebar.text_input(key="conn_base_url").set_value(base_url)
    at.sidebar.text_input(key="conn_api_key").set_value("sk-fake-typed-by-user").run()


def test_non_admin_gets_no_custom_or_upload_url_in_login_mode(login_secrets):
    at = make_app(login_secrets, user="alice")
    assert "Custom base URL" not in at.sidebar.radio(key="conn_mode_en").options
    at.sidebar.radio(key="conn_mode_en").set_value("reshi123").run()
    assert not [t for t in at.sidebar.text_input if t.key == "conn_upload_url"]
    # Said plainly: an ordinary user is not shown the server's settings (issue 31).
    assert any("administrator has turned off custom base URLs" in c.value for c in at.sidebar.caption)
    assert not any("[security]" in c.value for c in at.sidebar.caption)


def test_admin_may_let_non_admins_type_urls(login_secrets):
    at = make_app({**login_secrets, "security": {"allow_custom_urls": True}}, user="alice")
    assert "Custom base URL" in at.sidebar.radio(key="conn_mode_en").options
    at.sidebar.radio(key="conn_mode_en").set_value("reshi123").run()
    assert at.sidebar.text_input(key="conn_upload_url").value == ""  # the box the test above finds absent


def test_admin_pointing_at_loopback_gets_the_translated_refusal(login_secrets, canary):
    at = make_app(login_secrets, user="root")
    _connect_custom(at, f"{canary.url}/api/v1")
    _test_connection(at)
    assert not at.exception
    assert any("loopback" in e.value and "allow_private_networks" in e.value for e in at.sidebar.error)
    at.button_group(key="lang_switch").set_value("zh").run()
    next(b for b in at.sidebar.button if b.label == "测试连接").click().run()
    assert any("回环" in e.value for e in at.sidebar.error)
    assert canary.requests == []


def test_single_user_mode_reaches_a_local_server(app_secrets, sandbox):
    """People run OpenAI-compatible servers on their own machine: loopback is allowed by default."""
    at = make_app(app_secrets)
    _connect_custom(at, sandbox.base_url)
    at.sidebar.text_input(key="conn_api_key").set_value("sk-sandbox").run()
    _test_connection(at)
    assert any("Connected" in s.value for s in at.sidebar.success)


def test_single_user_mode_refuses_loopback_when_the_admin_says_so(app_secrets, canary):
    at = make_app({**app_secrets, "security": {"allow_private_networks": False}})
    _connect_custom(at, f"{canary.url}/api/v1")
    _test_connection(at)
    assert any("allow_private_networks" in e.value for e in at.sidebar.error)
    assert canary.requests == []


def test_a_mistyped_network_stops_the_app_with_a_message(app_secrets):
    at = make_app({**app_secrets, "security": {"allow_private_networks": ["10.0.0.300/8"]}})
    assert not at.exception
    assert any("allow_private_networks" in e.value and "10.0.0.300/8" in e.value for e in at.error)
    assert not at.chat_input
