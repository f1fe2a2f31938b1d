"""Login hardening under AppTest: attempt limits, refused settings, sessions that end."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config

from lib.accounts.auth import COOKIE_NAME, cookie_issued_at, read_cookie_token
from lib.accounts.users import remove_user
from lib.store import Store
from lib.ui import auth as auth_ui
from lib.ui.state.auth import SignIn
from lib.ui.state.shell import Identity
from tests.app.helpers import state_of, texts
from tests.fixtures.app import COOKIE_KEY, PASSWORDS, make_app

TOO_MANY = "Too many attempts, try again in"


def submit(at, username: str, password: str) -> None:
    at.text_input[0].set_value(username)
    at.text_input[1].set_value(password)
    at.button[0].click().run()


def test_without_client_addresses_wrong_passwords_never_lock_the_right_one_out(login_secrets, caplog):
    """Under AppTest, as behind a proxy on this host that is not trusted, no client address can
    be seen: nothing is locked (an outsider's guesses would lock the owner out), the pair is
    slowed down, and the log says why."""
    auth_ui._ADDRESS_BLIND_WARNED.clear()  # it warns once per process; this test is that process's first
    at = make_app(login_secrets)
    with caplog.at_level(logging.INFO, logger="reshi.auth"):
        for _ in range(6):
            submit(at, "root", "wrong")
            assert "Wrong username or password" in texts(at) and TOO_MANY not in texts(at)
        reloaded = make_app(login_secrets)  # the owner, in a session of their own
        submit(reloaded, "root", PASSWORDS["root"])
    assert not reloaded.exception and state_of(reloaded, Identity).user == "root"
    lines = [r.getMessage() for r in caplog.records if r.name == "reshi.auth"]
    assert any(line.startswith("login slowed down user='root'") for line in lines)
    assert sum(line.startswith("client addresses cannot be seen") for line in lines) == 1


def test_unknown_names_are_answered_like_known_ones(login_secrets):
    at = make_app(login_secrets)
    submit(at, "nobody", "wrong")
    assert "Wrong username or password" in texts(at)


def test_failed_login_is_logged_without_the_password(login_secrets, caplog):
    at = make_app(login_secrets)
    with caplog.at_level(logging.INFO, logger="reshi.auth"):
        submit(at, "alice", "my-secret-guess-42")
        submit(at, "alice", PASSWORDS["alice"])
    lines = [r.getMessage() for r in caplog.records if r.name == "reshi.auth"]
    assert any(line.startswith("login failed user='alice'") for line in lines)
    assert any(line.startswith("login ok user='alice'") for line in lines)
    assert "my-secret-guess-42" not in caplog.text and PASSWORDS["alice"] not in caplog.text


# --- settings that must stop the app ----------------------------------------------------------


@pytest.fixture
def secrets_file(tmp_path):
    """Point Streamlit at a secrets file of the test's making, as `streamlit run` would read it."""
    path = tmp_path / "secrets.toml"
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    st.secrets._reset()
    yield path
    config.set_option("secrets.files", saved)
    st.secrets._reset()


def stopped_with(at, text: str) -> bool:
    return (
        not at.exception
        and any(text in e.value for e in at.error)
        and not at.chat_input
        and not at.text_input
        and state_of(at, Identity).user is None
    )


def test_a_secrets_file_that_does_not_parse_stops_the_app(secrets_file: Path, users_file):
    secrets_file.write_text(f'[auth]\nusers_file = "{users_file}"\ncookie_key = "unterminated\n')
    at = make_app({})
    assert stopped_with(at, "secrets.toml could not be read")
    assert "line 3" in at.error[0].value  # says where


def test_auth_without_a_users_file_stops_instead_of_making_everyone_admin(login_secrets, tmp_path):
    no_file = {**login_secrets, "auth": {"cookie_key": login_secrets["auth"]["cookie_key"]}}
    assert stopped_with(make_app(no_file), "`[auth] users_file`: missing")
    missing = {**login_secrets, "auth": {**login_secrets["auth"], "users_file": str(tmp_path / "gone.yaml")}}
    assert stopped_with(make_app(missing), "does not exist")


def test_short_cookie_key_is_refused(login_secrets):
    secrets = {**login_secrets, "auth": {**login_secrets["auth"], "cookie_key": "x" * 31}}
    assert stopped_with(make_app(secrets), "shorter than 32 characters")


# --- live sessions ----------------------------------------------------------------------------


def test_removing_a_user_ends_their_live_session(login_secrets, users_file):
    at = make_app(login_secrets, user="alice")
    assert at.chat_input
    remove_user(users_file, "alice")
    at.run()
    assert not at.chat_input and "Log in with the account" in texts(at)


def test_signing_out_on_another_browser_ends_this_session(login_secrets):
    at = make_app(login_secrets, user="alice")
    assert at.chat_input
    other_browser = Store(login_secrets["store"]["url"])
    other_browser.sign_out_everywhere("alice")
    other_browser.dispose()
    at.run()
    assert not at.chat_input and "Log in with the account" in texts(at)


# --- the login cookie, and nothing that reruns the login page ---------------------------------


def _cookie_scripts(at) -> list[str]:
    """The scripts that write the login cookie (the theme's script only names it, to wait for it)."""
    return [h.proto.body for h in at.get("html") if f"{COOKIE_NAME}=" in h.proto.body]


def test_nothing_on_the_login_page_reruns_it(login_secrets):
    """A custom component reports back to the server, which reruns the script; a rerun landing
    while a "Log in" click's run is on its way to the form stops that run, and the click is lost
    (Extra-Streamlit-Components issue 58). The cookie is read from the request and written and
    deleted by scripts that report nothing, so no component is drawn, signed out or in."""
    at = make_app(login_secrets)
    assert at.text_input and not at.get("component_instance") and not _cookie_scripts(at)
    submit(at, "alice", PASSWORDS["alice"])
    assert state_of(at, Identity).user == "alice" and not at.get("component_instance")
    at.button(key="logout_button").click().run()
    assert at.text_input and state_of(at, Identity).user is None and not at.get("component_instance")


def test_login_writes_the_cookie_and_logout_deletes_it(login_secrets):
    at = make_app(login_secrets)
    submit(at, "alice", PASSWORDS["alice"])
    [script] = _cookie_scripts(at)
    value = re.search(rf"{COOKIE_NAME}=([^;]*);", script).group(1)
    token = read_cookie_token(value, COOKIE_KEY)
    assert token["username"] == "alice" and "path=/" in script and "SameSite=Strict" in script
    assert "(location.protocol === 'https:' ? '; Secure' : '')" in script  # Secure when served over https
    # Signed with the key, and dated by the login: a sign-out after it does not refuse it.
    assert abs(cookie_issued_at(token, 7) - state_of(at, SignIn).signed_in_at) < timedelta(seconds=1)
    at.run()
    assert _cookie_scripts(at) == [script]  # on every run: one write lost would log them out later

    at.button(key="logout_button").click().run()
    [script] = _cookie_scripts(at)
    assert f"{COOKIE_NAME}=;" in script and "expires=Thu, 01 Jan 1970" in script and "path=/" in script


def test_the_next_user_on_a_tab_gets_nothing_of_the_last_ones_session(login_secrets):
    at = make_app(login_secrets, user="alice")
    at.text_area(key="chat_new_system").set_value("Alice's secret instructions").run()
    at.button(key="logout_button").click().run()
    submit(at, "bob", PASSWORDS["bob"])
    assert state_of(at, Identity).user == "bob"
    assert at.text_area(key="chat_new_system").value == "", "a new chat starts from the defaults"
    assert not [k for k in at.session_state if "Alice" in str(at.session_state[k])]
