"""Settings and files that keep what the app holds to itself: the database file's mode, what a
browser is shown of an uncaught error."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from lib.netguard import is_public
from lib.store import Store

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    saved = os.umask(0o022)  # the usual umask, under which files are made readable by everyone
    try:
        Store(f"sqlite:///{tmp_path / 'store.db'}").add_usage("alice", endpoint="chat")
    finally:
        os.umask(saved)
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in tmp_path.glob("store.db*")
        if not path.name.endswith("lock")
    }
    assert modes and set(modes.values()) == {0o600}, modes


def test_a_browser_is_never_shown_a_traceback():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_ipv6_addresses_are_judged_by_the_ipv4_address_they_carry():

    private = [
        "::ffff:10.0.0.1",
        "::10.0.0.1",
        "::8.8.8.8",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:1",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ]
    public = ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"]
    assert [a for a in private if is_public(a)] == [] and all(map(is_public, public))
