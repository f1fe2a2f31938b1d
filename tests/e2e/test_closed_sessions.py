"""A closed tab's session is let go for good once its reconnect window has passed: the file it
had picked in the Upload page no longer sits in the server's memory. Streamlit itself only
forgets such a session, so without lib.ui.resources.ClosedSessionSweeper the bytes stay for
the life of the process. Read from Streamlit's own /_stcore/metrics."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import wait_for_app
from tests.fixtures.app import _write_secrets, start_app_server, stop_app_server

TTL_SECONDS = 2  # the server then sweeps every second


@pytest.fixture
def short_ttl_url(app_secrets, tmp_path) -> str:
    _write_secrets(tmp_path / "secrets.toml", app_secrets)
    url, process = start_app_server(
        tmp_path, "server.log", extra_args=["--server.disconnectedSessionTTL", str(TTL_SECONDS)]
    )
    yield url
    stop_app_server(process)


def uploaded_bytes(url: str) -> int:
    """What the server holds of files picked in uploaders (Streamlit drops the line at zero)."""
    lines = httpx.get(f"{url}/_stcore/metrics", timeout=10).text.splitlines()
    return sum(int(float(line.split()[-1])) for line in lines if 'cache_type="UploadedFileManager"' in line)


def test_a_closed_tabs_picked_file_is_freed_after_the_reconnect_window(browser: Browser, short_ttl_url, tmp_path):
    picture = tmp_path / "picked.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(1_000_000))
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{short_ttl_url}/upload")
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(picture))
    expect(page.get_by_text("picked.png").first).to_be_visible(timeout=30_000)
    wait_for_app(page)
    # The name shows while the file is still on its way up.
    assert held_within(short_ttl_url, 30, lambda held: held >= 1_000_000) >= 1_000_000

    context.close()
    assert held_within(short_ttl_url, TTL_SECONDS + 30, lambda held: held == 0) == 0


def held_within(url: str, seconds: float, done) -> int:
    """The uploaded bytes the server holds, once `done(bytes)` or when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not done(held := uploaded_bytes(url)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return held
