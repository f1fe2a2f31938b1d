"""What lib/ui/legacy_pages.py relies on in Streamlit's internals. When one of these fails,
Streamlit changed how it detects a `pages/` folder: look for a public way again (a config option,
or `st.navigation` no longer needing a first legacy run), then fix or remove the workaround and
run tests/e2e/test_login.py and tests/e2e/test_first_request.py twice each."""
from __future__ import annotations

import inspect

import streamlit as st
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

CHANGED = "Streamlit changed its legacy multipage detection: see lib/ui/legacy_pages.py and this file's docstring"


def test_a_pages_folder_beside_the_main_script_still_sets_the_process_wide_flag(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    assert hasattr(PagesManager, "uses_pages_directory"), CHANGED
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)  # as in a new process
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True, CHANGED


def test_st_navigation_still_clears_it(monkeypatch):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)

    def home() -> None:
        pass

    st.navigation([st.Page(home)])  # outside a script run it only flips the switch
    assert PagesManager.uses_pages_directory is False, CHANGED
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation), CHANGED


def test_the_script_runner_still_picks_the_legacy_router_by_it():
    source = inspect.getsource(script_runner.ScriptRunner._run_script)
    assert "if PagesManager.uses_pages_directory:" in source and "_mpa_v1(" in source, CHANGED
