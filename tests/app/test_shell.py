"""The app shell under AppTest: single-user mode, login, logout, roles, language, connection panel."""

from __future__ import annotations

import logging

import httpx
import pytest

from lib.store import Store
from lib.ui.state.connection import ConnectionChoice
from lib.ui.state.shell import Identity, Language
from tests.app.helpers import state_of, texts
from tests.fixtures.app import PASSWORDS, make_app


def test_single_user_mode_needs_no_login_and_says_so(app_secrets):
    at = make_app(app_secrets)
    assert not at.exception
    assert "Single-user mode" in texts(at)
    assert at.chat_input, "the Chat page is the default page"


def test_login_form_until_logged_in(login_secrets):
    at = make_app(login_secrets)
    assert not at.chat_input
    assert "Log in with the account" in texts(at)
    at.text_input[0].set_value("alice")
    at.text_input[1].set_value("wrong")
    at.button[0].click().run()
    assert "Wrong username or password" in texts(at) and not at.chat_input
    at.text_input[0].set_value("alice")
    at.text_input[1].set_value(PASSWORDS["alice"])
    at.button[0].click().run()
    assert not at.exception
    assert at.chat_input and state_of(at, Identity).user == "alice"
    assert "alice" in texts(at).lower() and not state_of(at, Identity).is_admin


def test_admin_role_comes_from_users_file(login_secrets):
    at = make_app(login_secrets, user="root")
    assert state_of(at, Identity).is_admin is True


def test_logout_returns_to_login_form(login_secrets):
    at = make_app(login_secrets, user="alice")
    assert at.chat_input
    at.button(key="logout_button").click().run()
    assert not at.chat_input and "Log in with the account" in texts(at)


@pytest.mark.parametrize(
    "cookie_key",
    [
        "some_key",  # the library's default
        "change-me-to-a-long-random-string",  # the example file's placeholder: long enough, still public
        "x" * 31,  # one short of the minimum
        "",
    ],
)
def test_refuses_login_mode_with_a_known_or_short_cookie_key(login_secrets, cookie_key):
    secrets = {**login_secrets, "auth": {**login_secrets["auth"], "cookie_key": cookie_key}}
    at = make_app(secrets)
    assert "cookie_key" in texts(at) and not at.chat_input and not at.text_input


def test_language_switch_translates_and_is_remembered(app_secrets):
    at = make_app(app_secrets)
    switch = at.button_group(key="lang_switch")
    switch.set_value("zh").run()
    assert "单用户模式" in texts(at)
    at.sidebar.radio(key="conn_mode_zh").set_value("custom").run()
    assert not at.exception and state_of(at, ConnectionChoice).mode == "custom"
    again = make_app(app_secrets)
    assert "单用户模式" in texts(again), "a returning user keeps the chosen language"


def test_connection_test_lists_models(app_secrets):
    at = make_app(app_secrets)
    next(b for b in at.sidebar.button if b.label == "Test connection").click().run()
    assert any("Connected" in s.value for s in at.sidebar.success)


def test_connection_test_shows_typed_error_for_bad_key(app_secrets):
    at = make_app({**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": "sk-wrong"}})
    next(b for b in at.sidebar.button if b.label == "Test connection").click().run()
    assert any("401" in e.value for e in at.sidebar.error)


def test_api_key_typed_by_user_stays_masked(app_secrets):
    at = make_app(app_secrets)
    at.sidebar.radio(key="conn_mode_en").set_value("reshi123").run()
    key_input = next(t for t in at.sidebar.text_input if t.label == "API key")
    key_input.set_value("sk-test-typed-by-the-user-abcdef").run()
    shown = texts(at)
    assert "sk-test-typed-by-the-user-abcdef" not in shown and "sk-...cdef" in shown


def test_no_configuration_at_all_uses_the_embedded_sandbox(tmp_path):
    at = make_app({"store": {"url": f"sqlite:///{tmp_path / 'store.db'}"}})
    assert at.sidebar.radio(key="conn_mode_en").value == "sandbox"
    next(b for b in at.sidebar.button if b.label == "Test connection").click().run()
    assert any("Connected" in s.value for s in at.sidebar.success)
    # Its control API is off: a base URL typed into the app cannot reach it through the app.
    root = state_of(at, ConnectionChoice).client.base_url.removesuffix("/api/v1")
    assert httpx.post(f"{root}/sandbox/keys/sk-sandbox/disable").status_code == 404
    assert httpx.get(f"{root}/sandbox/health").status_code == 404


def test_the_app_logs_each_api_call(app_secrets):
    make_app(app_secrets)
    logger = logging.getLogger("reshi.api")
    assert logger.isEnabledFor(logging.INFO) and logger.handlers, "INFO lines of lib.client would be dropped"


def log_in(at, user: str) -> None:
    at.text_input[0].set_value(user)
    at.text_input[1].set_value(PASSWORDS[user])
    at.button[0].click().run()


def test_the_login_page_has_a_language_switch_that_carries_into_the_session(login_secrets):
    at = make_app(login_secrets)
    at.button_group(key="login_lang").set_value("zh").run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    log_in(at, "alice")
    assert not at.exception and state_of(at, Identity).user == "alice"
    assert state_of(at, Language).code == "zh" and at.button(key="logout_button").help == "退出登录"
    assert Store(login_secrets["store"]["url"]).get_setting("alice", "lang") == "zh", "remembered for next time"


def test_a_users_saved_language_wins_over_the_login_pages_default(login_secrets):
    Store(login_secrets["store"]["url"]).set_setting("bob", "lang", "zh")
    at = make_app(login_secrets)
    assert [t.label for t in at.text_input] == ["Username", "Password"]  # the browser's language
    log_in(at, "bob")
    assert state_of(at, Language).code == "zh"
    at.button_group(key="lang_switch").set_value("en").run()
    at.run()
    assert state_of(at, Language).code == "en", "the sidebar's switch is not undone by the saved language"


def theme_in_page(at) -> str:
    """The theme the page's script asks the browser for ("System", "Light" or "Dark")."""
    scripts = [h.proto.body for h in at.get("html") if "stActiveTheme" in h.proto.body]
    assert len(scripts) == 1
    return scripts[0].split("const want = ")[1].split(",")[0].strip('"')


def test_a_theme_picked_is_the_users_in_their_next_session(login_secrets):
    at = make_app(login_secrets, user="alice")
    assert theme_in_page(at) == "System"
    at.button_group(key="theme_switch").set_value("dark").run()
    assert theme_in_page(at) == "Dark"
    assert Store(login_secrets["store"]["url"]).get_setting("alice", "theme") == "dark"
    again = make_app(login_secrets, user="alice")
    assert again.button_group(key="theme_switch").value == "dark" and theme_in_page(again) == "Dark"
    assert theme_in_page(make_app(login_secrets, user="bob")) == "System", "alice's theme is hers alone"


def picker_styles(at) -> str:
    return " ".join(h.proto.body for h in at.get("html") if "stFileUploaderDropzone" in h.proto.body)


def test_every_file_picker_speaks_the_users_language_and_states_its_limit(app_secrets):
    at = make_app(app_secrets)  # the Chat page: its Import picker
    at.button_group(key="lang_switch").set_value("zh").run()
    assert "选择文件" in picker_styles(at) and "本应用导出的 JSON · 不超过 5 MB" in picker_styles(at)
    assert at.file_uploader[0].proto.max_upload_size_mb == 5
    at.switch_page("app_pages/workbench.py").run()
    assert "CSV 或 JSONL · 不超过 10 MB" in picker_styles(at)
    assert at.file_uploader(key="wb_file").proto.max_upload_size_mb == 10
