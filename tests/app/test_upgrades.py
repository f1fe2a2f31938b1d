"""Every page opens on a database made by each earlier release (tests/fixtures/releases/),
upgraded at start, on SQLite and PostgreSQL, and shows that release's data; and on the last
release's database moved to the other backend (`python -m lib.store copy`)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import Store
from lib.store.backup import copy_database
from tests.fixtures.app import APPTEST_ENTRY
from tests.fixtures.postgres import new_database
from tests.fixtures.releases import RELEASES, release_database, release_info

PAGES_DIR = "app_pages"


def shown(at) -> str:
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error", "code")
        for e in at.get(kind)
    ]
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
    every_page_shows(release, release_database(release, store_url), sandbox, api_key)


def test_every_page_works_on_a_database_moved_to_the_other_backend(store_url, sandbox, api_key, tmp_path, request):
    """`python -m lib.store copy --to`: the last release's SQLite file moved to PostgreSQL, or a
    PostgreSQL database moved to a SQLite file; every page shows its data there."""
    release = RELEASES[-1]
    if store_url.startswith("sqlite"):
        with new_database(request.getfixturevalue("postgres_url")) as source:
            copy_database(release_database(release, source), store_url)
    else:
        copy_database(release_database(release, f"sqlite:///{tmp_path / 'release.db'}"), store_url)
    every_page_shows(release, store_url, sandbox, api_key)
    at = opened({"sandbox": {"root_url": sandbox.root_url, "api_key": api_key}, "store": {"url": store_url}})
    at.chat_input[0].set_value("Written after the move").run()  # new rows: the sequences were set past the copied ids
    assert not at.exception and not at.error
    store = Store(store_url)
    try:
        assert [c.title for c in store.list_conversations("local")][0] == "Written after the move"
    finally:
        store.dispose()


def every_page_shows(release: str, url: str, sandbox, api_key) -> None:
    secrets = {"sandbox": {"root_url": sandbox.root_url, "api_key": api_key}, "store": {"url": url}}
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
