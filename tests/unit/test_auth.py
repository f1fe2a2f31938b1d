"""lib.accounts.auth: the [auth] settings it refuses, which sessions still count, and the login limits,
on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lib.accounts import auth
from lib.accounts.auth import AuthConfigError, client_address, lock_remaining, session_refusal, slow_down_left
from lib.accounts.users import add_user, hash_password, load_users
from lib.settings import PROJECT_ROOT, AuthSettings, SettingsError, parse

GOOD_KEY = "k" * 32
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OUTSIDER, OWNER = "203.0.113.7", "198.51.100.1"


def auth_settings(section: dict) -> AuthSettings | None:
    return parse({"auth": section}).auth


def settings(**overrides) -> AuthSettings:
    return auth_settings({"users_file": "users.yaml", "cookie_key": GOOD_KEY, **overrides})


def test_no_auth_section_or_an_empty_one_is_single_user_mode():
    assert auth_settings({}) is None
    assert auth_settings({"users_file": "", "cookie_key": ""}) is None


@pytest.mark.parametrize(
    "section, where, problem",
    [
        ({"cookie_key": GOOD_KEY}, "[auth] users_file", "config.problem.missing"),
        ({"users_file": "u.yaml"}, "[auth] cookie_key", "config.problem.missing"),
        ({"users_file": "u.yaml", "cookie_key": "k" * 31}, "[auth] cookie_key", "config.problem.cookie_key_weak"),
        (
            {"users_file": "u.yaml", "cookie_key": "change-me-to-a-long-random-string"},
            "[auth] cookie_key",
            "config.problem.cookie_key_weak",
        ),
        (
            {"users_file": "u.yaml", "cookie_key": GOOD_KEY, "lockout_minutes": "soon"},
            "[auth] lockout_minutes",
            "config.problem.not_number",
        ),
    ],
)
def test_unusable_auth_settings_are_refused(section, where, problem):
    with pytest.raises(SettingsError) as refused:
        auth_settings(section)
    assert [(p.where, p.key) for p in refused.value.problems] == [(where, problem)]


def test_the_cookie_key_shown_in_the_example_file_is_refused():
    example = (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text()
    placeholder = re.search(r'cookie_key = "([^"]+)"', example).group(1)
    with pytest.raises(SettingsError, match="cookie_key_weak"):
        auth_settings({"users_file": "u.yaml", "cookie_key": placeholder})


def test_users_file_must_exist_parse_and_hold_users(tmp_path):
    with pytest.raises(AuthConfigError, match=r"auth\.users_file_missing"):
        auth.load_credentials(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("credentials: [unclosed\n")
    with pytest.raises(AuthConfigError, match=r"auth\.users_file_broken"):
        auth.load_credentials(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("credentials: {usernames: {}}\n")
    with pytest.raises(AuthConfigError, match=r"auth\.users_file_empty"):
        auth.load_credentials(empty)


def test_forwarded_for_is_used_only_when_trusted_and_only_its_last_hop():
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.7", trust_forwarded_for=False) == "10.0.0.5"
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.7", trust_forwarded_for=True) == "203.0.113.7"
    assert client_address(None, None, trust_forwarded_for=True) is None


def test_dummy_hash_costs_what_a_real_one_does():
    cost = slice(0, 7)  # "$2b$12$": algorithm and rounds
    assert auth._DUMMY_HASH.decode()[cost] == hash_password("anything")[cost]


# --- sessions ---------------------------------------------------------------------------------


def test_a_cookie_issued_before_sign_out_is_refused(store, tmp_path):
    users_file = tmp_path / "users.yaml"
    add_user(users_file, "alice", name="Alice", password="pw")
    credentials = load_users(users_file)["credentials"]
    token = {"username": "alice", "exp_date": (T0 + timedelta(days=7)).timestamp()}
    issued = auth.cookie_issued_at(token, expiry_days=7)
    assert issued == T0
    assert session_refusal(store, credentials, "alice", issued) is None
    store.sign_out_everywhere("alice", at=T0 + timedelta(seconds=1))
    assert session_refusal(store, credentials, "alice", issued) == "signed out"
    assert session_refusal(store, credentials, "alice", T0 + timedelta(seconds=2)) is None  # logged in again
    assert session_refusal(store, credentials, "bob", issued) == "user removed"
    assert session_refusal(store, credentials, "alice", None) == "no sign-in time"


def test_the_login_cookie_is_the_librarys_format_and_checked_on_reading():
    value = auth.make_cookie_token("alice", GOOD_KEY, 7, issued_at=T0)
    token = auth.read_cookie_token(value, GOOD_KEY, now=T0 + timedelta(days=6))
    assert token["username"] == "alice" and auth.cookie_issued_at(token, expiry_days=7) == T0
    # streamlit-authenticator's own cookie (HS256 JWT of username and exp_date) still reads.
    import jwt

    theirs = jwt.encode(
        {"username": "bob", "exp_date": (T0 + timedelta(days=7)).timestamp()}, GOOD_KEY, algorithm="HS256"
    )
    assert auth.read_cookie_token(theirs, GOOD_KEY, now=T0)["username"] == "bob"
    assert auth.read_cookie_token(value, GOOD_KEY, now=T0 + timedelta(days=7, seconds=1)) is None  # expired
    assert auth.read_cookie_token(value, "x" * 32, now=T0) is None  # another key
    assert auth.read_cookie_token(value[:-2], GOOD_KEY, now=T0) is None  # tampered
    assert auth.read_cookie_token("not a token", GOOD_KEY, now=T0) is None
    assert auth.read_cookie_token(None, GOOD_KEY, now=T0) is None
    no_name = jwt.encode({"exp_date": (T0 + timedelta(days=7)).timestamp()}, GOOD_KEY, algorithm="HS256")
    assert auth.read_cookie_token(no_name, GOOD_KEY, now=T0) is None


# --- password guessing ------------------------------------------------------------------------


def fail(store, times: int, username: str = "alice", client: str | None = None, at: datetime = T0) -> None:
    for _ in range(times):
        store.record_login_failure(auth.PAIR, f"{client or '-'} {username}", at=at)
        if client:
            store.record_login_failure(auth.CLIENT, client, at=at)


def test_five_failures_lock_the_client_address_for_the_lockout(store):
    policy = settings(max_failed_logins=5, lockout_minutes=15)
    fail(store, 4, client=OUTSIDER)
    assert lock_remaining(store, policy, OUTSIDER, now=T0) is None
    fail(store, 1, client=OUTSIDER)
    assert lock_remaining(store, policy, OUTSIDER, now=T0) == timedelta(minutes=15)
    assert lock_remaining(store, policy, OUTSIDER, now=T0 + timedelta(minutes=14)) == timedelta(minutes=1)
    assert lock_remaining(store, policy, OUTSIDER, now=T0 + timedelta(minutes=15)) is None


def test_no_name_is_ever_locked_or_slowed_for_another_client(store):
    """An outsider's wrong passwords for root neither lock nor slow root's own browser."""
    fail(store, 50, username="root", client=OUTSIDER)
    assert lock_remaining(store, settings(), OWNER, now=T0) is None
    assert slow_down_left(store, "root", OWNER, now=T0) == timedelta(0)
    assert slow_down_left(store, "root", OUTSIDER, now=T0) == auth.LONGEST_SLOW_DOWN


def test_unknown_clients_are_never_locked(store):
    fail(store, 50, username="root")
    assert lock_remaining(store, settings(), None, now=T0) is None


def test_a_failing_pair_waits_longer_after_each_failure_up_to_a_bound(store):
    waits = []
    for _ in range(10):
        fail(store, 1, client=OUTSIDER)
        waits.append(slow_down_left(store, "alice", OUTSIDER, now=T0).total_seconds())
    assert waits == [0, 0, 1, 2, 4, 8, 16, 16, 16, 16]
    assert slow_down_left(store, "alice", OUTSIDER, now=T0 + timedelta(seconds=10)) == timedelta(seconds=6)
    assert slow_down_left(store, "alice", OUTSIDER, now=T0 + timedelta(seconds=16)) == timedelta(0)


def test_each_failure_past_the_limit_doubles_the_lock_up_to_a_day(store):
    policy = settings(max_failed_logins=5, lockout_minutes=15)
    fail(store, 6, client=OUTSIDER)
    assert lock_remaining(store, policy, OUTSIDER, now=T0) == timedelta(minutes=30)
    fail(store, 100, client=OUTSIDER)
    assert lock_remaining(store, policy, OUTSIDER, now=T0) == auth.LONGEST_LOCKOUT


def test_a_client_trying_many_usernames_is_locked_for_every_username(store):
    policy = settings(max_failed_logins=5, lockout_minutes=15)
    for name in ("a", "b", "c", "d", "e"):
        auth.record_failure(store, name, OUTSIDER)
    assert lock_remaining(store, policy, OUTSIDER) is not None
    assert lock_remaining(store, policy, OWNER) is None


def test_success_clears_the_counters(store):
    policy = settings(max_failed_logins=5)
    for _ in range(4):
        auth.record_failure(store, "alice", OUTSIDER)
    auth.record_success(store, "alice", OUTSIDER)
    assert store.get_login_failures(auth.CLIENT, OUTSIDER) is None
    assert slow_down_left(store, "alice", OUTSIDER) == timedelta(0)
    assert lock_remaining(store, policy, OUTSIDER) is None


def test_the_log_says_why_addresses_cannot_be_seen():
    assert "trust_x_forwarded_for is off" in auth.address_blind_warning(False)
    assert "did not send it" in auth.address_blind_warning(True)


def test_trusting_forwarded_for_takes_a_real_boolean():
    assert settings(trust_x_forwarded_for=True).trust_x_forwarded_for is True
    with pytest.raises(SettingsError, match=r"config\.problem\.not_bool"):
        settings(trust_x_forwarded_for="false")
