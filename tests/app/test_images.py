"""The Images page under AppTest, against the sandbox: generation, every error kind, the gallery."""

from __future__ import annotations

import pytest

from lib.credits import budget
from lib.store import Store
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes

IMAGES = "app_pages/images.py"


def generate(at, prompt: str, count: int = 1):
    at.text_area(key="images_prompt").set_value(prompt)
    at.segmented_control(key="images_count").set_value(count)
    return at.button(key="images_generate").click().run()


def stored(secrets, user="local"):
    return Store(secrets["store"]["url"]).list_media(user)


def error_text(at) -> str:
    return " ".join(e.value for e in at.error)


def test_two_images_are_generated_saved_and_shown(app_secrets):
    at = generate(make_app(app_secrets, IMAGES), "two red foxes", 2)
    assert not at.exception and not at.error
    media = stored(app_secrets)
    assert [m.prompt for m in media] == ["two red foxes"] * 2
    assert all(m.width == 768 and m.credits == 10 for m in media)
    assert len(at.image) == 2
    assert at.text_area(key="images_prompt").value == "two red foxes"


def test_a_batch_of_four_shows_four_different_images(app_secrets):
    at = generate(make_app(app_secrets, IMAGES), "four takes of a harbour", 4)
    store = Store(app_secrets["store"]["url"])
    pictures = {store.get_media_bytes("local", m.id) for m in stored(app_secrets)}
    assert len(pictures) == 4 and len(at.image) == 4


def test_the_gallery_reads_newest_first_also_when_its_columns_stack(app_secrets):
    """A phone stacks a row's columns: the cards must come in order in the page, not column by column."""
    store = Store(app_secrets["store"]["url"])
    for number in range(5):
        store.add_media("local", data=image_bytes(), mime="image/png", prompt=f"picture number {number}")
    at = make_app(app_secrets, IMAGES)
    shown = [m.value for m in at.markdown if m.value.startswith("picture number")]
    assert shown == [f"picture number {n}" for n in (4, 3, 2, 1, 0)]


def test_estimate_follows_the_count(app_secrets):
    at = make_app(app_secrets, IMAGES)
    at.segmented_control(key="images_count").set_value(3).run()
    assert any(c.value == "Estimated cost: 30 credits (3 × 10)" for c in at.caption)


def test_ledger_matches_what_the_sandbox_charged(app_secrets, sandbox, api_key):
    before = sandbox.control.key_info(api_key)["credits"]
    generate(make_app(app_secrets, IMAGES), "ledger check", 3)
    ledger = Store(app_secrets["store"]["url"]).usage_ledger("local").calls()
    rows = ledger[ledger.endpoint == "images"]
    assert len(rows) == 3 and list(rows.status) == [200] * 3
    assert rows.credits.sum() == before - sandbox.control.key_info(api_key)["credits"] == 30


def test_gallery_survives_a_new_session_newest_first(app_secrets):
    at = generate(make_app(app_secrets, IMAGES), "first prompt")
    generate(at, "second prompt")
    again = make_app(app_secrets, IMAGES)
    prompts = [m.value for m in again.markdown if m.value.endswith("prompt")]
    assert prompts == ["second prompt", "first prompt"]
    assert len(again.image) == 2


def test_reuse_prompt_fills_the_prompt_box(app_secrets):
    at = generate(make_app(app_secrets, IMAGES), "reuse me")
    at.text_area(key="images_prompt").set_value("something else").run()
    media_id = stored(app_secrets)[0].id
    assert not [h for h in at.get("html") if "scrollIntoView" in h.proto.body]
    at.button(key=f"images_reuse_{media_id}").click().run()
    assert at.text_area(key="images_prompt").value == "reuse me"
    scripts = [h.proto.body for h in at.get("html") if "scrollIntoView" in h.proto.body]
    assert len(scripts) == 1 and ".st-key-images_prompt textarea" in scripts[0], "the box is brought into view"
    at.run()
    assert not [h for h in at.get("html") if "scrollIntoView" in h.proto.body], "once, not on every run"


def test_example_prompt_fills_the_prompt_box(app_secrets):
    at = make_app(app_secrets, IMAGES)
    at.pills(key="images_example").set_value(2).run()
    assert at.text_area(key="images_prompt").value.startswith("A cozy reading nook")


def test_delete_removes_the_image(app_secrets):
    at = generate(make_app(app_secrets, IMAGES), "delete me")
    media_id = stored(app_secrets)[0].id
    at.button(key=f"images_delete_{media_id}").click().run()
    assert len(stored(app_secrets)) == 1, "asked first (issue 31)"
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key=f"images_delete_cancel_{media_id}").click().run()
    assert len(stored(app_secrets)) == 1 and not at.warning
    at.button(key=f"images_delete_{media_id}").click().run()
    at.button(key=f"images_delete_confirm_{media_id}").click().run()
    assert stored(app_secrets) == [] and len(at.image) == 0
    assert any("No images yet" in i.value for i in at.info)


def test_upload_for_a_link_shows_the_url_and_lists_the_upload(app_secrets, sandbox):
    at = generate(make_app(app_secrets, IMAGES), "link me")
    media = stored(app_secrets)[0]
    at.button(key=f"images_link_{media.id}").click().run()
    store = Store(app_secrets["store"]["url"])
    upload = store.list_uploads("local")[0]
    assert [c.value for c in at.code] == [upload.url]
    assert upload.url.startswith(sandbox.root_url) and upload.size == len(store.get_media_bytes("local", media.id))
    assert any("expires in 2 days 23 hr" in c.value for c in at.caption)
    assert store.list_media("local")[0].meta["upload_url"] == upload.url


def test_empty_prompt_is_refused_without_a_call(app_secrets, sandbox):
    before = sandbox.control.stats()["endpoints"].get("images", 0)
    at = generate(make_app(app_secrets, IMAGES), "   ")
    assert "prompt is empty" in at.warning[0].value
    assert sandbox.control.stats()["endpoints"].get("images", 0) == before


@pytest.mark.parametrize(
    "marker, expected",
    [
        ("[500]", "server error (5xx)"),
        ("[503]", "server error (5xx)"),
        ("[429]", "Too many requests (429)"),
        ("[badjson]", "could not be read"),
        ("[html]", "server error (5xx)"),
    ],
)
def test_api_failures_are_explained_and_keep_the_prompt(app_secrets, marker, expected):
    prompt = f"a fox {marker}"
    at = generate(make_app(app_secrets, IMAGES), prompt, 2)
    assert not at.exception
    assert expected in error_text(at) and "2 of 2 images failed" in at.warning[0].value
    assert at.text_area(key="images_prompt").value == prompt
    assert stored(app_secrets) == []


def test_timeout_is_explained(app_secrets, sandbox_speed):
    sandbox_speed(hang_seconds=3)
    secrets = {**app_secrets, "api": {"timeout": 1}}
    at = generate(make_app(secrets, IMAGES), "slow fox [timeout]")
    assert "did not answer in time" in error_text(at)
    assert at.button(key="images_retry_0")


def test_wrong_key_401(app_secrets):
    secrets = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": "sk-not-a-real-key"}}
    at = generate(make_app(secrets, IMAGES), "fox")
    assert "(401)" in error_text(at) and any("Connection" in c.value for c in at.caption)


def test_no_credits_402(app_secrets, sandbox):
    poor = sandbox.control.add_key(credits=5)
    secrets = {**app_secrets, "sandbox": {**app_secrets["sandbox"], "api_key": poor}}
    at = generate(make_app(secrets, IMAGES), "expensive fox")
    assert "credits ran out" in error_text(at)
    assert at.text_area(key="images_prompt").value == "expensive fox"


def test_disabled_key_403(app_secrets, sandbox, api_key):
    sandbox.control.disable_key(api_key)
    at = generate(make_app(app_secrets, IMAGES), "fox")
    assert "disabled" in error_text(at) and "(403)" in error_text(at)


def test_partial_failure_keeps_the_good_image_and_retries_the_failed_one(app_secrets, sandbox):
    sandbox.control.queue_fault("images", "500", count=1)
    at = generate(make_app(app_secrets, IMAGES), "half works", 2)
    assert len(stored(app_secrets)) == 1 and "1 of 2 images failed" in at.warning[0].value
    at.button(key="images_retry_0").click().run()
    assert len(stored(app_secrets)) == 2 and not at.warning and not at.error


def test_over_budget_asks_before_generating_and_keeps_the_prompt(app_secrets):
    store = Store(app_secrets["store"]["url"])
    budget.set_limit(store, "local", budget.DAY, 5)
    at = generate(make_app(app_secrets, IMAGES), "a budget-conscious fox")
    assert any(b.label == "Send anyway" for b in at.button) and store.list_media("local") == []
    assert at.text_area(key="images_prompt").value == "a budget-conscious fox"
    at.button(key="images_budget_send").click().run()
    assert len(store.list_media("local")) == 1


def test_use_in_chat_attaches_the_image_to_the_next_message(app_secrets, sandbox):
    at = generate(make_app(app_secrets, IMAGES), "a fox for the chat")
    media_id = stored(app_secrets)[0].id
    at.button(key=f"images_chat_{media_id}").click().run()
    assert at.chat_input, "the Chat page opens"
    assert any("next message" in c.value for c in at.caption)
    # AppTest keeps its own page pointer; a browser's URL follows st.switch_page by itself.
    at.switch_page("app_pages/chat.py")
    at.chat_input[0].set_value("what is in this picture?").run()
    body = next(r for r in reversed(sandbox.control.recent_requests(20)) if r["path"].endswith("/chat/completions"))[
        "body"
    ]
    parts = body["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url"]
    assert "/files/uploads/" in parts[1]["image_url"]["url"]
