"""What every browser test starts from."""

from __future__ import annotations

import pytest

from lib.store import Store
from tests.fixtures.app import PASSWORDS


@pytest.fixture(autouse=True)
def saved_languages_cleared(request):
    """A test that picks Chinese saves it as its user's language; a test that failed before
    switching back left every later test of that user signed in to Chinese pages. Each browser
    test on the shared server starts with no saved language (nor theme), so it opens in English."""
    if "app_url" not in request.fixturenames:
        yield
        return
    store = Store(f"sqlite:///{request.getfixturevalue('e2e_dir') / 'store.db'}")
    try:
        for user in PASSWORDS:
            store.set_setting(user, "lang", None)
            store.set_setting(user, "theme", None)
    finally:
        store.dispose()
    yield
