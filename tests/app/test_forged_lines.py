"""A hostile import cannot forge log lines or ledger rows: its model names are checked, and
whatever reaches the log or the ledger is one line."""

from __future__ import annotations

import json
import logging

from lib import chat
from lib.chat import transcripts
from lib.store import Store
from tests.app.test_chat import open_in_next_run, send
from tests.fixtures.app import make_app

FORGED = "gpt-4o-mini\n2026-01-01 00:00:00,000 INFO reshi.auth: login ok user='root' client=10.0.0.1"


def hostile_export() -> bytes:
    return json.dumps(
        {
            "format": transcripts.FORMAT,
            "version": transcripts.VERSION,
            "title": "Quarterly numbers",
            "settings": {"model": FORGED, "compare": [FORGED]},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello", "meta": {"model": FORGED}},
            ],
        }
    ).encode()


def test_an_imported_model_name_with_a_newline_is_refused_and_nothing_is_forged(app_secrets, caplog):
    store = Store(app_secrets["store"]["url"])
    imported = transcripts.parse_import(hostile_export())
    assert {"settings.model", "settings.compare"} <= set(imported.adjusted)
    assert imported.settings["model"] == chat.DEFAULT_MODEL and imported.messages[1][2] == {}
    conversation = transcripts.import_into(store, "local", imported)

    at = make_app(app_secrets)
    open_in_next_run(at, conversation.id)
    with caplog.at_level(logging.INFO):
        send(at, "and now?")
    assert not at.exception
    lines = caplog.text.splitlines()
    assert any("chat model='gpt-4o-mini'" in line for line in lines)
    assert not [line for line in lines if "login ok" in line]
    assert set(store.admin_usage_ledger().calls()["model"].dropna()) == {chat.DEFAULT_MODEL}


def test_the_log_and_the_ledger_keep_any_model_name_on_one_line(app_secrets, caplog):
    """A model name typed or offered by a server is not an import's: quoted in the log,
    stripped of control characters in the ledger."""
    store = Store(app_secrets["store"]["url"])
    at = make_app(app_secrets)
    open_in_next_run(at, store.create_conversation("local", "t", chat.default_settings(FORGED)).id)
    with caplog.at_level(logging.INFO, logger="reshi.api"):
        send(at, "hello")
    api_lines = [r.getMessage() for r in caplog.records if r.name == "reshi.api"]
    assert api_lines and all("\n" not in line for line in api_lines)
    assert all("\n" not in model for model in store.admin_usage_ledger().calls()["model"].dropna())
