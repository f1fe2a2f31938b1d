"""One user's data is invisible to another on every page (login mode, AppTest)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lib.store import Store, utcnow
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes

MARK = "alicePrivate7f3a"
PAGES = ["app_pages/chat.py", "app_pages/images.py", "app_pages/video.py", "app_pages/upload.py", "app_pages/usage.py"]


@pytest.fixture
def alice_data(login_secrets):
    store = Store(login_secrets["store"]["url"])
    conversation = store.create_conversation("alice", f"{MARK} conversation", None)
    store.add_message("alice", conversation.id, "user", f"{MARK} message")
    store.set_setting("alice", "chat.open_conversation", conversation.id)
    store.add_media("alice", data=image_bytes(), mime="image/png", prompt=f"{MARK} image", credits=10)
    store.add_upload(
        "alice",
        url=f"http://127.0.0.1:9/{MARK}.png",
        stored_filename=f"{MARK}.png",
        original_filename=f"{MARK}.png",
        size=95,
        mime="image/png",
        expire_at=utcnow() + timedelta(days=3),
    )
    store.add_video_task("alice", "video_alice", f"{MARK} video", "sora-2", 5, "16:9", credits=15)
    store.update_video_task("alice", "video_alice", status="failed", raw_status="failed", error="no")
    store.add_usage(
        "alice", endpoint="chat", model=f"{MARK}-model", status=200, credits=1, request_id=f"{MARK}-request"
    )
    return store


def area_text(area) -> str:
    """Everything an area shows, every nested element's content included."""

    def walk(node):
        children = getattr(node, "children", None)
        if children is None:
            yield str(node.proto)
        else:
            yield str(getattr(node, "proto", ""))
            for child in children.values():
                yield from walk(child)

    return "\n".join(walk(area))


def page_text(at) -> str:
    """The main area and the sidebar (where the Chat page lists conversation titles)."""
    return area_text(at.main) + "\n" + area_text(at.sidebar)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_shows_alice_her_data_and_bob_nothing_of_it(login_secrets, alice_data, page):
    as_alice = make_app(login_secrets, page=page, user="alice")
    assert not as_alice.exception and MARK in page_text(as_alice)
    as_bob = make_app(login_secrets, page=page, user="bob")
    assert not as_bob.exception and MARK not in page_text(as_bob)


def test_the_sidebar_lists_alice_her_conversations_and_bob_none_of_them(login_secrets, alice_data):
    bobs = alice_data.create_conversation("bob", "bobs own chat", None)
    as_alice = make_app(login_secrets, page="app_pages/chat.py", user="alice")
    assert f"{MARK} conversation" in area_text(as_alice.sidebar), "the walk reaches the titles"
    as_bob = make_app(login_secrets, page="app_pages/chat.py", user="bob")
    sidebar = area_text(as_bob.sidebar)
    assert bobs.title in sidebar and MARK not in sidebar
