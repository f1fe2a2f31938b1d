"""The Video page under AppTest, against the sandbox: the form and its price, HD confirmation,
one task per double click, the task list through its life, and every error kind.

AppTest does not tick `run_every`: each `at.run()` is a full run, which runs the polling
fragment's body once, as a reload would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.client.retries import RetryPolicy
from lib.credits import budget
from lib.store import utcnow
from tests.app.helpers import store_of, texts
from tests.fixtures.app import make_app

VIDEO = "app_pages/video.py"
USER = "local"
DONE = 3.5  # the test sandbox finishes a task in 3 virtual seconds


def open_page(secrets, **kw):
    at = make_app(secrets, page=VIDEO, **kw)
    assert not at.exception, at.exception
    return at


def generate(at, prompt: str, duration: int | None = None, **choices):
    """Fill the form (`model=`, `ratio=` pick by label) and press Generate."""
    at.text_area(key="video_prompt").set_value(prompt)
    if duration is not None:
        at.number_input(key="video_duration").set_value(duration)
    for key, label in choices.items():
        at.selectbox(key=f"video_{key}").set_value(label)
    at.run()
    at.button(key="video_generate").click().run()
    assert not at.exception, at.exception
    return at


def let_time_pass(secrets, sandbox, seconds=DONE):
    """Virtual time for the sandbox's tasks, and every task's poll interval over in the store."""
    sandbox.control.advance_clock(seconds)
    store = store_of(secrets)
    for task in store.unfinished_video_tasks(USER):
        store.update_video_task(USER, task.task_id, last_polled_at=utcnow() - timedelta(minutes=1))


def finish_and_reload(at, sandbox, seconds=DONE):
    let_time_pass(at.secrets, sandbox, seconds)
    at.run()
    assert not at.exception, at.exception
    return at


def test_form_shows_the_price_before_sending(app_secrets):
    at = open_page(app_secrets)
    assert at.selectbox(key="video_model").value == "sora-2"
    assert at.number_input(key="video_duration").value == 5
    assert at.selectbox(key="video_ratio").options == ["16:9 landscape", "9:16 portrait", "1:1 square"]
    assert "15 credits" in texts(at)
    assert "No videos yet" in texts(at)


def test_hd_asks_for_confirmation_and_charges_150(app_secrets, sandbox):
    at = open_page(app_secrets)
    at.text_area(key="video_prompt").set_value("a castle at dawn")
    at.selectbox(key="video_model").set_value("sora-2-pro").run()
    assert "150 credits" in texts(at)
    assert at.button(key="video_generate").disabled
    at.checkbox(key="video_confirm_hd").check().run()
    at.button(key="video_generate").click().run()
    [task] = store_of(app_secrets).list_video_tasks(USER)
    assert (task.model, task.credits) == ("sora-2-pro", 150)
    assert sandbox.control.key_info(app_secrets["sandbox"]["api_key"])["spent"] == 150
    at.run()
    assert at.checkbox(key="video_confirm_hd").value is False, "the next HD video asks again"


def test_a_double_click_creates_one_task(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "double trouble")
    assert at.button(key="video_generate").disabled, "the button rests while its video is made"
    assert "being made" in texts(at) and "Video task created" in texts(at)
    assert len(store_of(app_secrets).list_video_tasks(USER)) == 1
    assert sandbox.control.key_info(app_secrets["sandbox"]["api_key"])["spent"] == 15
    at.text_area(key="video_prompt").set_value("double trouble, again").run()
    assert not at.button(key="video_generate").disabled, "another prompt arms it again"
    assert "Video task created" not in texts(at)


def test_the_created_note_goes_and_the_button_is_armed_once_the_video_is_done(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "a short one")
    at = finish_and_reload(at, sandbox)
    assert "completed" in texts(at)
    assert "Video task created" not in texts(at) and "being made" not in texts(at)
    assert not at.button(key="video_generate").disabled


def test_empty_prompt_is_refused_without_a_call(app_secrets, sandbox):
    sandbox.control.reset_stats()
    at = generate(open_page(app_secrets), "   ")
    assert any("prompt is empty" in w.value for w in at.warning)
    assert sandbox.control.stats()["endpoints"].get("video", 0) == 0


def test_task_goes_from_queued_to_a_playable_download(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "a cat in a garden", ratio="1:1 square", duration=4)
    assert "In progress" in texts(at) and "queued" in texts(at)
    assert "sora-2 · 4 s · 1:1" in texts(at)
    sandbox.control.advance_clock(1.5)
    at = finish_and_reload(at, sandbox, 0)
    progress = at.get("progress")[0].proto
    assert 0 < progress.value < 100 and "elapsed" in progress.text and "left" in progress.text
    at = finish_and_reload(at, sandbox)
    assert "Finished" in texts(at) and "completed" in texts(at) and "In progress" not in texts(at)
    assert len(at.get("video")) == 1
    download = at.get("download_button")[0].proto
    assert download.label == "Download"
    [task] = store_of(app_secrets).list_video_tasks(USER)
    assert at.code[0].value == task.video_url


def kept_task(secrets, sandbox, prompt: str, **choices):
    """A task made and finished on the page (its poll keeps the video), then its provider's
    file deleted; returns the reloaded page and the task."""
    at = finish_and_reload(generate(open_page(secrets), prompt, **choices), sandbox)
    [task] = store_of(secrets).list_video_tasks(USER)
    sandbox.control.delete_video(task.task_id)
    st.cache_data.clear()  # no download cached in this process may stand in for the kept copy
    return at, task


def test_a_completed_video_still_plays_after_the_providers_copy_is_gone(app_secrets, sandbox):
    _, task = kept_task(app_secrets, sandbox, "a kite over the sea", duration=2)
    with pytest.raises(errors.NotFoundError):
        ReshiClient(sandbox.base_url).fetch_bytes(task.video_url, "video")
    store = store_of(app_secrets)
    assert store.get_media_bytes(USER, task.poster_media_id)[:3] == b"\xff\xd8\xff", "a JPEG poster is stored"
    again = open_page(app_secrets)  # a new session, after the URL died
    assert len(again.get("video")) == 1 and not again.warning
    assert "plays after the provider's link expires" in texts(again)
    assert again.get("download_button")[0].proto.label == "Download"


def test_a_task_finished_before_copies_were_kept_is_kept_on_its_next_view(app_secrets, sandbox):
    finish_and_reload(generate(open_page(app_secrets), "an old film", duration=1), sandbox)
    store = store_of(app_secrets)
    [task] = store.list_video_tasks(USER)
    for kind in ("video", "video_poster"):  # as a task of an older version: no copy
        for kept in store.list_media(USER, kind):
            store.delete_media(USER, kept.id)
    store.update_video_task(USER, task.task_id, video_media_id=None, poster_media_id=None)
    again = open_page(app_secrets)
    assert len(again.get("video")) == 1
    assert store.task_video_bytes(USER, task.task_id)[4:8] == b"ftyp"


def test_an_old_task_whose_file_is_gone_says_so_once(app_secrets, sandbox):
    _at, task = kept_task(app_secrets, sandbox, "an older film", duration=1)
    store = store_of(app_secrets)
    store.update_video_task(USER, task.task_id, video_media_id=None, poster_media_id=None)
    again = open_page(app_secrets)
    assert any("no longer answers" in w.value for w in again.warning) and not again.get("video")
    sandbox.control.reset_stats()
    again.run()
    assert any("no longer answers" in w.value for w in again.warning)


@pytest.mark.parametrize("lang, took", [("en", "took 0:03"), ("zh", "耗时 0:03")])
def test_took_is_how_long_the_task_ran_not_until_the_page_looked(app_secrets, sandbox, sandbox_dialect, lang, took):
    sandbox_dialect("new-api")
    at = open_page(app_secrets)
    at.button_group(key="lang_switch").set_value(lang).run()
    at = generate(at, "a slow sunrise")
    [task] = store_of(app_secrets).list_video_tasks(USER)  # made four minutes ago; nobody looked since
    store_of(app_secrets).update_video_task(USER, task.task_id, created_at=utcnow() - timedelta(minutes=4))
    at = finish_and_reload(at, sandbox, 240)
    assert took in texts(at)


def test_a_failed_task_is_retried_with_its_settings_in_one_click(app_secrets, sandbox):
    at = finish_and_reload(
        generate(open_page(app_secrets), "a storm [fail]", duration=7, ratio="9:16 portrait"), sandbox
    )
    at.text_area(key="video_prompt").set_value("something else").run()
    [failed] = store_of(app_secrets).list_video_tasks(USER)
    retry = at.button(key=f"video_retry_{failed.task_id}")
    assert retry.label == "Retry · 15 credits"
    retry.click().run()
    newest, old = store_of(app_secrets).list_video_tasks(USER)
    assert (newest.prompt, newest.model, newest.duration, newest.aspect_ratio) == (
        "a storm [fail]",
        "sora-2",
        7,
        "9:16",
    )
    assert old.task_id == failed.task_id and "Video task created" in texts(at)
    assert at.text_area(key="video_prompt").value == "a storm [fail]"
    at.button(key=f"video_retry_{failed.task_id}").click().run()
    assert len(store_of(app_secrets).list_video_tasks(USER)) == 2, "a second click is a double click"
    assert sandbox.control.key_info(app_secrets["sandbox"]["api_key"])["spent"] == 15 + 15 - 15


def test_retry_of_an_hd_task_goes_through_the_budget_check(app_secrets, sandbox):
    at = open_page(app_secrets)
    at.text_area(key="video_prompt").set_value("a castle [fail]")
    at.selectbox(key="video_model").set_value("sora-2-pro").run()
    at.checkbox(key="video_confirm_hd").check().run()
    at.button(key="video_generate").click().run()
    at = finish_and_reload(at, sandbox)
    [failed] = store_of(app_secrets).list_video_tasks(USER)
    budget.set_limit(store_of(app_secrets), USER, budget.DAY, 100)  # 150 spent and refunded: 0 + 150 > 100
    retry = at.button(key=f"video_retry_{failed.task_id}")
    assert retry.label == "Retry · 150 credits"
    retry.click().run()
    assert len(store_of(app_secrets).list_video_tasks(USER)) == 1, "over the budget: it asks first"
    at.button(key="video_budget_send").click().run()
    newest = store_of(app_secrets).list_video_tasks(USER)[0]
    assert (newest.prompt, newest.model) == ("a castle [fail]", "sora-2-pro")


def test_a_task_is_followed_only_on_the_connection_that_made_it(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "a lighthouse")
    [task] = store_of(app_secrets).list_video_tasks(USER)
    made_on = at.secrets["sandbox"]
    at.secrets["sandbox"] = {**made_on, "api_key": sandbox.control.add_key(credits=100)}
    sandbox.control.reset_stats()
    let_time_pass(app_secrets, sandbox)
    at.run()
    assert sandbox.control.stats()["video_polls"].get(task.task_id, 0) == 0
    assert "made on another connection" in texts(at).lower() and "In progress" in texts(at)
    at.secrets["sandbox"] = made_on
    at.run()
    assert sandbox.control.stats()["video_polls"][task.task_id] == 1
    assert "another connection" not in texts(at) and "Finished" in texts(at)


def test_failed_task_shows_the_reason_and_the_refund(app_secrets, sandbox):
    at = finish_and_reload(generate(open_page(app_secrets), "a storm [fail]"), sandbox)
    assert any("Generation failed" in e.value and "fail this task" in e.value for e in at.error)
    assert "15 credits for this video were refunded" in texts(at)
    credits = list(store_of(app_secrets).usage_ledger(USER).calls()["credits"])[::-1]
    assert [c for c in credits if c] == [15.0, -15.0]
    at.run()
    assert [c for c in store_of(app_secrets).usage_ledger(USER).calls()["credits"][::-1] if c] == [15.0, -15.0]


def test_tasks_survive_a_new_session_and_polling_resumes(app_secrets, sandbox):
    generate(open_page(app_secrets), "still there after reload")
    let_time_pass(app_secrets, sandbox)
    again = open_page(app_secrets)  # a reload: a new session, same user
    assert "still there after reload" in texts(again) and "completed" in texts(again)


def card_prompts(at) -> list[str]:
    return [m.value for m in at.markdown if "video**" in m.value]


def test_newest_first_and_removing_hides_only_that_task_until_undone(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "older video")
    generate(at, "newer video")
    assert card_prompts(at) == ["**newer video**", "**older video**"]
    older = store_of(app_secrets).list_video_tasks(USER)[-1]
    at.button(key=f"video_remove_{older.task_id}").click().run()
    assert card_prompts(at) == ["**newer video**"]
    assert "Removed “older video” from the list." in texts(at)
    at.run()
    assert card_prompts(at) == ["**newer video**"], "removed stays removed"
    at.button(key="video_undo").click().run()
    assert card_prompts(at) == ["**newer video**", "**older video**"]
    assert "Removed" not in texts(at)


def test_a_remove_clicked_as_the_task_finishes_is_not_lost(app_secrets, sandbox):
    """The click's run polls first and finds the task done: the page reruns to move it to the
    finished list, and a click read only where the button is drawn would be forgotten."""
    at = generate(open_page(app_secrets), "finishing video")
    task = store_of(app_secrets).list_video_tasks(USER)[0]
    let_time_pass(app_secrets, sandbox)  # the task finishes at this run's poll
    at.button(key=f"video_remove_{task.task_id}").click().run()
    assert not at.exception, at.exception
    assert card_prompts(at) == []
    assert "Removed “finishing video” from the list." in texts(at)
    kept = store_of(app_secrets).list_video_tasks(USER, include_hidden=True)[0]
    assert (kept.status, kept.hidden) == ("completed", True)


def test_another_users_tasks_are_not_shown(login_secrets):
    store = store_of(login_secrets)
    store.add_video_task("bob", "video_bobs", "bob's secret video", "sora-2", 5, "16:9")
    at = open_page(login_secrets, user="alice")
    assert "bob's secret" not in texts(at)
    assert store.get_video_task("bob", "video_bobs").last_polled_at is None, "never polled with alice's key"


def test_unknown_status_is_shown_verbatim_and_treated_as_running(app_secrets):
    generate(open_page(app_secrets), "strange states")
    store = store_of(app_secrets)
    [task] = store.list_video_tasks(USER)
    store.update_video_task(
        USER, task.task_id, status="running", raw_status="Rendering-Frames", last_polled_at=utcnow()
    )
    at = open_page(app_secrets)
    assert "running" in texts(at) and "Rendering\\-Frames" in texts(at)


def test_a_video_url_that_no_longer_answers_says_so(app_secrets, sandbox):
    store = store_of(app_secrets)
    store.add_video_task(USER, "video_gone", "deleted video", "sora-2", 5, "16:9", credits=15)
    store.update_video_task(
        USER,
        "video_gone",
        status="completed",
        progress=100,
        video_url=f"{sandbox.root_url}/files/videos/video_gone.mp4",
    )
    at = open_page(app_secrets)
    assert any("no longer answers" in w.value for w in at.warning)
    assert at.code[0].value.endswith("video_gone.mp4")


def test_a_poll_error_shows_on_the_task_and_polling_goes_on(app_secrets, sandbox):
    at = generate(open_page(app_secrets), "flaky polling")
    sandbox.control.queue_fault("video_status", "500", RetryPolicy().max_attempts)  # each attempt of one poll
    at = finish_and_reload(at, sandbox, 0)
    assert any("Could not check this task" in w.value and "server error" in w.value for w in at.warning)
    at = finish_and_reload(at, sandbox)
    assert not at.warning and "completed" in texts(at)


@pytest.mark.parametrize(
    "prompt, expected",
    [("please [500]", "server error"), ("please [429]", "Too many requests"), ("please [html]", "server error")],
)
def test_server_errors_keep_the_form_and_offer_retry(app_secrets, prompt, expected):
    at = generate(open_page(app_secrets), prompt, model="sora-2")
    assert any(expected in e.value for e in at.error)
    assert at.text_area(key="video_prompt").value == prompt
    assert store_of(app_secrets).list_video_tasks(USER) == []
    at.text_area(key="video_prompt").set_value("please work now").run()
    at.button(key="video_retry").click().run()
    assert not at.error and len(store_of(app_secrets).list_video_tasks(USER)) == 1


def test_timeout_is_explained(app_secrets, sandbox_speed):
    sandbox_speed(hang_seconds=3)
    at = generate(open_page({**app_secrets, "api": {"timeout": 1}}), "slow [timeout]")
    assert any("did not answer in time" in e.value for e in at.error)
    assert at.text_area(key="video_prompt").value == "slow [timeout]"


def key_for(sandbox, case: str) -> str:
    """A key the sandbox refuses: unknown (401), without enough credits (402), disabled (403)."""
    if case == "unknown":
        return "sk-not-a-real-key"
    key = sandbox.control.add_key(credits=10 if case == "poor" else 100)
    if case == "disabled":
        sandbox.control.disable_key(key)
    return key


@pytest.mark.parametrize("case, expected", [("unknown", "401"), ("poor", "credits ran out"), ("disabled", "403")])
def test_key_errors_say_what_to_do(app_secrets, sandbox, case, expected):
    secrets = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": key_for(sandbox, case)}}
    at = generate(open_page(secrets), "my precious prompt")
    assert any(expected in e.value for e in at.error)
    assert at.text_area(key="video_prompt").value == "my precious prompt"
    assert store_of(secrets).list_video_tasks(USER) == []
