"""Share links under AppTest: the dialog makes a share, a link opens only its snapshot (signed
out, no sidebar, no key), bad, revoked and expired links say so, and only the owner revokes."""

from __future__ import annotations

import re
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from lib.sharing import shares
from lib.store import Store, utcnow
from tests.app.helpers import store_of
from tests.app.test_chat import send
from tests.app.test_chat_features import compare_app
from tests.app.test_isolation import page_text
from tests.app.test_video import finish_and_reload, generate, kept_task
from tests.app.test_video import open_page as open_video_page
from tests.fixtures.app import APPTEST_ENTRY, make_app
from tests.imagefiles import image_bytes

SHARED, PRIVATE = "sharedOtter4c1e", "privateBadger9d2f"


def open_link(secrets, token: str) -> AppTest:
    """A new browser session opening `?share=TOKEN`, signed in as nobody."""
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(secrets)
    at.query_params[shares.QUERY_PARAM] = token
    return at.run()


def alice_shares_a_conversation(secrets, **kwargs) -> tuple[str, Store]:
    """Alice has two conversations and shares the first; the second must never show."""
    store = store_of(secrets)
    shared = store.create_conversation("alice", f"{SHARED} title", {})
    store.add_message("alice", shared.id, "user", f"{SHARED} question")
    store.add_message(
        "alice",
        shared.id,
        "assistant",
        f"{SHARED} **answer** <b>bold?</b>",
        {"model": "gpt-4o-mini", "tokens": 12, "credits": 1, "request_id": "req_private"},
    )
    private = store.create_conversation("alice", f"{PRIVATE} title", {})
    store.add_message("alice", private.id, "user", f"{PRIVATE} question")
    store.set_setting("alice", "chat.open_conversation", private.id)
    snapshot = shares.conversation_snapshot(shared, store.list_messages("alice", shared.id))
    token, _ = shares.create_share(store, "alice", snapshot, **{"expiry": "7d", **kwargs})
    return token, store


def test_dialog_creates_a_share_of_the_conversation(app_secrets):
    at = make_app(app_secrets)
    send(at, "Tell me about otters")
    at.button(key="chat_share").click().run()
    at.segmented_control(key="chat_share_expiry").set_value("1d").run()
    at.text_area(key="chat_share_note").input("for the team").run()
    at.button(key="chat_share_create").click().run()
    link = next(c.value for c in at.code if "share=" in c.value)
    token = re.search(r"share=([A-Za-z0-9_-]+)$", link).group(1)
    [share] = store_of(app_secrets).list_shares("local")
    assert (share.kind, share.note, share.title) == ("conversation", "for the team", "Tell me about otters")
    assert timedelta(hours=23) < share.expires_at - utcnow() <= timedelta(days=1)
    assert share.token_hash == shares.token_hash(token)
    at.button(key="chat_share_create").click().run()
    assert at.button(key="chat_share_create").disabled and len(store_of(app_secrets).list_shares("local")) == 1


def test_link_shows_the_shared_conversation_and_nothing_else(login_secrets):
    token, _ = alice_shares_a_conversation(login_secrets, note="look at this")
    at = open_link(login_secrets, token)
    text = page_text(at)
    assert not at.exception
    assert f"{SHARED} question" in text and f"{SHARED} **answer**" in text and "look at this" in text
    assert PRIVATE not in text and "req_private" not in text
    assert login_secrets["sandbox"]["api_key"] not in text and "127.0.0.1" not in text
    assert len(at.sidebar.children) == 0 and not at.text_input  # no sidebar, no login form
    assert not any(e.proto.allow_html for e in at.markdown)  # model text: HTML off


def test_link_works_in_single_user_mode_and_counts_one_view_per_session(app_secrets):
    store = store_of(app_secrets)
    conversation = store.create_conversation("local", "otters", {})
    store.add_message("local", conversation.id, "user", f"{SHARED} hello")
    token, _share = shares.create_share(
        store,
        "local",
        shares.conversation_snapshot(conversation, store.list_messages("local", conversation.id)),
        "never",
    )
    at = open_link(app_secrets, token)
    assert f"{SHARED} hello" in page_text(at) and len(at.sidebar.children) == 0
    at.run()  # a rerun of the same session
    open_link(app_secrets, token)
    assert store.list_shares("local")[0].views == 2


def test_viewer_switches_to_chinese(login_secrets):
    token, _ = alice_shares_a_conversation(login_secrets)
    at = open_link(login_secrets, token)
    assert "Shared read-only" in page_text(at)
    at.segmented_control(key="share_lang").set_value("zh").run()
    assert "来自 Reshi 调试台的只读分享" in page_text(at) and f"{SHARED} question" in page_text(at)


def test_unknown_revoked_and_expired_links_say_so(login_secrets):
    token, store = alice_shares_a_conversation(login_secrets)
    assert "does not exist" in page_text(open_link(login_secrets, token[:-2] + "xx"))
    assert "does not exist" in page_text(open_link(login_secrets, "not a token"))
    [share] = store.list_shares("alice")
    store.revoke_share("alice", share.id)
    revoked = page_text(open_link(login_secrets, token))
    assert "revoked by its owner" in revoked and SHARED not in revoked
    expired_token, _ = alice_shares_a_conversation(login_secrets, expiry="1d", now=utcnow() - timedelta(days=2))
    expired = page_text(open_link(login_secrets, expired_token))
    assert "expired on" in expired and SHARED not in expired


def test_only_the_owner_sees_and_revokes_a_share(login_secrets):
    token, store = alice_shares_a_conversation(login_secrets)
    as_bob = make_app(login_secrets, page="app_pages/shares.py", user="bob")
    assert SHARED not in page_text(as_bob) and not [
        b for b in as_bob.button if (b.key or "").startswith("shares_revoke")
    ]
    [share] = store.list_shares("alice")
    assert not store.revoke_share("bob", share.id)
    as_alice = make_app(login_secrets, page="app_pages/shares.py", user="alice")
    assert f"{SHARED} title" in page_text(as_alice)
    as_alice.button(key=f"shares_revoke_{share.id}").click().run()
    assert "revoked" in page_text(as_alice) and not [
        b for b in as_alice.button if (b.key or "").startswith("shares_revoke")
    ]
    assert "revoked by its owner" in page_text(open_link(login_secrets, token))


def create_in_dialog(at, key: str):
    at.button(key=key).click().run()
    at.button(key=f"{key}_create").click().run()
    assert not at.exception, at.exception
    link = next(c.value for c in at.code if "share=" in c.value)
    return re.search(r"share=([A-Za-z0-9_-]+)$", link).group(1)


def test_an_image_shared_from_the_gallery_opens_with_its_bytes(app_secrets):
    store = store_of(app_secrets)
    data = image_bytes()
    media = store.add_media("local", data=data, mime="image/png", prompt=f"{SHARED} image", width=4, height=4)
    token = create_in_dialog(make_app(app_secrets, page="app_pages/images.py"), f"images_share_{media.id}")
    store.delete_media("local", media.id)  # the share keeps its own copy
    at = open_link(app_secrets, token)
    assert f"{SHARED} image" in page_text(at) and len(at.image) == 1 and len(at.sidebar.children) == 0
    [share] = store.list_shares("local")
    assert share.kind == "image" and store.share_media(share.id) == data


def test_a_finished_video_is_shared_with_its_bytes(app_secrets, sandbox):
    at = generate(open_video_page(app_secrets), f"{SHARED} video", duration=2)
    at = finish_and_reload(at, sandbox)
    [task] = store_of(app_secrets).list_video_tasks("local")
    token = create_in_dialog(at, f"video_{task.task_id}_share")
    viewer = open_link(app_secrets, token)
    assert f"{SHARED} video" in page_text(viewer) and len(viewer.get("video")) == 1
    [share] = store_of(app_secrets).list_shares("local")
    assert share.kind == "video" and store_of(app_secrets).share_media(share.id)[4:8] == b"ftyp"  # an MP4


def test_a_video_shared_after_its_providers_file_is_gone_holds_the_kept_copy(app_secrets, sandbox):
    _, task = kept_task(app_secrets, sandbox, f"{SHARED} kept video", duration=1)
    token = create_in_dialog(open_video_page(app_secrets), f"video_{task.task_id}_share")
    store = store_of(app_secrets)
    [share] = store.list_shares("local")
    assert store.share_media(share.id) == store.task_video_bytes("local", task.task_id)
    assert len(open_link(app_secrets, token).get("video")) == 1


def test_the_latest_comparison_is_shared_and_reported(app_secrets):
    at = compare_app(app_secrets, ["gpt-4o-mini", "gemini-pro"])
    send(at, f"{SHARED} compare please")
    assert [b for b in at.get("download_button") if b.proto.label == "Comparison report (HTML)"]
    at.button(key="chat_share").click().run()
    at.segmented_control(key="chat_share_what").set_value("comparison").run()
    at.button(key="chat_share_create").click().run()
    token = re.search(r"share=([A-Za-z0-9_-]+)$", next(c.value for c in at.code if "share=" in c.value)).group(1)
    share = store_of(app_secrets).share_by_token_hash(shares.token_hash(token))
    assert share.kind == "comparison" and [c["meta"]["model"] for c in share.payload["columns"]] == [
        "gpt-4o-mini",
        "gemini-pro",
    ]
    text = page_text(open_link(app_secrets, token)).replace("\\", "")  # names shown as escaped Markdown
    assert f"{SHARED} compare please" in text and "gpt-4o-mini" in text and "gemini-pro" in text


def test_a_chat_without_comparison_offers_no_report(app_secrets):
    at = make_app(app_secrets)
    send(at, "just one model")
    assert not [b for b in at.get("download_button") if b.proto.label == "Comparison report (HTML)"]
