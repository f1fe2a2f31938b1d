"""Every page opens on a database made by each earlier release (tests/fixtures/releases/),
upgraded at start, on SQLite and PostgreSQL, and shows that release's data."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.fixtures.app import APPTEST_ENTRY
from tests.fixtures.releases import RELEASES, release_database, release_info

PAGES_DIR = "app_pages"


def shown(at) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error", "code")
             for e in at.get(kind)]
    parts += [f"{e.label}={e.value}" for e in at.get("metric")]
    parts += [e.label for e in at.get("button")]
    parts += [" | ".join(map(str, e.options)) for e in at.get("selectbox")]
    return "\n".join(parts)


def opened(secrets: dict, page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=60)
    at.secrets.update(secrets)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"{PAGES_DIR}/{page}.py").run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


@pytest.mark.parametrize("release", RELEASES)
def test_every_page_shows_an_upgraded_release(release, store_url, sandbox, api_key):
    secrets = {"sandbox": {"root_url": sandbox.root_url, "api_key": api_key},
               "store": {"url": release_database(release, store_url)}}
    info = release_info(release)

    chat = shown(opened(secrets))
    assert "Lisbon day trip (local)" in chat and "Haiku (local)" in chat
    assert "(alice)" not in chat, "single-user mode shows user local's work only"
    assert "a red lighthouse at dawn" in shown(opened(secrets, "images"))
    video = shown(opened(secrets, "video"))
    assert r"waves at dusk \(done\)" in video and "were refunded" in video
    assert r"cat\.jpg" in shown(opened(secrets, "upload"))
    usage = shown(opened(secrets, "usage"))
    assert "Credits spent=0" not in usage and "Credits spent=" in usage
    workbench = shown(opened(secrets, "workbench"))
    leaderboard = shown(opened(secrets, "leaderboard"))
    shares = shown(opened(secrets, "shares"))
    if info["share_tokens"]:  # a release with workbench runs, shares and votes
        assert "Translate to French: {{text}}" in workbench
        assert "Your votes=1" in leaderboard
        assert r"Lisbon day trip \(local\)" in shares
        viewer = shown(opened(secrets, query={"share": info["share_tokens"]["alice"]}))
        assert "Alfama" in viewer
    else:
        assert "New run (nothing opened)" in workbench and "Your votes=0" in leaderboard
        assert "You have not shared anything yet" in shares
