"""A page run without app.py (what Streamlit's legacy multipage mode does with a first request
for `/chat` in a new process, see lib/ui/legacy_pages.py) must start again through app.py
before it draws anything: pages have no guard of their own, they ask for the user first."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.fixtures.app import ROOT

PAGES = sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_a_page_run_without_app_py_draws_nothing_and_starts_again(page: Path, app_secrets, monkeypatch):
    restarts = []

    def restart_through_app():  # the real one reruns, and a rerun of this page alone never ends
        restarts.append(page.stem)
        st.stop()

    monkeypatch.setattr("lib.ui.session.restart_through_app", restart_through_app)
    at = AppTest.from_file(str(page), default_timeout=30)  # no pages/ beside it: the page alone
    at.secrets.update(app_secrets)
    at.run()
    assert not at.exception
    assert restarts == [page.stem], f"{page.name} ran on without a signed-in user"
    drawn = [*at.main.children.values(), *at.sidebar.children.values()]
    assert not drawn, (f"{page.name} drew {drawn} before asking for the user: call current_user() "
                       "(or get_client()) before anything else on the page")
