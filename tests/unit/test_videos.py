"""lib/videos against the sandbox and both store backends: one task per submission, polling on
its interval with backoff, a poll stored, the refund recorded once, and what the page shows."""

from __future__ import annotations

import io
from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from PIL import Image

from lib import errors
from lib.client import ReshiClient
from lib.media import videos
from lib.media.video_status import COMPLETED, FAILED, QUEUED, RUNNING
from lib.sandbox.media import VIDEO_SIZES
from lib.store import utcnow

USER = "alice"
DONE = 3.5  # the test sandbox finishes a task in 3 virtual seconds; "[fail]" fails at 1.5


@pytest.fixture
def client(sandbox, api_key, store):
    """A client whose calls land in `store`'s ledger, as the app's session client does."""
    with ReshiClient(sandbox.base_url, api_key, on_call=lambda record: store.add_usage(USER, **asdict(record))) as made:
        yield made


def request(prompt="a cat in a garden", **kw) -> videos.VideoRequest:
    return videos.VideoRequest(prompt, **kw)


def creations(sandbox) -> int:
    return sandbox.control.stats()["endpoints"].get("video", 0)


def ledger(store, user=USER) -> list[float]:
    return list(store.usage_ledger(user).calls()["credits"])[::-1]


# --- the form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt, problem",
    [("", "video.empty_prompt"), ("   \n", "video.empty_prompt"), ("x" * 4001, "video.huge_prompt"), ("a cat", None)],
)
def test_request_problems(prompt, problem):
    assert videos.request_problem(request(prompt)) == problem


def test_only_the_hd_model_needs_confirmation_and_costs_come_from_pricing():
    assert videos.needs_confirmation("sora-2-pro") and not videos.needs_confirmation("sora-2")
    with ReshiClient("http://127.0.0.1:9", "sk-x") as offline:
        assert (videos.cost_of(offline, "sora-2"), videos.cost_of(offline, "sora-2-pro")) == (15, 150)


def test_a_double_click_creates_one_task(store, client, sandbox):
    before = creations(sandbox)
    first = videos.submit(store, USER, client, request())
    second = videos.submit(store, USER, client, request())
    assert not first.duplicate and second.duplicate and second.task.task_id == first.task.task_id
    assert creations(sandbox) == before + 1
    assert len(store.list_video_tasks(USER)) == 1 and ledger(store) == [15.0]


def test_a_changed_or_later_submission_is_a_new_task(store, client):
    first = videos.submit(store, USER, client, request())
    other = videos.submit(store, USER, client, request(duration=6))
    later = videos.submit(store, USER, client, request(), now=utcnow() + videos.DUPLICATE_WINDOW)
    assert len({first.task.task_id, other.task.task_id, later.task.task_id}) == 3


def test_submission_stores_every_parameter_and_counts_as_the_first_poll(store, client, sandbox):
    task = videos.submit(store, USER, client, request(model="sora-2-pro", duration=4, aspect_ratio="9:16")).task
    assert (task.prompt, task.model, task.duration, task.aspect_ratio, task.credits) == (
        "a cat in a garden",
        "sora-2-pro",
        4,
        "9:16",
        150,
    )
    assert task.status == QUEUED and task.last_polled_at is not None
    assert sandbox.control.stats()["video_polls"].get(task.task_id, 0) == 0


def test_a_refused_creation_stores_nothing(store, client):
    with pytest.raises(Exception) as caught:
        videos.submit(store, USER, client, request("please [500]"))
    assert caught.value.kind == "server"
    assert store.list_video_tasks(USER) == []


# --- polling ------------------------------------------------------------------------------


def stored(store, **fields):
    task = store.add_video_task(USER, fields.pop("task_id", "t1"), "p", "sora-2", 5, "16:9", credits=15)
    return replace(task, **fields)


def test_poll_interval_backs_off_on_errors_and_for_long_tasks(store):
    now = utcnow()
    task = stored(store, created_at=now)
    assert videos.poll_interval(task, now) == 3
    assert [videos.poll_interval(replace(task, poll_errors=n), now) for n in (1, 2, 3, 4, 5, 9)] == [
        6,
        12,
        24,
        48,
        60,
        60,
    ]
    assert videos.poll_interval(replace(task, created_at=now - timedelta(minutes=3)), now) == 10
    assert videos.poll_interval(replace(task, created_at=now - timedelta(minutes=11)), now) == 30


def test_a_task_is_due_once_per_interval_and_never_when_finished(store):
    now = utcnow()
    task = stored(store, created_at=now, last_polled_at=now)
    assert videos.is_due(replace(task, last_polled_at=None), now)
    assert not videos.is_due(task, now + timedelta(seconds=2))
    assert videos.is_due(task, now + timedelta(seconds=2.9))  # a tick a little early still polls
    assert not videos.is_due(replace(task, poll_errors=2), now + timedelta(seconds=6))
    assert not videos.is_due(replace(task, status=COMPLETED), now + timedelta(hours=1))
    assert videos.seconds_until_poll(task, now + timedelta(seconds=1)) == pytest.approx(2)


def test_polling_follows_a_task_to_completion(store, client, sandbox):
    task = videos.submit(store, USER, client, request()).task
    assert videos.poll_due(store, USER, client).polled == []  # just created: not due yet
    later = utcnow() + timedelta(seconds=3)
    sandbox.control.advance_clock(1.5)
    outcome = videos.poll_due(store, USER, client, later)
    running = store.get_video_task(USER, task.task_id)
    assert outcome.polled == [task.task_id] and outcome.finished == []
    assert running.status == RUNNING and running.raw_status == "in_progress" and 0 < running.progress < 100
    sandbox.control.advance_clock(DONE)
    outcome = videos.poll_due(store, USER, client, later + timedelta(seconds=3))
    done = store.get_video_task(USER, task.task_id)
    assert outcome.finished == [task.task_id]
    assert (done.status, done.progress, done.finished_at is not None) == (COMPLETED, 100, True)
    assert done.video_url.endswith(f"{task.task_id}.mp4")
    assert videos.poll_due(store, USER, client, later + timedelta(minutes=5)).polled == []
    # The poll that saw it finished kept a copy, with its poster frame.
    assert store.task_video_bytes(USER, task.task_id)[4:8] == b"ftyp"
    assert store.get_media_bytes(USER, done.poster_media_id).startswith(b"\xff\xd8\xff")


def test_a_failed_task_is_refunded_once_in_the_ledger(store, client, sandbox):
    task = videos.submit(store, USER, client, request("a storm [fail]")).task
    sandbox.control.advance_clock(DONE)
    outcome = videos.poll_due(store, USER, client, utcnow() + timedelta(seconds=5))
    failed = store.get_video_task(USER, task.task_id)
    assert outcome.finished == [task.task_id]
    assert failed.status == FAILED and "[fail]" in failed.error and failed.refunded
    # Another tab saw the same failure: no second refund.
    polled = client.videos.get(task.task_id)
    videos.apply_poll(store, USER, replace(failed, refunded=False), polled, utcnow(), failed.connection)
    assert [c for c in ledger(store) if c] == [15.0, -15.0]
    assert sandbox.control.key_info(client._api_key)["spent"] == 0


def test_a_poll_error_is_kept_on_the_task_backs_off_and_polling_goes_on(store, client, sandbox):
    first = videos.submit(store, USER, client, request("first")).task
    second = videos.submit(store, USER, client, request("second")).task
    # as many 500s as the client tries a poll: the first poll fails, the second is not touched
    sandbox.control.queue_fault("video_status", "500", client.retry_policy.max_attempts)
    now = utcnow() + timedelta(seconds=3)
    outcome = videos.poll_due(store, USER, client, now)
    assert set(outcome.polled) == {first.task_id, second.task_id}
    assert len(outcome.errors) == 1 and next(iter(outcome.errors.values())).kind == "server"
    broken = next(iter(outcome.errors))
    assert store.get_video_task(USER, broken).poll_errors == 1
    assert not videos.is_due(store.get_video_task(USER, broken), now + timedelta(seconds=3))
    assert videos.poll_due(store, USER, client, now + timedelta(seconds=6)).errors == {}
    assert store.get_video_task(USER, broken).poll_errors == 0


def test_hidden_tasks_are_still_polled_and_refunded(store, client, sandbox):
    task = videos.submit(store, USER, client, request("hide me [fail]")).task
    assert store.hide_video_task(USER, task.task_id)
    sandbox.control.advance_clock(DONE)
    videos.poll_due(store, USER, client, utcnow() + timedelta(seconds=5))
    assert store.get_video_task(USER, task.task_id).refunded
    assert store.list_video_tasks(USER) == []


def test_one_user_cannot_hide_or_poll_anothers_tasks(store, client):
    task = videos.submit(store, USER, client, request()).task
    assert not store.hide_video_task("bob", task.task_id)
    assert videos.poll_due(store, "bob", client, utcnow() + timedelta(seconds=5)).polled == []
    assert [t.task_id for t in store.list_video_tasks(USER)] == [task.task_id]


def test_retry_is_the_failed_tasks_settings_when_the_form_could_send_them(store):
    task = stored(store, prompt="a storm", model="sora-2-pro", duration=7, aspect_ratio="9:16", status=FAILED)
    assert videos.retry_request(task) == videos.VideoRequest("a storm", "sora-2-pro", 7, "9:16")
    for changed in (
        dict(model="sora-9"),
        dict(aspect_ratio="4:3"),
        dict(duration=None),
        dict(duration=99),
        dict(prompt=" "),
    ):
        assert videos.retry_request(replace(task, **changed)) is None, changed
    # A failed task is no double click: the same request right after it is a new task.
    assert videos.recent_duplicate([task], videos.retry_request(task), task.created_at) is None
    assert videos.recent_duplicate([replace(task, status=QUEUED)], videos.retry_request(task), task.created_at)


# --- our own copy ---------------------------------------------------------------------------


def finished(store, client, sandbox, prompt="a paper boat") -> videos.VideoTask:
    task = videos.submit(store, USER, client, request(prompt)).task
    sandbox.control.advance_clock(DONE)
    videos.poll_due(store, USER, client, utcnow() + timedelta(seconds=5))
    return store.get_video_task(USER, task.task_id)


def test_the_kept_copy_outlives_the_providers_file(store, client, sandbox):
    task = finished(store, client, sandbox)
    kept = store.task_video_bytes(USER, task.task_id)
    sandbox.control.delete_video(task.task_id)
    with pytest.raises(errors.NotFoundError):
        client.fetch_bytes(task.video_url, "video")
    sandbox.control.reset_stats()
    assert videos.keep_video(store, USER, client, task)
    assert store.task_video_bytes(USER, task.task_id) == kept
    assert sandbox.control.stats()["endpoints"] == {}, "a kept video is never downloaded again"


def test_a_task_without_a_url_is_kept_from_the_content_route(store, client, sandbox, sandbox_dialect):
    sandbox_dialect("openai")
    task = finished(store, client, sandbox)
    assert task.video_url is None and store.task_video_bytes(USER, task.task_id)[4:8] == b"ftyp"


def test_a_refused_download_keeps_nothing_and_says_why(store, client, sandbox, sandbox_dialect):
    sandbox_dialect("openai")
    sandbox.control.queue_fault("video_content", "html")
    task = videos.submit(store, USER, client, request()).task
    sandbox.control.advance_clock(DONE)
    outcome = videos.poll_due(store, USER, client, utcnow() + timedelta(seconds=5))
    assert outcome.finished == [task.task_id] and task.task_id in outcome.not_kept
    assert store.get_video_task(USER, task.task_id).video_media_id is None
    assert videos.keep_video(store, USER, client, store.get_video_task(USER, task.task_id)), "kept on a later try"


def test_an_unfinished_task_is_not_downloaded(store, client, sandbox):
    task = videos.submit(store, USER, client, request()).task
    assert not videos.keep_video(store, USER, client, task)
    assert store.task_video_bytes(USER, task.task_id) is None


def test_the_poster_is_the_first_frame_and_junk_has_none(store, client, sandbox):
    task = finished(store, client, sandbox)
    poster = videos.poster_frame(store.task_video_bytes(USER, task.task_id))
    with Image.open(io.BytesIO(poster)) as image:
        assert image.format == "JPEG" and image.size == VIDEO_SIZES["16:9"]
    for junk in (b"", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500, b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 20):
        assert videos.poster_frame(junk) is None


@pytest.mark.parametrize("dialect", ["new-api", "openai"])
def test_took_is_the_servers_time_when_no_page_looked_as_it_finished(store, client, sandbox, sandbox_dialect, dialect):
    sandbox_dialect(dialect)
    task = videos.submit(store, USER, client, request()).task
    sandbox.control.advance_clock(300)
    videos.poll_due(store, USER, client, utcnow() + timedelta(minutes=5))  # the page opens 5 minutes later
    done = store.get_video_task(USER, task.task_id)
    assert done.status == COMPLETED
    assert videos.elapsed_seconds(done, utcnow() + timedelta(hours=1)) == pytest.approx(3, abs=1)


# --- what the page shows ------------------------------------------------------------------


def test_elapsed_and_time_left_once_progress_moves(store):
    now = utcnow()
    task = stored(store, created_at=now - timedelta(seconds=30), status=RUNNING)
    assert videos.elapsed_seconds(task, now) == pytest.approx(30)
    assert videos.eta_seconds(replace(task, progress=None), now) is None
    assert videos.eta_seconds(replace(task, progress=0.0), now) is None
    assert videos.eta_seconds(replace(task, progress=25.0), now) == pytest.approx(90)
    finished = replace(task, status=COMPLETED, progress=100.0, finished_at=now - timedelta(seconds=10))
    assert videos.eta_seconds(finished, now) is None
    assert videos.elapsed_seconds(finished, now + timedelta(hours=1)) == pytest.approx(20)
    # A finished task stored without its end time ends at its last change, never "now".
    unknown_end = replace(finished, finished_at=None, updated_at=now - timedelta(seconds=5))
    assert videos.elapsed_seconds(unknown_end, now + timedelta(hours=1)) == pytest.approx(25)


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (42.4, "0:42"), (725, "12:05"), (3723, "1:02:03")])
def test_format_seconds(seconds, text):
    assert videos.format_seconds(seconds) == text


def test_download_names_say_what_the_video_is(store):
    task = stored(
        store,
        task_id="video_0123456789abcdef",
        prompt="A cat, in a garden! (sunny)",
        video_url="http://h/files/videos/x.mp4",
    )
    assert videos.download_name(task) == "sora-2_16x9_5s_a-cat-in-a-garden-sunny_abcdef.mp4"
    chinese = replace(task, prompt="一只猫 / 花园", video_url="http://h/v.webm?sig=1")
    assert videos.download_name(chinese) == "sora-2_16x9_5s_一只猫-花园_abcdef.webm"
    assert videos.mime_of(videos.download_name(chinese)) == "video/webm"
    assert videos.download_name(replace(task, prompt="!!!", video_url=None)).endswith("_video_abcdef.mp4")
