"""What a user sees when the app's database cannot be used (issue 22)."""
from __future__ import annotations

import sqlalchemy as sa

from lib.store import Store
from streamlit.testing.v1 import AppTest

from tests.fixtures.app import APPTEST_ENTRY, make_app


def made_by_a_newer_release(url: str) -> None:
    Store(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()


def test_a_database_from_a_newer_release_is_a_message_not_a_traceback(app_secrets):
    made_by_a_newer_release(app_secrets["store"]["url"])
    at = make_app(app_secrets)
    assert not at.exception
    assert not at.chat_input, "no page runs on a database this release must not touch"
    assert "newer release of Reshi Playground (schema revision 9999" in at.error[0].value


def test_the_message_in_chinese(app_secrets):
    made_by_a_newer_release(app_secrets["store"]["url"])
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(app_secrets)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert "此数据库最近由更新版本的 Reshi Playground 打开（结构版本 9999" in at.error[0].value
