"""lib.store on SQLite and on a real PostgreSQL (the `store` fixture runs each test on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from lib.credits.pricing import ANY_MODEL, CHAT, DEFAULT_PRICES, IMAGES, VIDEO, Price
from lib.store import Store, default_url

A, B = "alice", "bob"


def aware_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


# --- conversations and messages -------------------------------------------------------------


def test_conversation_lifecycle(store):
    settings = {"model": "gpt-x", "system": "be brief", "params": {"temperature": 0.2}}
    conv = store.create_conversation(A, "First", settings)
    assert conv.title == "First" and conv.settings == settings and conv.user == A
    assert aware_utc(conv.created_at) and aware_utc(conv.updated_at)
    assert store.get_conversation(A, conv.id) == conv

    assert store.rename_conversation(A, conv.id, "Renamed")
    assert store.update_conversation_settings(A, conv.id, {"model": "other"})
    got = store.get_conversation(A, conv.id)
    assert (got.title, got.settings) == ("Renamed", {"model": "other"})
    assert got.updated_at >= conv.updated_at


def test_conversations_newest_updated_first(store):
    first = store.create_conversation(A, "one", {})
    second = store.create_conversation(A, "two", {})
    assert [c.id for c in store.list_conversations(A)] == [second.id, first.id]
    store.rename_conversation(A, first.id, "one again")  # any change moves it to the top
    assert [c.id for c in store.list_conversations(A)] == [first.id, second.id]
    store.add_message(A, second.id, "user", "hello")  # a new message bumps it too
    assert [c.id for c in store.list_conversations(A)] == [second.id, first.id]


def test_messages_add_update_delete_count(store):
    conv = store.create_conversation(A, "chat", {})
    user_msg = store.add_message(A, conv.id, "user", "hi")
    reply = store.add_message(A, conv.id, "assistant", "", {"model": "m", "incomplete": True})
    assert aware_utc(reply.created_at) and reply.meta["incomplete"] is True
    assert store.update_message(
        A, reply.id, content="Hello!", meta={"model": "m", "ttft": 0.3, "tokens": 12, "credits": 1.0}
    )
    assert store.update_message(A, user_msg.id, content="hi there")
    assert [(m.role, m.content) for m in store.list_messages(A, conv.id)] == [
        ("user", "hi there"),
        ("assistant", "Hello!"),
    ]
    assert store.list_messages(A, conv.id)[1].meta == {"model": "m", "ttft": 0.3, "tokens": 12, "credits": 1.0}
    assert store.count_messages(A, conv.id) == 2
    assert store.delete_message(A, user_msg.id)
    assert store.count_messages(A, conv.id) == 1
    assert not store.update_message(A, reply.id)  # nothing to change


def test_last_n_messages_in_order(store):
    conv = store.create_conversation(A, "long", {})
    other = store.create_conversation(A, "other", {})
    for i in range(30):
        store.add_message(A, conv.id, "user" if i % 2 == 0 else "assistant", f"m{i}")
        store.add_message(A, other.id, "user", f"x{i}")
    assert [m.content for m in store.list_messages(A, conv.id, limit=5)] == ["m25", "m26", "m27", "m28", "m29"]
    assert len(store.list_messages(A, conv.id)) == 30
    assert [m.content for m in store.list_messages(A, conv.id, limit=100)][:2] == ["m0", "m1"]


def test_delete_conversation_deletes_its_messages(store):
    conv = store.create_conversation(A, "bye", {})
    keep = store.create_conversation(A, "keep", {})
    store.add_message(A, conv.id, "user", "x")
    store.add_message(A, keep.id, "user", "y")
    assert store.delete_conversation(A, conv.id)
    assert store.get_conversation(A, conv.id) is None
    assert store.count_messages(A, conv.id) == 0
    assert store.count_messages(A, keep.id) == 1
    assert not store.delete_conversation(A, conv.id)


# --- user isolation ---------------------------------------------------------------------------


def test_user_b_sees_and_changes_nothing_of_user_a(store):
    conv = store.create_conversation(A, "secret", {"model": "m"})
    msg = store.add_message(A, conv.id, "user", "private")
    img = store.add_media(A, data=b"png", mime="image/png", prompt="cat")
    upload = store.add_upload(A, url="https://x/u.png")
    store.add_video_task(A, "task-1", "a boat", "sora-2", 10, "16:9", 15)
    store.add_usage(A, endpoint=CHAT, credits=1)
    store.set_setting(A, "language", "zh")

    # B reads nothing.
    assert store.list_conversations(B) == []
    assert store.get_conversation(B, conv.id) is None
    assert store.list_messages(B, conv.id) == [] and store.count_messages(B, conv.id) == 0
    assert store.list_media(B) == []
    assert store.get_media_bytes(B, img.id) is None
    assert store.list_uploads(B) == [] and store.get_upload(B, upload.id) is None
    assert store.list_video_tasks(B, include_hidden=True) == []
    assert store.unfinished_video_tasks(B) == [] and store.get_video_task(B, "task-1") is None
    assert store.usage_ledger(B).calls().empty and store.usage_ledger(B).net_credits() == 0
    assert store.get_setting(B, "language") is None

    # B changes nothing.
    assert store.add_message(B, conv.id, "user", "intrusion") is None
    assert not store.rename_conversation(B, conv.id, "pwned")
    assert not store.update_conversation_settings(B, conv.id, {})
    assert not store.update_message(B, msg.id, content="pwned")
    assert not store.delete_message(B, msg.id)
    assert not store.delete_media(B, img.id)
    assert not store.delete_upload(B, upload.id)
    assert store.update_video_task(B, "task-1", status="failed") is None
    assert not store.hide_video_task(B, "task-1")
    assert not store.delete_conversation(B, conv.id)

    # A's data is intact.
    assert store.get_conversation(A, conv.id).title == "secret"
    assert [m.content for m in store.list_messages(A, conv.id)] == ["private"]
    assert store.get_media_bytes(A, img.id) == b"png"
    assert len(store.list_uploads(A)) == 1
    task = store.get_video_task(A, "task-1")
    assert task.status == "queued" and not task.hidden


def test_same_task_id_for_two_users(store):
    store.add_video_task(A, "shared", "p", "sora-2", 10, "16:9", 15)
    store.add_video_task(B, "shared", "q", "sora-2", 10, "16:9", 15)
    store.update_video_task(A, "shared", status="completed")
    assert store.get_video_task(B, "shared").status == "queued"


# --- settings, persistence --------------------------------------------------------------------


def test_settings_upsert(store):
    assert store.get_setting(A, "budget", default={"daily": 0}) == {"daily": 0}
    store.set_setting(A, "budget", {"daily": 100, "monthly": 1000})
    store.set_setting(A, "budget", {"daily": 50})
    store.set_setting(A, "open_conversation", 7)
    assert store.get_setting(A, "budget") == {"daily": 50}
    assert store.get_setting(A, "open_conversation") == 7


def test_data_persists_across_store_instances(store_url):
    first = Store(store_url)
    conv = first.create_conversation(A, "kept", {"model": "m"})
    first.add_message(A, conv.id, "user", "still here")
    first.set_setting(A, "language", "zh")
    first.add_usage(A, endpoint=CHAT, credits=2)
    first.dispose()

    again = Store(store_url)  # opening an up-to-date database changes nothing
    try:
        assert again.get_conversation(A, conv.id).title == "kept"
        assert [m.content for m in again.list_messages(A, conv.id)] == ["still here"]
        assert again.get_setting(A, "language") == "zh"
        assert again.usage_ledger(A).calls()["credits"].tolist() == [2.0]
    finally:
        again.dispose()


def test_default_url_is_sqlite_file_in_data():
    url = default_url()
    assert url.startswith("sqlite:///") and url.endswith("/data/playground.db")


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive"):
        store.add_usage(A, endpoint=CHAT, ts=datetime(2024, 1, 1))


# --- usage ledger -----------------------------------------------------------------------------


def test_usage_ledger_with_refund_and_window(store):
    t0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    store.add_usage(
        A, endpoint=VIDEO, model="sora-2", status=200, latency_ms=812.5, credits=15, request_id="req-1", ts=t0
    )
    store.add_usage(
        A, endpoint=VIDEO, model="sora-2", error_kind="task_failed", credits=-15, ts=t0 + timedelta(hours=1)
    )
    store.add_usage(
        A,
        endpoint=CHAT,
        model="m",
        status=429,
        error_kind="rate_limit",
        prompt_tokens=10,
        completion_tokens=0,
        ts=t0 + timedelta(days=2),
    )

    frame = store.usage_ledger(A).calls().iloc[::-1]  # oldest first
    assert list(frame.columns) == [
        "ts",
        "user",
        "endpoint",
        "model",
        "outcome",
        "status",
        "error_kind",
        "latency_ms",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "credits",
        "request_id",
        "source",
        "connection",
    ]
    assert frame["credits"].tolist() == [15.0, -15.0, 0.0]
    assert frame["outcome"].tolist() == ["ok", "refund", "error"]
    assert frame["credits"].sum() == 0  # the refund cancels the charge
    assert str(frame["ts"].dt.tz) == "UTC"
    assert frame["ts"].iloc[0] == pd.Timestamp(t0)
    assert frame["status"].tolist()[0] == 200 and pd.isna(frame["status"].iloc[1])
    assert frame["request_id"].iloc[0] == "req-1"

    # start inclusive, end exclusive; any aware zone works.
    plus8 = timezone(timedelta(hours=8))
    window = store.usage_ledger(A).calls(start=t0.astimezone(plus8), end=t0 + timedelta(hours=1))
    assert window["credits"].tolist() == [15.0]
    assert len(store.usage_ledger(A).calls(start=t0 + timedelta(days=1))) == 1
    assert store.usage_ledger(A).span() == (t0, t0 + timedelta(days=2))


def test_usage_empty_frame_has_columns(store):
    frame = store.usage_ledger(A).calls()
    assert frame.empty and "credits" in frame.columns and str(frame["ts"].dt.tz) == "UTC"
    assert str(frame["status"].dtype) == "Int64" and store.usage_ledger(A).span() == (None, None)


def test_bulk_usage_rows_and_admin_view(store):
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "user": A if i % 3 else B,
            "endpoint": CHAT,
            "model": "m",
            "status": 200,
            "credits": 1.0,
            "ts": t0 + timedelta(minutes=i),
        }
        for i in range(300)
    ]
    store.add_usage_rows(rows)
    store.add_usage_rows([])
    assert len(store.usage_ledger(A).calls()) == 200
    assert len(store.usage_ledger(B).calls()) == 100
    everyone = store.admin_usage_ledger().calls()
    assert len(everyone) == 300 and set(everyone["user"]) == {A, B}
    assert len(store.admin_usage_ledger().calls(start=t0 + timedelta(minutes=290))) == 10
    assert len(store.usage_ledger(A).calls(limit=7)) == 7


def test_net_credits_per_user_and_for_admins(store):
    store.add_usage(A, endpoint=CHAT, credits=1)
    store.add_usage(A, endpoint=CHAT, credits=2)
    store.add_usage(B, endpoint=IMAGES, credits=10)
    store.add_usage(B, endpoint=VIDEO, credits=-4)  # a refund counts back
    assert (store.usage_ledger(A).net_credits(), store.usage_ledger(B).net_credits()) == (3.0, 6.0)
    assert store.admin_usage_ledger().net_credits() == 9.0
    assert store.ledger_version() > 0


# --- media and uploads ------------------------------------------------------------------------


def test_media(store):
    first = store.add_media(
        A,
        data=b"\x89PNG first",
        mime="image/png",
        prompt="cat",
        width=512,
        height=512,
        credits=10,
        meta={"model": "img-1"},
    )
    second = store.add_media(A, data=b"\xff\xd8 second", mime="image/jpeg", prompt="dog")
    listed = store.list_media(A)
    assert [m.id for m in listed] == [second.id, first.id]
    assert not hasattr(listed[0], "data")  # the gallery never loads bytes
    assert [m.id for m in store.list_media(A, limit=1)] == [second.id]
    assert store.list_media(A, kind="video") == []
    got = listed[1]
    assert (got.prompt, got.width, got.credits, got.meta) == ("cat", 512, 10.0, {"model": "img-1"})
    assert aware_utc(got.created_at)
    assert store.get_media_bytes(A, first.id) == b"\x89PNG first"
    assert store.delete_media(A, first.id)
    assert [m.id for m in store.list_media(A)] == [second.id] and store.get_media_bytes(A, first.id) is None


def test_uploads(store):
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    first = store.add_upload(
        A,
        url="https://cdn/1.png",
        stored_filename="abc.png",
        original_filename="holiday.png",
        size=1234,
        mime="image/png",
        expire_at=expires,
        thumbnail=b"thumb",
    )
    second = store.add_upload(A, url="https://cdn/2.pdf", original_filename="doc.pdf")
    assert [u.id for u in store.list_uploads(A)] == [second.id, first.id]
    got = store.get_upload(A, first.id)
    assert got.expire_at == expires and aware_utc(got.expire_at)
    assert (got.thumbnail, got.size, got.original_filename) == (b"thumb", 1234, "holiday.png")
    assert second.thumbnail is None and second.expire_at is None
    assert store.delete_upload(A, first.id)
    assert [u.id for u in store.list_uploads(A)] == [second.id]


# --- video tasks ------------------------------------------------------------------------------


def test_video_task_lifecycle(store):
    task = store.add_video_task(A, "t1", "a boat", "sora-2", 10, "16:9", 15)
    assert (task.status, task.refunded, task.hidden, task.poll_errors) == ("queued", False, False, 0)
    assert task.finished_at is None and aware_utc(task.created_at)

    polled = datetime.now(UTC)
    running = store.update_video_task(
        A, "t1", status="running", raw_status="IN_PROGRESS", progress=40.0, last_polled_at=polled, poll_errors=1
    )
    assert (running.status, running.raw_status, running.progress) == ("running", "IN_PROGRESS", 40.0)
    assert running.last_polled_at == polled and running.finished_at is None
    assert [t.task_id for t in store.unfinished_video_tasks(A)] == ["t1"]

    done = store.update_video_task(A, "t1", status="failed", error="content policy", refunded=True)
    assert done.finished_at is not None and aware_utc(done.finished_at) and done.refunded
    assert store.unfinished_video_tasks(A) == []
    with pytest.raises(ValueError):
        store.update_video_task(A, "t1", status="exploded")
    with pytest.raises(ValueError):
        store.update_video_task(A, "t1", id=99)  # not a changeable field


def test_video_tasks_list_and_hide(store):
    for name in ("t1", "t2", "t3"):
        store.add_video_task(A, name, "p", "sora-2-pro", 15, "9:16", 150)
    assert [t.task_id for t in store.list_video_tasks(A)] == ["t3", "t2", "t1"]
    assert store.hide_video_task(A, "t2")
    assert [t.task_id for t in store.list_video_tasks(A)] == ["t3", "t1"]
    assert len(store.list_video_tasks(A, include_hidden=True)) == 3
    # Hidden but unfinished tasks are still polled, so a late failure is still refunded.
    assert {t.task_id for t in store.unfinished_video_tasks(A)} == {"t1", "t2", "t3"}
    assert store.update_video_task(A, "missing", status="running") is None


def test_undo_puts_a_hidden_task_back(store):
    store.add_video_task(A, "t1", "p", "sora-2", 5, "16:9", 15)
    assert store.hide_video_task(A, "t1")
    assert not store.hide_video_task(B, "t1", hidden=False), "not bob's to put back"
    assert store.list_video_tasks(A) == []
    assert store.hide_video_task(A, "t1", hidden=False)
    assert [t.task_id for t in store.list_video_tasks(A)] == ["t1"]


def test_a_task_video_is_kept_once_for_its_owner_only(store):
    store.add_video_task(A, "t1", "a boat", "sora-2", 5, "16:9", 15)
    store.add_video_task(B, "t1", "bob's boat", "sora-2", 5, "16:9", 15)
    assert store.task_video_bytes(A, "t1") is None
    assert store.keep_task_video(A, "t1", b"first video", "video/mp4", poster=b"jpeg")
    # A second tab or replica that downloaded it too keeps nothing: no second copy, no orphan.
    assert not store.keep_task_video(A, "t1", b"second video", "video/mp4", poster=b"jpeg2")
    assert store.task_video_bytes(A, "t1") == b"first video"
    task = store.get_video_task(A, "t1")
    assert store.get_media_bytes(A, task.poster_media_id) == b"jpeg"
    assert [m.id for m in store.list_media(A, "video")] == [task.video_media_id]
    assert store.count_media(A, "video") == 1 and store.count_media(A, "video_poster") == 1
    assert store.count_media(A) == 0, "kept videos are not in the image gallery"
    assert store.task_video_bytes(B, "t1") is None, "bob's task of the same id has none"
    assert not store.keep_task_video(B, "missing", b"x", "video/mp4")


def test_a_keep_that_lost_the_race_rolls_its_rows_back(store, monkeypatch):
    store.add_video_task(A, "t1", "a boat", "sora-2", 5, "16:9", 15)
    seen_before_the_other = store.get_video_task(A, "t1")
    store.update_video_task(A, "t1", video_media_id=12345)  # another replica claimed it meanwhile
    monkeypatch.setattr(store, "get_video_task", lambda *_: seen_before_the_other)
    assert not store.keep_task_video(A, "t1", b"late copy", "video/mp4", poster=b"jpeg")
    assert store.count_media(A, "video") == 0 and store.count_media(A, "video_poster") == 0


# --- prices -----------------------------------------------------------------------------------


def test_prices_overlay_defaults(store):
    assert store.get_prices() == DEFAULT_PRICES
    store.admin_set_price(CHAT, "big-model", per_call=2, per_1k_tokens=0.5)
    store.admin_set_price(IMAGES, ANY_MODEL, per_call=8)
    store.admin_set_price(IMAGES, ANY_MODEL, per_call=12)
    table = store.get_prices()
    assert table[(CHAT, "big-model")] == Price(2, 0.5)
    assert table[(IMAGES, ANY_MODEL)] == Price(12, 0)
    assert table[(VIDEO, "sora-2")] == DEFAULT_PRICES[(VIDEO, "sora-2")]
    assert DEFAULT_PRICES[(IMAGES, ANY_MODEL)] == Price(per_call=10)  # defaults untouched


# --- login: sign-outs and failed attempts ---------------------------------------------------


def test_sign_out_everywhere_is_remembered_per_user(store, store_url):
    assert store.signed_out_at(A) is None
    first = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    store.sign_out_everywhere(A, at=first)
    store.sign_out_everywhere(A, at=first + timedelta(hours=1))  # a second logout moves it on
    assert store.signed_out_at(A) == first + timedelta(hours=1)
    assert store.signed_out_at(B) is None
    other_replica = Store(store_url)  # another process on the same database sees it
    assert other_replica.signed_out_at(A) == first + timedelta(hours=1)
    other_replica.dispose()


def test_login_failures_count_per_scope_and_subject_until_cleared(store, store_url):
    at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert store.get_login_failures("user", A) is None
    for n in range(1, 4):
        counted = store.record_login_failure("user", A, at=at + timedelta(seconds=n))
        assert (counted.failures, counted.last_failure_at) == (n, at + timedelta(seconds=n))
    store.record_login_failure("client", "203.0.113.9", at=at)
    other_replica = Store(store_url)
    assert other_replica.record_login_failure("user", A, at=at).failures == 4  # counts on, not from 1
    other_replica.dispose()
    assert store.get_login_failures("user", B) is None
    assert store.get_login_failures("client", "203.0.113.9").failures == 1
    store.clear_login_failures("user", A)
    assert store.get_login_failures("user", A) is None
    assert store.get_login_failures("client", "203.0.113.9").failures == 1


# --- shares ---------------------------------------------------------------------------------


def _share(store, user=A, token_hash="a" * 64, **kwargs):
    values = dict(
        token_hash=token_hash,
        kind="image",
        title="otter",
        note="n",
        payload={"prompt": "otter"},
        media=b"\xff\xd8bytes",
        media_mime="image/jpeg",
    )
    return store.add_share(user, **{**values, **kwargs})


def test_share_lookup_by_token_hash_and_media(store):
    share = _share(store, expires_at=utcnow_plus(days=1))
    got = store.share_by_token_hash("a" * 64)
    assert got == share and got.payload == {"prompt": "otter"} and got.views == 0 and got.revoked_at is None
    assert aware_utc(got.created_at) and aware_utc(got.expires_at)
    assert store.share_media(share.id) == b"\xff\xd8bytes"
    assert store.share_by_token_hash("b" * 64) is None


def test_share_token_hash_is_unique(store):
    _share(store)
    with pytest.raises(sa.exc.IntegrityError):
        _share(store, user=B)


def test_share_views_count_atomically(store):
    share = _share(store)
    for _ in range(3):
        store.count_share_view(share.id)
    assert store.share_by_token_hash("a" * 64).views == 3


def test_only_the_owner_lists_and_revokes_a_share(store):
    first, second = _share(store), _share(store, token_hash="c" * 64, expires_at=utcnow_plus(days=-1))
    assert [s.id for s in store.list_shares(A)] == [second.id, first.id] and store.list_shares(B) == []
    assert not hasattr(store.list_shares(A)[0], "payload")  # the list never loads the snapshots
    assert store.list_shares(A)[0].expires_at < utcnow_plus(days=0)  # expired: still listed, as it was
    assert not store.revoke_share(B, first.id)
    assert store.share_by_token_hash("a" * 64).revoked_at is None
    assert store.revoke_share(A, first.id)
    revoked_at = store.share_by_token_hash("a" * 64).revoked_at
    assert aware_utc(revoked_at)
    assert not store.revoke_share(A, first.id)  # already revoked: the first moment stays
    assert store.share_by_token_hash("a" * 64).revoked_at == revoked_at


def utcnow_plus(**delta) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)
