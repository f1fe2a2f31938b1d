"""upload.php: both ways in, every refusal, the served file and its 3-day expiry."""

from __future__ import annotations

import base64
import io
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from PIL import Image

from lib.media.imagetypes import MAX_UPLOAD_BYTES as MAX  # the API's "10 MB", read as decimal MB


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def upload(sandbox, api_key):
    """`upload(files=..., json=...)` posts to upload.php with this test's key."""

    def post(**kwargs) -> httpx.Response:
        return httpx.post(sandbox.upload_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30, **kwargs)

    return post


def refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False and words in body["message"]


def test_multipart_upload_is_served_identically(upload):
    data = png_bytes()
    response = upload(files={"image": ("../../etc/pass wd?.png", data, "image/png")})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "上传成功"
    info = body["data"]
    assert re.fullmatch(r"[0-9a-f]+\.png", info["filename"]) and info["size"] == len(data)
    assert info["url"].endswith("/" + info["filename"])
    served = httpx.get(info["url"])
    assert served.content == data and served.headers["content-type"] == "image/png"


def test_expire_at_is_three_days_later_in_shanghai_time(upload):
    info = upload(files={"image": ("a.png", png_bytes())}).json()["data"]
    expire = datetime.strptime(info["expire_at"], "%Y-%m-%d %H:%M:%S")
    shanghai_now = datetime.now(timezone(timedelta(hours=8))).replace(tzinfo=None)
    # The virtual clock may have been moved forward by other tests, never back.
    assert expire - shanghai_now >= timedelta(days=3, seconds=-5)


@pytest.mark.parametrize(
    "encode",
    [
        lambda data: "data:image/jpeg;base64," + base64.b64encode(data).decode(),
        lambda data: base64.b64encode(data).decode(),
    ],
)
def test_base64_upload_both_forms(upload, encode):
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    data = jpeg.getvalue()
    info = upload(json={"image_base64": encode(data), "filename": "my_image.png"}).json()["data"]
    assert info["filename"].endswith(".jpg") and info["size"] == len(data)
    served = httpx.get(info["url"])
    assert served.content == data and served.headers["content-type"] == "image/jpeg"


def test_gif_and_webp_are_accepted(upload):
    for fmt, ext in (("GIF", ".gif"), ("WEBP", ".webp")):
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, fmt)
        assert upload(files={"image": ("x", out.getvalue())}).json()["data"]["filename"].endswith(ext)


def test_refusals(upload):
    refused(upload(files={"image": ("empty.png", b"")}), 400, "empty")
    refused(upload(files={"image": ("notes.png", b"just some text, not an image")}), 400, "Unsupported")
    refused(upload(files={"image": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX - 7))}), 413, "10 MB")
    refused(upload(json={"image_base64": "data:image/png;base64,@@not base64@@"}), 400, "base64")
    refused(upload(json={"filename": "a.png"}), 400, "image_base64")
    refused(upload(files={"other": ("a.png", png_bytes())}), 400, "'image'")
    refused(upload(content=b"raw bytes"), 400, "multipart")


def test_exactly_10_mb_is_accepted(upload):
    response = upload(files={"image": ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX - 8))})
    assert response.status_code == 200 and response.json()["data"]["size"] == MAX


def test_upload_needs_a_key(sandbox):
    refused(httpx.post(sandbox.upload_url, files={"image": ("a.png", png_bytes())}), 401, "API key")
    refused(
        httpx.post(
            sandbox.upload_url, files={"image": ("a.png", png_bytes())}, headers={"Authorization": "Bearer sk-unknown"}
        ),
        401,
        "API key",
    )


def test_upload_expires_after_three_days(sandbox, upload):
    url = upload(files={"image": ("a.png", png_bytes())}).json()["data"]["url"]
    sandbox.control.advance_clock(3 * 24 * 3600 - 60)
    assert httpx.get(url).status_code == 200
    sandbox.control.advance_clock(61)
    assert httpx.get(url).status_code == 404


def test_upload_is_free(sandbox, upload, api_key):
    upload(files={"image": ("a.png", png_bytes())})
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_a_sandbox_started_again_on_its_port_still_serves_the_links_it_gave(tmp_path):
    """The app's embedded sandbox keeps one port and its files across restarts (issue 31, item 6):
    uploads, images and videos (a task's facts, never its key)."""
    from lib.sandbox import start_sandbox
    from lib.sandbox.state import DEFAULT_KEY

    first = start_sandbox(files_dir=tmp_path, video_seconds=0)
    port = int(first.root_url.rsplit(":", 1)[1])
    data = png_bytes()
    answer = httpx.post(
        first.upload_url,
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
        files={"image": ("a.png", data, "image/png")},
        timeout=30,
    ).json()
    api = httpx.Client(base_url=first.base_url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, timeout=60)
    task = api.post("/videos/generations", json={"prompt": "a cat", "duration": 1}).json()
    video_url = api.get(f"/videos/generations/{task['id']}").json()["video_url"]
    mp4 = httpx.get(video_url, timeout=60).content
    assert mp4[4:8] == b"ftyp"
    assert not [f for f in tmp_path.rglob("*") if f.is_file() and DEFAULT_KEY.encode() in f.read_bytes()]
    with pytest.raises(OSError):
        start_sandbox(port=port)  # taken: the caller falls back to a free port
    first.stop()
    again = start_sandbox(port=port, files_dir=tmp_path)
    try:
        served = httpx.get(answer["data"]["url"], timeout=10)
        assert served.status_code == 200 and served.content == data
        assert httpx.get(answer["data"]["url"].replace(".png", "0.png"), timeout=10).status_code == 404
        assert httpx.get(video_url, timeout=60).content == mp4, "a video's link outlives the restart too"
        assert httpx.get(video_url.replace(task["id"], "video_" + "0" * 24), timeout=10).status_code == 404
    finally:
        again.stop()
