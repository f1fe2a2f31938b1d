"""lib.media.images against the sandbox: concurrent generation, arrival order, errors, saving, names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lib import errors
from lib.client import ReshiClient
from lib.credits.pricing import IMAGES
from lib.media import images
from lib.prompts.limits import MAX_PROMPT_CHARS, prompt_problem
from lib.store import Media


@pytest.fixture
def client(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


def test_images_are_requested_at_the_same_time(client, sandbox, sandbox_speed):
    # Each image takes the sandbox 2 s: requests sent together are all being worked on at once.
    sandbox_speed(image_delay=2.0)
    sandbox.control.reset_stats()
    outcomes = list(images.generate_concurrently(client, "four foxes", 4))
    assert sorted(slot for slot, _ in outcomes) == [0, 1, 2, 3]
    assert all(o.mime == "image/jpeg" and o.credits == 10 for _, o in outcomes)
    assert sandbox.control.stats()["peak_in_flight"]["images"] == 4, "one after another peaks at 1"


def test_each_failure_comes_back_as_its_typed_error(client, sandbox):
    sandbox.control.queue_fault("images", "500", count=1)
    outcomes = [o for _, o in images.generate_concurrently(client, "one of two fails", 2)]
    assert sum(isinstance(o, errors.ServerError) for o in outcomes) == 1
    assert sum(not isinstance(o, errors.ReshiError) for o in outcomes) == 1


def test_each_call_is_one_ledger_record(sandbox, api_key):
    records = []
    with ReshiClient(sandbox.base_url, api_key, on_call=records.append) as client:
        list(images.generate_concurrently(client, "ledger", 3))
    assert [r.endpoint for r in records] == ["images"] * 3 and sum(r.credits for r in records) == 30
    assert sandbox.control.key_info(api_key)["spent"] == 30


def test_saved_image_keeps_bytes_size_and_cost(client, store):
    _, result = next(images.generate_concurrently(client, "a saved fox", 1))
    saved = images.save_image(store, "ann", "a saved fox", result)
    assert (saved.width, saved.height, saved.credits, saved.mime) == (768, 768, 10, "image/jpeg")
    assert store.get_media_bytes("ann", saved.id) == result.data
    assert store.get_media_bytes("bob", saved.id) is None


def test_estimate_and_prompt_problems(client):
    assert images.estimate_credits(client, 3) == 30
    assert prompt_problem(IMAGES, "  \n") == "images.empty_prompt"
    assert prompt_problem(IMAGES, "x" * (MAX_PROMPT_CHARS[IMAGES] + 1)) == "images.huge_prompt"
    assert prompt_problem(IMAGES, "a fox") is None


def _media(prompt: str, mime: str = "image/jpeg") -> Media:
    return Media(
        id=1,
        user="u",
        kind="image",
        prompt=prompt,
        mime=mime,
        width=1,
        height=1,
        credits=10,
        meta={},
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "prompt, mime, name",
    [
        ("A red fox, in snow!", "image/jpeg", "image-20250102-030405-a-red-fox-in-snow.jpg"),
        ("雪中的狐狸", "image/png", "image-20250102-030405-雪中的狐狸.png"),
        ("../../etc/passwd", "image/png", "image-20250102-030405-etc-passwd.png"),
        ("???", "image/webp", "image-20250102-030405.webp"),
    ],
)
def test_download_name(prompt, mime, name):
    assert images.download_name(_media(prompt, mime)) == name


def test_distinct_errors_keeps_the_first_of_each_kind():
    distinct = images.distinct_errors([errors.ServerError("a"), errors.RateLimitError(), errors.ServerError("b")])
    assert [(exc.kind, exc.server_message) for exc in distinct] == [("server", "a"), ("rate_limit", "")]


def test_media_count_and_meta_are_per_user(store):
    mine = store.add_media("ann", data=b"x", mime="image/png", prompt="p")
    store.add_media("bob", data=b"y", mime="image/png")
    assert store.count_media("ann") == 1 and store.count_media("ann", kind="video") == 0
    assert not store.update_media_meta("bob", mine.id, {"upload_url": "u"})
    assert store.update_media_meta("ann", mine.id, {"upload_url": "u"})
    assert [m.meta for m in store.list_media("ann")] == [{"upload_url": "u"}]
