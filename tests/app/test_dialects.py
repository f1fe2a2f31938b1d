"""Every page under each dialect the sandbox speaks (reshi, new-api, openai): what a user does
works the same, and out of credit reads as such whichever status and code say it."""

from __future__ import annotations

import pytest

from lib.store import Store
from tests.app.helpers import texts
from tests.app.test_upload import upload_files
from tests.app.test_video import finish_and_reload
from tests.app.test_video import generate as generate_video
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes

DIALECTS = ("reshi", "new-api", "openai")


@pytest.fixture(params=DIALECTS)
def dialect(request, sandbox_dialect) -> str:
    sandbox_dialect(request.param)
    return request.param


def test_chat_replies_and_lists_chat_models_only(app_secrets, dialect):
    at = make_app(app_secrets, "app_pages/chat.py")
    options = at.selectbox(key="chat_new_model").options
    assert "gpt-4o-mini" in options and not [o for o in options if "sora" in o or "image" in o]
    at.chat_input[0].set_value("hello there").run()
    assert not at.exception and not at.error
    assert [m.role for m in Store(app_secrets["store"]["url"]).list_messages("local", 1)] == ["user", "assistant"]


def test_images_are_shown(app_secrets, dialect):
    at = make_app(app_secrets, "app_pages/images.py")
    at.text_area(key="images_prompt").set_value("a red fox")
    at.button(key="images_generate").click().run()
    assert not at.exception and not at.error
    assert len(at.image) == 1


def test_a_filtered_image_says_the_safety_filter_dropped_it(app_secrets, dialect):
    at = make_app(app_secrets, "app_pages/images.py")
    at.text_area(key="images_prompt").set_value("a red fox [filtered]")
    at.button(key="images_generate").click().run()
    assert any("safety filter" in e.value for e in at.error)


def test_a_video_plays_when_done(app_secrets, sandbox, dialect):
    at = finish_and_reload(generate_video(make_app(app_secrets, "app_pages/video.py"), "a fox at dawn"), sandbox)
    assert "Finished" in texts(at), texts(at)
    assert len(at.get("video")) == 1


def test_out_of_credit_is_explained_as_credits(app_secrets, sandbox, dialect):
    poor = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": sandbox.control.add_key(credits=0)}}
    at = make_app(poor, "app_pages/images.py")
    at.text_area(key="images_prompt").set_value("a red fox")
    at.button(key="images_generate").click().run()
    assert any("credits ran out" in e.value for e in at.error), [e.value for e in at.error]
    assert not any("disabled" in e.value for e in at.error)


def test_upload_gives_a_link(app_secrets, dialect):
    at = upload_files(make_app(app_secrets, "app_pages/upload.py"), [("fox.png", image_bytes("PNG"))])
    assert not at.exception and not at.error
    assert Store(app_secrets["store"]["url"]).list_uploads("local")


def test_usage_shows_the_balance_or_says_it_is_unavailable(app_secrets, dialect):
    at = make_app(app_secrets, "app_pages/usage.py")
    assert not at.exception
    balance = [m for m in at.metric if m.label == "Balance"][0].value
    assert ("unavailable" in balance.lower()) == (dialect == "openai"), balance
