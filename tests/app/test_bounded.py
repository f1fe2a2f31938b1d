"""What a hostile file or answer may not do to the app: a decompression bomb, a garbled
conversation import, uploaded bytes kept in the session, a key in a repr."""

from __future__ import annotations

import json

from lib.chat import transcripts
from lib.safe_text import markdown_literal as md
from lib.ui.connection import Connection
from lib.ui.state.chat import IMPORT_FILE, ChatPanels
from lib.ui.state.media import UploadPage
from tests.app.helpers import state_of
from tests.app.test_chat import last_request, send
from tests.app.test_upload import UPLOAD, upload_files
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes, pixel_bomb


def test_a_decompression_bomb_is_refused_with_its_reason(app_secrets):
    bomb = pixel_bomb()
    assert len(bomb) < 100_000
    at = upload_files(make_app(app_secrets, UPLOAD), [("bomb.png", bomb)])
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(md("bomb.png") in e and "more than 50 million pixels" in e for e in errors), errors


def test_the_upload_report_keeps_no_file_bytes_in_the_session(app_secrets):
    png = image_bytes(size=(64, 64))
    at = upload_files(make_app(app_secrets, UPLOAD), [("kept.png", png), ("refused.png", b"not an image")])
    outcomes = state_of(at, UploadPage).report
    assert [o.checked.name for o in outcomes] == ["kept.png", "refused.png"]
    assert all(o.checked.data == b"" for o in outcomes)


HOSTILE_IMPORT = {
    "format": transcripts.FORMAT,
    "version": 1,
    "title": "Hostile",
    "settings": {
        "model": "gpt-4o-mini",
        "system": {"nested": ["garbage"]},
        "compare": [{"x": 1}],
        "variables": {"who": [1, 2]},
        "params": {
            "max_tokens": {"on": True, "value": 999999},
            "temperature": {"on": True, "value": "hot"},
            "top_p": {"on": "yes", "value": 0.5},
            "seed": "x",
        },
    },
    "messages": [
        {"role": "user", "content": "hi", "meta": {"ttft": "fast", "tokens": -3, "model": {"n": 1}}},
        {
            "role": "assistant",
            "content": "hello there",
            "meta": {
                "model": "gpt-4o-mini",
                "ttft": "0.5s",
                "tps": float("inf"),
                "tokens": "many",
                "credits": [1],
                "column": 99,
            },
        },
    ],
}


def import_file(at, data: bytes):
    """Choose the file in the import popover's uploader (a new, empty one after each import)."""
    uploader = IMPORT_FILE(state_of(at, ChatPanels).import_uploads).key
    at.file_uploader(key=uploader).set_value(("hostile.json", data, "application/json")).run()
    return at.button(key="chat_import_go").click().run()


def test_a_hostile_import_is_cleaned_with_a_note_and_the_chat_works(app_secrets, sandbox):
    at = import_file(make_app(app_secrets), json.dumps(HOSTILE_IMPORT).encode())
    assert not at.exception
    notes = [w.value for w in at.warning if "Imported with changes" in w.value]
    assert notes and "`settings.system`" in notes[0] and "`settings.params.temperature`" in notes[0]
    assert notes[0].endswith("(+10)"), "15 values were adjusted; the first five are named"
    assert at.subheader[0].value == "Hostile (imported)"  # an import is told apart from its original
    assert any(m.value == "hello there" for m in at.markdown)

    send(at, "and now?")
    assert not at.exception
    sent = last_request(sandbox)
    assert sent["max_tokens"] == 32768 and "temperature" in sent and sent["temperature"] == 1.0
    assert "top_p" not in sent  # its "on" was not a boolean: left off


def test_a_deeply_nested_or_oversized_import_is_refused_not_a_crash(app_secrets):
    at = import_file(make_app(app_secrets), b"[" * 100_000 + b"]" * 100_000)
    assert not at.exception
    assert any("JSON" in e.value for e in at.error)
    at = import_file(at, b'{"title": "' + b"x" * (6 * 1024 * 1024) + b'"}')
    assert not at.exception and any("5 MB" in e.value for e in at.error)


def test_a_connection_repr_never_shows_its_key():
    connection = Connection("custom", "http://h/api/v1", "http://h/api/upload.php", "sk-fake-repr-0123456789")
    assert "sk-fake-repr-0123456789" not in repr(connection) and "sk-fake-repr-0123456789" not in str(connection)
