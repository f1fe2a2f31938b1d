"""lib.client against the sandbox speaking each dialect: the same calls give the same results."""

from __future__ import annotations

import pytest

from lib import errors
from lib.client import ReshiClient
from lib.media.video_status import COMPLETED

DIALECTS = ("reshi", "new-api", "openai")


@pytest.fixture(params=DIALECTS)
def client(request, sandbox, api_key, sandbox_dialect):
    sandbox_dialect(request.param)
    with ReshiClient(sandbox.base_url, api_key, timeout=10) as opened:
        yield opened


def test_chat_streams_in_every_dialect(client):
    stream = client.chat.stream("gpt-4o-mini", [{"role": "user", "content": "hello"}])
    assert "".join(stream) and stream.done


def test_an_image_in_every_dialect(client):
    image = client.images.generate("a red fox")
    assert image.mime in ("image/jpeg", "image/png") and image.data


def test_a_filtered_image_says_so(client):
    with pytest.raises(errors.ContentFilteredError):
        client.images.generate("a red fox [filtered]")


def test_a_video_is_found_and_downloaded_in_every_dialect(client, sandbox):
    task = client.videos.create("a fox at dawn", model="sora-2", duration=4, aspect_ratio="16:9")
    sandbox.control.advance_clock(3600)
    done = client.videos.get(task.id)
    assert done.status == COMPLETED
    data = client.fetch_bytes(done.video_url, "video") if done.video_url else client.videos.content(done.id)
    assert data[4:8] == b"ftyp"


def test_out_of_credit_reads_as_credits_in_every_dialect(sandbox, sandbox_dialect):
    poor = sandbox.control.add_key(credits=0)
    for dialect in DIALECTS:
        sandbox_dialect(dialect)
        with ReshiClient(sandbox.base_url, poor, timeout=10) as client:
            with pytest.raises(errors.CreditsError):
                client.images.generate("a red fox")


def test_the_chat_picker_gets_chat_models_only(client):
    chat_models = [m.id for m in client.models.list() if m.is_chat]
    assert "gpt-4o-mini" in chat_models
    assert not [m for m in chat_models if "sora" in m or "image" in m]
