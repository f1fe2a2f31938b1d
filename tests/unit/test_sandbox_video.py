"""Video tasks: validation, the status timeline on the virtual clock, refunds, the real MP4."""

from __future__ import annotations

import av
import httpx
import pytest

from lib.sandbox.media import VIDEO_SIZES

# The test sandbox's tasks take 3 virtual seconds: queued < 0.3 s, failed at 1.5 s, done at 3 s.
DONE = 3.5


def create(http: httpx.Client, **body) -> httpx.Response:
    return http.post("/videos/generations", json={"prompt": "a cat in a garden", **body})


def status(http: httpx.Client, task_id: str) -> dict:
    response = http.get(f"/videos/generations/{task_id}")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"model": "sora-3"}, "sora-2, sora-2-pro"),
        ({"duration": 0}, "duration"),
        ({"duration": 21}, "1 to 20"),
        ({"duration": "5"}, "duration"),
        ({"duration": 2.5}, "duration"),
        ({"aspect_ratio": "4:3"}, "16:9, 9:16, 1:1"),
    ],
)
def test_each_field_is_validated(sandbox, sandbox_http, api_key, body, field):
    response = create(sandbox_http, **body)
    assert response.status_code == 400 and field in response.json()["error"]["message"]
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_task_timeline_and_charge(sandbox, sandbox_http, api_key):
    task = create(sandbox_http).json()
    assert task["id"].startswith("video_") and task["object"] == "video.generation"
    assert (task["status"], task["progress"], task["model"]) == ("queued", 0, "sora-2")
    assert task["prompt"] == "a cat in a garden" and isinstance(task["created_at"], int)
    assert sandbox.control.key_info(api_key)["spent"] == 15
    assert status(sandbox_http, task["id"])["status"] == "queued"
    sandbox.control.advance_clock(1.5)
    running = status(sandbox_http, task["id"])
    assert running["status"] == "in_progress" and 30 < running["progress"] < 60
    assert "video_url" not in running
    sandbox.control.advance_clock(DONE)
    done = status(sandbox_http, task["id"])
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["video_url"].startswith(sandbox.root_url + "/files/")
    assert sandbox.control.key_info(api_key)["spent"] == 15


def test_pro_costs_150_and_402_when_short(sandbox):
    key = sandbox.control.add_key(credits=160)
    http = httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {key}"})
    assert create(http, model="sora-2-pro").status_code == 200
    response = create(http)
    assert response.status_code == 402 and response.json()["error"]["code"] == "insufficient_credits"
    assert sandbox.control.key_info(key)["credits"] == 10


def test_fail_marker_fails_halfway_and_refunds_once(sandbox, sandbox_http, api_key):
    task = create(sandbox_http, prompt="a storm [fail]").json()
    assert sandbox.control.key_info(api_key)["spent"] == 15
    sandbox.control.advance_clock(1.6)
    failed = status(sandbox_http, task["id"])
    assert failed["status"] == "failed" and "[fail]" in failed["error"]
    sandbox.control.advance_clock(DONE)
    assert status(sandbox_http, task["id"])["status"] == "failed"
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_tasks_are_private_to_their_key(sandbox, sandbox_http):
    task = create(sandbox_http).json()
    other = sandbox.control.add_key(credits=10)
    response = httpx.get(
        f"{sandbox.base_url}/videos/generations/{task['id']}", headers={"Authorization": f"Bearer {other}"}
    )
    assert response.status_code == 404
    assert sandbox_http.get("/videos/generations/video_nope").status_code == 404


def test_stats_count_polls_per_task(sandbox, sandbox_http):
    task = create(sandbox_http).json()
    for _ in range(3):
        status(sandbox_http, task["id"])
    stats = sandbox.control.stats()
    assert stats["video_polls"][task["id"]] == 3 and stats["endpoints"]["video_status"] >= 3


@pytest.mark.parametrize("aspect_ratio, duration", [("16:9", 2), ("9:16", 3), ("1:1", 1)])
def test_video_file_is_a_playable_mp4(sandbox, sandbox_http, tmp_path, aspect_ratio, duration):
    task = create(sandbox_http, aspect_ratio=aspect_ratio, duration=duration).json()
    sandbox.control.advance_clock(DONE)
    url = status(sandbox_http, task["id"])["video_url"]
    response = httpx.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    path = tmp_path / "video.mp4"
    path.write_bytes(response.content)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == VIDEO_SIZES[aspect_ratio]
        assert container.duration / av.time_base == pytest.approx(duration, abs=0.2)
    partial = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and partial.content == response.content[:100]


def test_a_deleted_video_is_gone_from_its_url_and_the_content_route(sandbox, sandbox_http, sandbox_dialect):
    task = create(sandbox_http).json()
    sandbox_dialect("openai")
    made = sandbox_http.post("/videos", json={"prompt": "a fading film", "seconds": "4"}).json()
    sandbox.control.advance_clock(DONE)
    content = f"/videos/{made['id']}/content"
    assert sandbox_http.get(content).status_code == 200
    sandbox_dialect("reshi")
    url = status(sandbox_http, task["id"])["video_url"]
    assert httpx.get(url).status_code == 200
    for task_id in (task["id"], made["id"]):
        sandbox.control.delete_video(task_id)
    assert httpx.get(url).status_code == 404
    assert status(sandbox_http, task["id"])["status"] == "completed", "the task itself still answers"
    sandbox_dialect("openai")
    assert sandbox_http.get(content).status_code == 404
    with pytest.raises(httpx.HTTPStatusError):
        sandbox.control.delete_video("video_unknown")
