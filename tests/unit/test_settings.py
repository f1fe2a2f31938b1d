"""lib.settings: secrets.toml through one pydantic model, typed, with every bad key named at
once in both languages; the example file documents exactly the keys the model knows."""

from __future__ import annotations

import re
import tomllib
from ipaddress import ip_network
from typing import get_args

import pytest

from lib import settings
from lib.settings import PROJECT_ROOT, Settings, SettingsError, parse

GOOD_KEY = "k" * 32


def problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(SettingsError) as refused:
        parse(data)
    return [(p.where, p.key.rsplit(".", 1)[1]) for p in refused.value.problems]


def test_no_settings_are_the_defaults():
    assert parse({}) == Settings()
    defaults = Settings()
    assert defaults.auth is None and defaults.api.timeout == 60.0 and defaults.sandbox.port == 8765
    assert defaults.security.allow_private_networks is None, "the default depends on the mode"


def test_the_private_networks_default_by_mode():
    auth = {"users_file": "conf/u.yaml", "cookie_key": GOOD_KEY}
    assert parse({}).private_networks == (ip_network("127.0.0.0/8"), ip_network("::1/128")), "single-user: loopback"
    assert parse({"auth": auth}).private_networks == (), "login mode: none"
    chosen = {"allow_private_networks": ["10.0.0.0/8"]}
    assert parse({"auth": auth, "security": chosen}).private_networks == (ip_network("10.0.0.0/8"),)
    assert parse({"security": {"allow_private_networks": False}}).private_networks == ()


def test_values_are_typed():
    parsed = parse(
        {
            "api": {"timeout": 5, "api_key": "sk-x"},
            "security": {
                "allow_private_networks": ["10.0.0.0/8"],
                "allowed_hosts": ["a.example"],
                "allow_custom_urls": True,
            },
            "auth": {"users_file": "conf/u.yaml", "cookie_key": GOOD_KEY, "lockout_minutes": 30},
        }
    )
    assert parsed.api.timeout == 5.0 and isinstance(parsed.api.timeout, float)
    assert parsed.security.allow_private_networks == (ip_network("10.0.0.0/8"),)
    assert parsed.security.allowed_hosts == ("a.example",) and parsed.security.allow_custom_urls is True
    assert parsed.auth.users_file == PROJECT_ROOT / "conf" / "u.yaml" and parsed.auth.lockout.total_seconds() == 1800
    assert parse({"security": {"allow_private_networks": False}}).security.allow_private_networks == ()
    assert "sk-x" not in repr(parsed) and GOOD_KEY not in repr(parsed), "secrets stay out of reprs"


def test_an_empty_value_is_not_set():
    assert parse({"api": {"base_url": "", "timeout": ""}, "store": {"url": ""}}) == Settings()


def test_every_bad_key_is_named_at_once():
    found = problems(
        {
            "api": {"timeout": "soon", "timout": 3},
            "auth": {"cookie_key": "short", "max_failed_logins": 0, "trust_x_forwarded_for": "false"},
            "sandbox": {"port": 70000},
            "security": {"allow_private_networks": ["10.0.0.300/8"], "allowed_hosts": "a.example"},
            "securty": {"allow_custom_urls": True},
        }
    )
    assert found == [
        ("[api] timeout", "not_number"),
        ("[api] timout", "unknown"),
        ("[auth] users_file", "missing"),
        ("[auth] cookie_key", "cookie_key_weak"),
        ("[auth] max_failed_logins", "more_than"),
        ("[auth] trust_x_forwarded_for", "not_bool"),
        ("[sandbox] port", "at_most"),
        ("[security] allowed_hosts", "not_list"),
        ("[security] allow_private_networks", "networks"),
        ("[securty]", "unknown"),
    ]


@pytest.mark.parametrize("lang, words", [("en", "must be at most 65535"), ("zh", "必须不大于 65535")])
def test_the_problems_are_told_in_each_language(lang, words):
    with pytest.raises(SettingsError) as refused:
        parse({"sandbox": {"port": 70000}, "security": {"allow_private_networks": "yes"}})
    lines = refused.value.lines(lang)
    assert lines[0] == f"[sandbox] port{'：' if lang == 'zh' else ': '}{words}"
    assert "[security] allow_private_networks" in lines[1] and "yes" in lines[1]
    assert not any("config.problem" in line for line in lines), "every problem has words"


def test_a_file_is_read_and_one_that_is_not_toml_is_a_problem(tmp_path):
    assert settings.from_file(tmp_path / "missing.toml") == Settings()
    good = tmp_path / "good.toml"
    good.write_text("[api]\ntimeout = 12.5\n")
    assert settings.from_file(good).api.timeout == 12.5
    broken = tmp_path / "broken.toml"
    broken.write_text("[api\ntimeout = 1\n")
    with pytest.raises(SettingsError) as refused:
        settings.from_file(broken)
    assert "line 1" in refused.value.lines("en")[0]


def test_the_example_file_documents_exactly_the_keys_the_model_knows():
    """Each `# key = value` line of secrets.toml.example, uncommented, is a key the model takes;
    each key of the model is in the example."""
    example = (PROJECT_ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    uncommented, section, seen = [], None, set()
    for line in example.splitlines():
        if re.fullmatch(r"\[\w+\]", line):
            section = line
            uncommented.append(line)
        elif section and (key := re.match(r"# (\w+) = ", line)) and (section, key[1]) not in seen:
            seen.add((section, key[1]))  # the first of a key's examples
            uncommented.append(line[2:].split("   #")[0])
    documented = tomllib.loads("\n".join(uncommented))
    documented["auth"]["cookie_key"] = GOOD_KEY  # the example's is the placeholder, refused
    parse(documented)
    known = {
        name: set(
            next(t for t in get_args(field.annotation) or (field.annotation,) if t is not type(None)).model_fields
        )  # `auth` is `AuthSettings | None`
        for name, field in Settings.model_fields.items()
    }
    assert {name: set(keys) for name, keys in documented.items()} == known
