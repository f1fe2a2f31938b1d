"""The app's settings: `.streamlit/secrets.toml` read into one pydantic model, `Settings`.

Every section the app reads is a model here, each key typed, with its default: `[api]`,
`[auth]`, `[store]`, `[sandbox]`, `[alerts]`, `[security]`. `parse(data)` checks the whole file
at once and raises `SettingsError` naming every bad key (an unknown key too: a typo must not
be silently ignored), each problem as a catalog key and fields, so the app shows them in the
user's language (`config.problem.*` in `lib/locales/*/config.toml`). The app parses them at
the start of every run (`lib/ui/config.py`, cached per file content) and stops with that list
when they are wrong; the command-line tools read the file with `from_file`.

An empty string counts as not set (the example file's `key = ""`). No Streamlit here.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from lib.i18n import key_family, t

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
MIN_COOKIE_KEY_LENGTH = 32
# The library's default and the placeholder in .streamlit/secrets.toml.example.
PLACEHOLDER_COOKIE_KEYS = frozenset({"some_key", "change-me-to-a-long-random-string"})
COOKIE_NAME = "reshi_playground_auth"
EMBEDDED_SANDBOX_PORT = 8765


class _Section(BaseModel):
    """A table of secrets.toml: unknown keys refused, values never changed after the start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value != ""}
        return data


class ApiSettings(_Section):
    """The admin's preset connection: with `api_key` set the sidebar offers it."""

    base_url: str | None = None  # None: the provider's (lib.client.DEFAULT_BASE_URL)
    api_key: str | None = Field(default=None, repr=False)
    upload_url: str | None = None  # None: derived from base_url
    timeout: PositiveFloat = 60.0  # seconds a server may stay silent


class AuthSettings(_Section):
    """Login mode. `users_file` is relative to the project root (an absolute path stays so)."""

    users_file: Path
    cookie_key: str = Field(repr=False)
    cookie_name: str = COOKIE_NAME
    cookie_expiry_days: PositiveFloat = 7.0
    max_failed_logins: PositiveInt = 5
    lockout_minutes: PositiveFloat = 15.0
    trust_x_forwarded_for: StrictBool = False

    @field_validator("users_file")
    @classmethod
    def _under_project(cls, path: Path) -> Path:
        return PROJECT_ROOT / path

    @field_validator("cookie_key")
    @classmethod
    def _strong_key(cls, key: str) -> str:
        if len(key) < MIN_COOKIE_KEY_LENGTH or key in PLACEHOLDER_COOKIE_KEYS:
            raise PydanticCustomError(
                "cookie_key_weak",
                "shorter than {length} characters or a placeholder",
                {"length": MIN_COOKIE_KEY_LENGTH},
            )
        return key

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)


class StoreSettings(_Section):
    url: str | None = None  # any SQLAlchemy URL; None: lib.store.default_url()


class SandboxSettings(_Section):
    root_url: str | None = None  # a sandbox already running; None: the embedded one
    api_key: str | None = Field(default=None, repr=False)
    port: int = Field(default=EMBEDDED_SANDBOX_PORT, ge=1, le=65535)
    files_dir: Path | None = None


class AlertsSettings(_Section):
    webhook_url: str | None = None


Networks = tuple[IPv4Network | IPv6Network, ...]


class SecuritySettings(_Section):
    allow_custom_urls: StrictBool = False
    allowed_hosts: tuple[str, ...] = ()
    # None: the default for the mode (loopback in single-user mode, none in login mode).
    allow_private_networks: Networks | None = None

    @field_validator("allow_private_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or (isinstance(value, (list, tuple)) and all(isinstance(c, str) for c in value)):
            # Imported here: netguard brings httpx, which the command-line tools reading this
            # file (lib.accounts.users, lib.store.cli) need only for this key (`import lib.accounts.users` under 0.5 s).
            from lib import netguard

            try:
                return netguard.networks(value)
            except ValueError:
                pass
        raise PydanticCustomError(
            "networks",
            "must be true, false or a list of networks",
            {"value": json.dumps(value, ensure_ascii=False, default=str)},
        )  # as TOML writes it


class Settings(BaseModel):
    """The whole file. `auth` is None in single-user mode (no [auth] section, or an empty one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api: ApiSettings = ApiSettings()
    auth: AuthSettings | None = None
    store: StoreSettings = StoreSettings()
    sandbox: SandboxSettings = SandboxSettings()
    alerts: AlertsSettings = AlertsSettings()
    security: SecuritySettings = SecuritySettings()

    @field_validator("auth", mode="before")
    @classmethod
    def _empty_auth_is_single_user(cls, value: Any) -> Any:
        return (
            None
            if value in ({}, None) or (isinstance(value, dict) and not any(v != "" for v in value.values()))
            else value
        )

    @property
    def private_networks(self) -> Networks:
        """The private networks the app may call: `[security] allow_private_networks`, else the
        mode's default. Single-user mode runs on the user's own machine, where local model
        servers are common, so loopback is allowed there; login mode allows none."""
        if self.security.allow_private_networks is not None:
            return self.security.allow_private_networks
        if self.auth is not None:
            return ()
        from lib import netguard  # httpx: see `SecuritySettings._networks`

        return tuple(netguard.LOOPBACK)


class Problem(NamedTuple):
    """One bad key: where (`[auth] cookie_key`), and what is wrong as a catalog key and its fields."""

    where: str
    key: str
    fields: dict


# Pydantic's error types, grouped into the few things a person is told.
_PROBLEM_OF_TYPE = {
    "missing": "missing",
    "extra_forbidden": "unknown",
    "bool_type": "not_bool",
    "bool_parsing": "not_bool",
    "int_type": "not_whole",
    "int_parsing": "not_whole",
    "int_from_float": "not_whole",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "greater_than": "more_than",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "string_type": "not_text",
    "path_type": "not_text",
    "list_type": "not_list",
    "tuple_type": "not_list",
    "model_type": "not_table",
    "model_attributes_type": "not_table",
    "dict_type": "not_table",
    "cookie_key_weak": "cookie_key_weak",
    "networks": "networks",
}
_problem_key = key_family("config.problem", [*_PROBLEM_OF_TYPE.values(), "other"])
_LIMITS = ("gt", "ge", "le", "length", "value")


class SettingsError(Exception):
    """The settings file holds values the app must not start with: `problems`, every one of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.where}: {p.key}" for p in problems))
        self.problems = problems

    def lines(self, lang: str, code: Callable[[str], str] = str) -> list[str]:
        """One line per bad key in `lang`: where (through `code`, e.g. Markdown's backticks), what."""
        return [
            t("config.problem_line", lang, where=code(p.where), problem=t(p.key, lang, **p.fields))
            for p in self.problems
        ]


def _where(loc: tuple) -> str:
    """`[section] key` from an error's location (what follows the key, such as a union's branch
    or a list's index, is left out)."""
    section, key = (str(part) for part in (*loc, "")[:2])
    return f"[{section}] {key}" if key else f"[{section}]"


def _problem(error: ErrorDetails) -> Problem:
    name = _PROBLEM_OF_TYPE.get(error["type"], "other")
    fields = {
        "limit" if k in ("gt", "ge", "le") else k: format(v, "g") if isinstance(v, (int, float)) else str(v)
        for k, v in (error.get("ctx") or {}).items()
        if k in _LIMITS
    }
    if name == "other":
        fields = {"message": error["msg"]}
    return Problem(_where(error["loc"]), _problem_key(name), fields)


@lru_cache(maxsize=8)
def _parse_cached(frozen: str) -> Settings:
    return _validate(json.loads(frozen))


def _validate(data: dict) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        for problem in map(_problem, exc.errors(include_url=False)):
            if problem not in problems:  # a union's branches may each report the same key
                problems.append(problem)
        raise SettingsError(problems) from None


def parse(data: dict) -> Settings:
    """The settings in `data` (secrets.toml as a dict), checked; SettingsError names every bad key.
    Parsed once per content: the app calls this on every run."""
    try:
        frozen = json.dumps(data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return _validate(data)
    return _parse_cached(frozen)


def from_file(path: Path = SECRETS_FILE) -> Settings:
    """The settings of a secrets file (the defaults when there is none), for the command-line
    tools. Raises SettingsError, also for a file that is not TOML."""
    if not path.exists():
        return Settings()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([Problem(path.name, _problem_key("other"), {"message": str(exc)})]) from None
    return parse(data)


def print_problems(error: SettingsError, path: Path) -> int:
    """A command-line tool's report of a bad settings file, in English, on stderr; the exit code
    of bad input (2)."""
    print(f"error: {path} holds settings the app cannot use:", file=sys.stderr)
    for line in error.lines("en"):
        print(f"  {line}", file=sys.stderr)
    return 2
