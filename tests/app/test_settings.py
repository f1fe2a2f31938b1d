"""A secrets.toml with bad values stops the app before any page or link, naming every bad key,
in the session's language."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.ui.state.shell import Language
from tests.app.helpers import state_of
from tests.fixtures.app import APPTEST_ENTRY, make_app

BAD = {
    "api": {"timeout": "soon"},
    "sandbox": {"port": 70000},
    "security": {"allow_private_networks": ["10.0.0.300/8"], "alow_custom_urls": True},
}


def stopped(at: AppTest) -> str:
    assert not at.exception and not at.chat_input and not at.text_input and not at.sidebar.button
    [error] = at.error
    return error.value


def test_every_bad_setting_is_named_and_nothing_else_is_drawn(app_secrets):
    shown = stopped(make_app({**app_secrets, **BAD}))
    assert shown.startswith("The app cannot start: 4 settings in .streamlit/secrets.toml are not valid.")
    for line in (
        "`[api] timeout`: must be a number",
        "`[sandbox] port`: must be at most 65535",
        "`[security] allow_private_networks`: must be true, false or a list of networks",
        "`[security] alow_custom_urls`: not a setting the app knows",
    ):
        assert line in shown
    assert "10.0.0.300/8" in shown


def test_the_problems_are_in_chinese_for_a_chinese_session(app_secrets):
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update({**app_secrets, **BAD})
    state_of(at, Language).code = "zh"
    shown = stopped(at.run())
    assert shown.startswith("应用无法启动：.streamlit/secrets.toml 中有 4 项设置无效。")
    assert "`[sandbox] port`：必须不大于 65535" in shown and "`[api] timeout`：必须是数字" in shown


@pytest.mark.parametrize(
    "bad",
    [
        {"auth": {"users_file": "users.yaml", "cookie_key": "k" * 32, "trust_x_forwarded_for": "false"}},
        {"alerts": {"webhook_url": 42}},
    ],
)
def test_a_share_link_does_not_open_with_bad_settings_either(app_secrets, bad):
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update({**app_secrets, **bad})
    at.query_params["share"] = "x" * 43
    assert "The app cannot start" in stopped(at.run())
