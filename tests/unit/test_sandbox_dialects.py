"""The sandbox's dialects (reshi, new-api, openai): raw HTTP shapes of each, and that the
client's reader (lib.dialects) and the official openai SDK understand every one of them."""

from __future__ import annotations

import base64

import httpx
import openai
import pytest

from lib import dialects as client_dialects
from lib import errors
from lib.media import imagetypes
from lib.media.video_status import COMPLETED, QUEUED, RUNNING, normalize_status
from lib.sandbox import start_sandbox
from lib.sandbox.dialects import DIALECTS

# The test sandbox's tasks take 3 virtual seconds: queued < 0.3 s, failed at 1.5 s, done at 3 s.
DONE = 3.5
# Tests that read progress make tasks take 300 virtual seconds, so the real milliseconds between
# calls move it by far less than 1%: 150 s is 44%, 290 s is 96%, 300 s is done.
SLOW_SECONDS, MIDWAY, NEARLY = 300.0, 150.0, 290.0
PROMPT = "a lighthouse at dusk"

# How a caller asks for a 4-second 16:9 video in each dialect, and where it polls.
CREATE = {
    "reshi": ("/videos/generations", {"prompt": PROMPT, "duration": 4, "aspect_ratio": "16:9"}),
    "new-api": ("/videos/generations", {"prompt": PROMPT, "duration": 4, "aspect_ratio": "16:9"}),
    "openai": ("/videos", {"prompt": PROMPT, "seconds": "4", "size": "1280x720"}),
}
POLL = {"reshi": "/videos/generations/{}", "new-api": "/videos/generations/{}", "openai": "/videos/{}"}


@pytest.fixture
def slow_videos(sandbox_speed):
    sandbox_speed(video_seconds=SLOW_SECONDS)


@pytest.fixture(params=list(DIALECTS))
def dialect(request, sandbox_dialect) -> str:
    sandbox_dialect(request.param)
    return request.param


def create_video(http: httpx.Client, dialect: str, prompt: str = PROMPT) -> dict:
    path, body = CREATE[dialect]
    response = http.post(path, json={**body, "prompt": prompt})
    assert response.status_code == 200, response.text
    return response.json()


def poll(http: httpx.Client, dialect: str, task_id: str) -> dict:
    response = http.get(POLL[dialect].format(task_id))
    assert response.status_code == 200, response.text
    return response.json()


def is_mp4(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


# --- video, in each dialect's own shape ------------------------------------------------------


def test_reshi_video_is_the_documented_task(sandbox, sandbox_http, sandbox_dialect):
    sandbox_dialect("reshi")
    created = create_video(sandbox_http, "reshi")
    assert (created["status"], created["progress"], created["object"]) == ("queued", 0, "video.generation")
    sandbox.control.advance_clock(DONE)
    done = poll(sandbox_http, "reshi", created["id"])
    assert (done["status"], done["progress"]) == ("completed", 100)
    assert is_mp4(httpx.get(done["video_url"]).content)


def test_new_api_video_is_an_enveloped_task_in_its_words(sandbox, sandbox_http, sandbox_dialect, slow_videos):
    sandbox_dialect("new-api")
    created = create_video(sandbox_http, "new-api")
    assert (created["code"], created["message"]) == ("success", "")
    task = created["data"]
    assert (task["status"], task["progress"], "id" in task) == ("SUBMITTED", "0%", False)
    sandbox.control.advance_clock(MIDWAY)
    running = poll(sandbox_http, "new-api", task["task_id"])["data"]
    assert running["status"] == "IN_PROGRESS" and running["progress"] == "44%"
    assert "metadata" not in running
    sandbox.control.advance_clock(SLOW_SECONDS - MIDWAY)
    done = poll(sandbox_http, "new-api", task["task_id"])["data"]
    assert (done["status"], done["progress"], done["fail_reason"]) == ("SUCCESS", "100%", "")
    assert is_mp4(httpx.get(done["metadata"]["url"]).content)
    assert is_mp4(sandbox_http.get(f"/videos/{task['task_id']}/content").content)


def test_openai_video_object_has_no_url_and_its_bytes_at_content(sandbox, sandbox_http, sandbox_dialect):
    sandbox_dialect("openai")
    created = create_video(sandbox_http, "openai")
    assert {k: created[k] for k in ("object", "status", "progress", "seconds", "size", "model")} == {
        "object": "video",
        "status": "queued",
        "progress": 0,
        "seconds": "4",
        "size": "1280x720",
        "model": "sora-2",
    }
    assert created["id"].startswith("video_") and created["completed_at"] is None
    not_yet = sandbox_http.get(f"/videos/{created['id']}/content")
    assert not_yet.status_code == 404
    sandbox.control.advance_clock(DONE)
    done = poll(sandbox_http, "openai", created["id"])
    assert (done["status"], done["progress"], done["error"]) == ("completed", 100, None)
    assert done["completed_at"] == done["created_at"] + 3
    assert "http" not in str(done)  # no URL anywhere: the object never carries one
    content = sandbox_http.get(f"/videos/{created['id']}/content")
    assert content.headers["content-type"] == "video/mp4" and is_mp4(content.content)


def test_openai_sdk_makes_and_downloads_a_video(sandbox, api_key, sandbox_dialect):
    """The SDK sends POST /videos as multipart/form-data; the sandbox reads it like JSON."""
    sandbox_dialect("openai")
    client = openai.OpenAI(base_url=sandbox.base_url, api_key=api_key, max_retries=0)
    video = client.videos.create(model="sora-2-pro", prompt=PROMPT, seconds="8", size="1024x1792")
    assert (video.status, video.seconds, video.size) == ("queued", "8", "1024x1792")
    sandbox.control.advance_clock(DONE)
    assert client.videos.retrieve(video.id).status == "completed"
    assert is_mp4(client.videos.download_content(video.id).read())
    assert sandbox.control.key_info(api_key)["spent"] == 150


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"seconds": 4}, "seconds"),
        ({"seconds": "5"}, "seconds"),
        ({"size": "1792x1024"}, "size"),
        ({"model": "sora-3"}, "model"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_openai_create_fields_are_validated(sandbox_http, sandbox_dialect, fields, named):
    sandbox_dialect("openai")
    response = sandbox_http.post("/videos", json={"prompt": PROMPT, "model": "sora-2", **fields})
    assert response.status_code == 400 and named in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "dialect_name, method, path",
    [
        ("reshi", "POST", "/videos"),
        ("reshi", "GET", "/videos/video_x/content"),
        ("new-api", "POST", "/videos"),
        ("openai", "POST", "/videos/generations"),
        ("openai", "GET", "/dashboard/billing/usage"),
    ],
)
def test_a_route_the_dialect_lacks_is_an_unknown_url(sandbox_http, sandbox_dialect, dialect_name, method, path):
    sandbox_dialect(dialect_name)
    response = sandbox_http.request(method, path, json={"prompt": PROMPT})
    assert response.status_code == 404
    if dialect_name == "openai":
        assert response.json()["error"]["message"] == f"Invalid URL ({method} /api/v1{path})"


FAILED_WORDS = {
    "reshi": ("status", "failed", "error"),
    "new-api": ("status", "FAILURE", "fail_reason"),
    "openai": ("status", "failed", "error"),
}


def test_fail_marker_fails_in_the_dialects_words_and_refunds(sandbox, sandbox_http, api_key, dialect):
    created = client_dialects.task_from_body(create_video(sandbox_http, dialect, PROMPT + " [fail]"))
    sandbox.control.advance_clock(DONE)
    body = poll(sandbox_http, dialect, created.id)
    task = body.get("data", body)
    status_field, word, reason_field = FAILED_WORDS[dialect]
    assert task[status_field] == word and "[fail]" in str(task[reason_field])
    assert client_dialects.task_from_body(body).error.endswith("([fail]).")
    assert sandbox.control.key_info(api_key)["spent"] == 0


def test_client_reader_follows_each_dialects_task_on_the_same_timeline(sandbox, sandbox_http, slow_videos, dialect):
    """lib.dialects.task_from_body reads id, status, progress and the video from every
    dialect's answers, and each reaches completion at the same virtual time."""
    created = client_dialects.task_from_body(create_video(sandbox_http, dialect))
    assert (normalize_status(created.raw_status), created.progress) == (QUEUED, 0)
    seen = []
    for advance in (MIDWAY, NEARLY - MIDWAY, SLOW_SECONDS - NEARLY):
        sandbox.control.advance_clock(advance)
        task = client_dialects.task_from_body(poll(sandbox_http, dialect, created.id))
        assert task.id == created.id
        seen.append((normalize_status(task.raw_status), task.progress))
    assert seen == [(RUNNING, 44), (RUNNING, 96), (COMPLETED, 100)]
    where = task.video_url or client_dialects.video_content_url(sandbox.base_url, task.id)
    assert (task.video_url is None) == (dialect == "openai")
    assert is_mp4(sandbox_http.get(where).content)


# --- images ----------------------------------------------------------------------------------

IMAGE_KIND = {"reshi": "jpeg", "new-api": "png", "openai": "png"}


def test_images_in_each_dialects_form(sandbox_http, dialect):
    body = sandbox_http.post("/gemini/images", json={"prompt": PROMPT}).json()
    item = body["data"][0]
    if dialect == "openai":
        assert set(item) == {"url"}
        picture = httpx.get(item["url"]).content
    else:
        assert set(item) == {"b64_json"}  # no MIME type: the bytes say which
        picture = base64.b64decode(item["b64_json"])
    assert imagetypes.sniff(picture) == IMAGE_KIND[dialect]
    decoded, url = client_dialects.image_from_body(body)
    assert imagetypes.sniff(decoded or httpx.get(url).content) == IMAGE_KIND[dialect]


def test_filtered_marker_answers_an_empty_list_and_costs_nothing(sandbox, sandbox_http, api_key, dialect):
    response = sandbox_http.post("/gemini/images", json={"prompt": "a cat [filtered]"})
    assert response.status_code == 200 and response.json()["data"] == []
    with pytest.raises(errors.ContentFilteredError):
        client_dialects.image_from_body(response.json())
    assert sandbox.control.key_info(api_key)["spent"] == 0


# --- refusals --------------------------------------------------------------------------------

OUT_OF_CREDIT = {
    "reshi": (402, "insufficient_credits", "Insufficient credits"),
    "new-api": (403, "insufficient_user_quota", "用户额度不足"),
    "openai": (429, "insufficient_quota", "You exceeded your current quota"),
}


@pytest.mark.parametrize("call", ["chat", "video"])
def test_out_of_credit_in_each_dialects_status_and_code(sandbox, dialect, call):
    poor = sandbox.control.add_key(credits=0)
    with httpx.Client(base_url=sandbox.base_url, headers={"Authorization": f"Bearer {poor}"}) as http:
        if call == "chat":
            response = http.post(
                "/chat/completions", json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
            )
        else:
            response = http.post(CREATE[dialect][0], json=CREATE[dialect][1])
    status, code, words = OUT_OF_CREDIT[dialect]
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (status, code) and words in error["message"]
    assert client_dialects.error_kind_for(response.status_code, response.content)[0] is errors.CreditsError


BAD_KEY_WORDS = {"reshi": "Invalid API key", "new-api": "无效的令牌", "openai": "Incorrect API key provided"}


def test_unknown_key_is_401_in_each_dialects_words(sandbox, dialect):
    response = httpx.get(sandbox.base_url + "/models", headers={"Authorization": "Bearer sk-nobody"})
    assert response.status_code == 401 and BAD_KEY_WORDS[dialect] in response.json()["error"]["message"]
    assert client_dialects.error_kind_for(401, response.content)[0] is errors.AuthError


def test_faults_and_markers_work_in_every_dialect(sandbox, sandbox_http, dialect):
    sandbox.control.queue_fault("video_status", "503")
    created = client_dialects.task_from_body(create_video(sandbox_http, dialect))
    assert sandbox_http.get(POLL[dialect].format(created.id)).status_code == 503
    path, body = CREATE[dialect]
    assert sandbox_http.post(path, json={**body, "prompt": "[html]"}).status_code == 502


# --- models, billing, chat ----------------------------------------------------------------------


def test_new_api_models_carry_endpoint_types_that_sort_chat_from_media(sandbox_http, sandbox_dialect):
    sandbox_dialect("new-api")
    body = sandbox_http.get("/models").json()
    assert body["success"] is True and body["object"] == "list"
    types = {m["id"]: m["supported_endpoint_types"] for m in body["data"]}
    assert types["gpt-4o-mini"] == ["openai"] and types["sora-2"] == ["openai-video"]
    assert types["gemini-2.5-flash-image"] == ["image-generation"]
    chat = {m["id"] for m in body["data"] if client_dialects.is_chat_model(m)}
    assert "gpt-4o-mini" in chat and not chat & {"sora-2", "sora-2-pro", "gemini-2.5-flash-image"}


@pytest.mark.parametrize("dialect_name", ["reshi", "openai"])
def test_reshi_and_openai_models_are_the_plain_list(sandbox_http, sandbox_dialect, dialect_name):
    sandbox_dialect(dialect_name)
    body = sandbox_http.get("/models").json()
    assert set(body) == {"object", "data"}
    assert all(set(m) == {"id", "object", "created", "owned_by"} for m in body["data"])


@pytest.mark.parametrize("dialect_name", ["reshi", "new-api"])
def test_billing_sends_remaining_plus_used_and_cents(sandbox_http, api_key, sandbox_dialect, dialect_name):
    sandbox_dialect(dialect_name)
    sandbox_http.post("/gemini/images", json={"prompt": PROMPT})  # 10 credits
    subscription = sandbox_http.get("/dashboard/billing/subscription").json()
    usage = sandbox_http.get("/dashboard/billing/usage").json()
    assert (subscription["hard_limit_usd"], usage["total_usage"]) == (1000, 1000)
    figures = client_dialects.billing_from(subscription, usage)
    assert (figures.remaining, figures.used) == (990, 10)


def test_openai_has_no_billing_routes(sandbox_http, sandbox_dialect):
    sandbox_dialect("openai")
    response = sandbox_http.get("/dashboard/billing/subscription")
    assert response.status_code == 404 and "Invalid URL" in response.json()["error"]["message"]


def test_openai_sdk_chats_in_every_dialect(sandbox, api_key, dialect):
    client = openai.OpenAI(base_url=sandbox.base_url, api_key=api_key, max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content
    stream = client.chat.completions.create(
        model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "hi"}]
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == reply.choices[0].message.content


# --- setting the dialect ------------------------------------------------------------------------


def test_control_api_sets_reads_and_checks_the_dialect(sandbox, control_http, sandbox_dialect):
    sandbox_dialect("new-api")
    assert control_http.get("/dialect").json() == {"dialect": "new-api", "reasoning": "reasoning_content"}
    refused = control_http.post("/dialect", json={"dialect": "one-api"})
    assert refused.status_code == 400 and "reshi, new-api, openai" in refused.json()["error"]["message"]
    refused = control_http.post("/dialect", json={"dialect": "reshi", "reasoning": "thoughts"})
    assert refused.status_code == 400 and "think_tag" in refused.json()["error"]["message"]
    assert control_http.get("/dialect").json() == {"dialect": "new-api", "reasoning": "reasoning_content"}
    sandbox_dialect("new-api", "think_tag")
    assert control_http.get("/dialect").json() == {"dialect": "new-api", "reasoning": "think_tag"}
    assert httpx.post(sandbox.root_url + "/sandbox/dialect", json={"dialect": "openai"}).status_code == 401


def test_start_sandbox_takes_a_dialect():
    with pytest.raises(ValueError, match="dialect"):
        start_sandbox(dialect="one-api")
    running = start_sandbox(dialect="new-api", token_rate=0)
    try:
        body = httpx.get(running.base_url + "/models", headers={"Authorization": "Bearer sk-sandbox"}).json()
        assert body["success"] is True
    finally:
        running.stop()
