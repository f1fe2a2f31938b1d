"""A shared conversation shows its images: copied into the share when it is made (like a
video's bytes), not only their file names."""

from __future__ import annotations

import io
import re

from PIL import Image

from lib.sharing import shares
from tests.app.helpers import store_of
from tests.app.test_chat_features import attach
from tests.app.test_shares import open_link
from tests.fixtures.app import make_app
from tests.imagefiles import image_bytes


def share_the_conversation(at) -> str:
    at.button(key="chat_share").click().run()
    at.button(key="chat_share_create").click().run()
    link = next(c.value for c in at.code if "share=" in c.value)
    return re.search(r"share=([A-Za-z0-9_-]+)$", link).group(1)


def test_a_shared_conversation_shows_its_attached_image(app_secrets):
    at = attach(make_app(app_secrets), "What is in this picture?", ("red.png", image_bytes("PNG", (640, 480))))
    token = share_the_conversation(at)
    [share] = store_of(app_secrets).list_shares("local")
    payload = store_of(app_secrets).share_by_token_hash(share.token_hash).payload
    [copied] = payload["messages"][0]["meta"]["attachments"]
    kept = Image.open(io.BytesIO(shares.shared_image_bytes(copied)))
    assert copied["name"] == "red.png" and kept.size == (640, 480)  # the upload itself, not its thumbnail

    viewer = open_link(app_secrets, token)
    assert not viewer.exception
    images = viewer.get("image")
    assert len(images) == 1 and "red.png" in str(images[0].proto)
    assert not [c for c in viewer.caption if "red.png" in c.value]  # an image, not its file name
