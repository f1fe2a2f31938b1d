"""lib.dialects over real-looking answers of each dialect of the relay family.

Dialects: "reshi" is docs/API.md; "new-api" and "one-api" are the Go relays (task DTO with
`task_id`/`SUCCESS`/`"100%"`, `/v1/videos` objects with `metadata.url`, 403
`insufficient_user_quota`, 401 token words, 200-with-error billing); "openai" is OpenAI's own API
(Sora 2 video objects with no URL, 429 `insufficient_quota`, `content_policy_violation`).
"""

from __future__ import annotations

import base64
import json
import math

import pytest

from lib import dialects, errors
from lib.client import retries
from lib.dialects import BillingFigures, TaskFields
from lib.media.video_status import COMPLETED, FAILED, QUEUED, RUNNING, normalize_status
from lib.sandbox.steps import HTML_PAGE
from lib.ui.error_text import error_text, explain
from tests.imagefiles import image_bytes

MP4 = "https://cdn.example.com/v/abc.mp4"
SORA_ID = "video_68d7512d07848190b3e45da0ecbebcde004da08e1e0678d5"


def as_bytes(body: dict | str) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode()


# ---------------------------------------------------------------------------------- video tasks

TASK_BODIES = {
    "reshi created": ({"id": "vid_1", "status": "queued"}, TaskFields("vid_1", "queued", None, None, None)),
    "reshi running": (
        {"id": "vid_1", "status": "in_progress", "progress": 45},
        TaskFields("vid_1", "in_progress", 45.0, None, None),
    ),
    "reshi completed": (
        {"id": "vid_1", "status": "completed", "progress": 100, "video_url": MP4},
        TaskFields("vid_1", "completed", 100.0, MP4, None),
    ),
    "reshi failed": (
        {"id": "vid_1", "status": "failed", "error": "content policy"},
        TaskFields("vid_1", "failed", None, None, "content policy"),
    ),
    "reshi create with only an id": ({"task_id": "vid_2"}, TaskFields("vid_2", "queued", None, None, None)),
    "new-api task envelope": (
        {
            "code": "success",
            "message": "",
            "data": {
                "task_id": "task_9f2",
                "action": "textGenerate",
                "status": "IN_PROGRESS",
                "fail_reason": "",
                "submit_time": 1758941485,
                "progress": "30%",
            },
        },
        TaskFields("task_9f2", "IN_PROGRESS", 30.0, None, None),
    ),
    "new-api task envelope done": (
        {
            "code": "success",
            "message": "",
            "data": {
                "task_id": "task_9f2",
                "status": "SUCCESS",
                "progress": "100%",
                "fail_reason": "",
                "result_url": MP4,
            },
        },
        TaskFields("task_9f2", "SUCCESS", 100.0, MP4, None),
    ),
    "new-api task failure": (
        {
            "code": "success",
            "message": "",
            "data": {"task_id": "task_9f2", "status": "FAILURE", "progress": "100%", "fail_reason": "prompt rejected"},
        },
        TaskFields("task_9f2", "FAILURE", 100.0, None, "prompt rejected"),
    ),
    "new-api /v1/videos with metadata.url": (
        {
            "id": "video_abc",
            "object": "video",
            "model": "sora-2",
            "status": "completed",
            "progress": 100,
            "created_at": 1758941485,
            "seconds": "8",
            "size": "1280x720",
            "metadata": {"url": MP4},
        },
        TaskFields("video_abc", "completed", 100.0, MP4, None),
    ),
    "one-api style data list": (
        {"success": True, "data": {"id": "t7", "status": "succeeded", "data": [{"url": MP4}]}},
        TaskFields("t7", "succeeded", None, MP4, None),
    ),
    "unmarked data object": (
        {"request_id": "req_1", "data": {"task_id": "t8", "status": "running", "progress": 0.5}},
        TaskFields("t8", "running", 50.0, None, None),
    ),
    "results list of strings": (
        {"id": "t9", "status": "finished", "results": [MP4]},
        TaskFields("t9", "finished", None, MP4, None),
    ),
    "outputs list": ({"id": "t9", "status": "done", "outputs": [MP4]}, TaskFields("t9", "done", None, MP4, None)),
    "output string": (
        {"id": "t9", "status": "succeeded", "output": MP4},
        TaskFields("t9", "succeeded", None, MP4, None),
    ),
    "request_id only": ({"request_id": "req_5", "status": "pending"}, TaskFields("req_5", "pending", None, None, None)),
    "openai sora queued": (
        {
            "id": SORA_ID,
            "object": "video",
            "created_at": 1758941485,
            "status": "queued",
            "model": "sora-2",
            "progress": 0,
            "seconds": "8",
            "size": "1280x720",
        },
        TaskFields(SORA_ID, "queued", 0.0, None, None),
    ),
    "openai sora completed, no URL": (
        {
            "id": SORA_ID,
            "object": "video",
            "created_at": 1758941485,
            "completed_at": 1758941600,
            "status": "completed",
            "model": "sora-2",
            "progress": 100,
            "seconds": "8",
            "size": "1280x720",
            "expires_at": 1759027885,
        },
        TaskFields(SORA_ID, "completed", 100.0, None, None, took_seconds=115.0),
    ),
    "openai sora failed": (
        {
            "id": SORA_ID,
            "object": "video",
            "status": "failed",
            "progress": 0,
            "error": {"code": "moderation_blocked", "message": "Your request was blocked by our moderation system."},
        },
        TaskFields(SORA_ID, "failed", 0.0, None, "Your request was blocked by our moderation system."),
    ),
    "error object with a code only": (
        {"id": "t1", "status": "error", "error": {"code": "internal_error"}},
        TaskFields("t1", "error", None, None, "internal_error"),
    ),
    "url with no status is done": ({"id": "t1", "url": MP4}, TaskFields("t1", "completed", None, MP4, None)),
}


@pytest.mark.parametrize("body, expected", TASK_BODIES.values(), ids=TASK_BODIES.keys())
def test_task_fields_from_each_dialect(body, expected):
    assert dialects.task_from_body(body) == expected


@pytest.mark.parametrize(
    "times, took",
    [
        ({"submit_time": 1758941485, "finish_time": 1758941500}, 15.0),  # new-api, done
        ({"submit_time": 1758941485, "finish_time": 0}, None),  # new-api, not yet
        ({"created_at": 1758941485, "completed_at": None}, None),  # OpenAI, not yet
        ({"created_at": 1758941485.5, "finished_at": 1758941490}, 4.5),
        ({"created_at": 1758941485, "completed_at": 1758941000}, None),  # finished before it began
        ({"created_at": 1758941485, "completed_at": 1758941485 + 30 * 86400}, None),  # a month: a bad clock
        ({"created_at": "2025-09-27", "completed_at": 1758941600}, None),
        ({"created_at": True, "completed_at": 1758941600}, None),
        ({"completed_at": 1758941600}, None),
    ],
)
def test_how_long_the_server_says_a_task_took(times, took):
    assert dialects.task_from_body({"id": "t1", "status": "completed", **times}).took_seconds == took


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"id": "a", "task_id": "b", "data": {"id": "c"}, "request_id": "e"}, "a"),
        ({"task_id": "b", "data": {"id": "c"}, "request_id": "e"}, "b"),
        ({"data": {"id": "c", "task_id": "d"}, "request_id": "e"}, "c"),
        ({"data": {"task_id": "d"}, "request_id": "e"}, "d"),
        ({"id": "", "request_id": "e"}, "e"),
        ({"id": 42}, "42"),
    ],
)
def test_task_id_is_the_first_field_in_the_documented_order(body, expected):
    assert dialects.task_from_body(body).id == expected


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            {"video_url": "https://a/1.mp4", "url": "https://a/2.mp4", "metadata": {"url": "https://a/3.mp4"}},
            "https://a/1.mp4",
        ),
        ({"url": "https://a/2.mp4", "result_url": "https://a/4.mp4"}, "https://a/2.mp4"),
        ({"result_url": "https://a/4.mp4", "metadata": {"url": "https://a/3.mp4"}}, "https://a/4.mp4"),
        ({"metadata": {"url": "https://a/3.mp4"}, "data": [{"url": "https://a/5.mp4"}]}, "https://a/3.mp4"),
        ({"data": [{"url": "https://a/5.mp4"}], "results": ["https://a/6.mp4"]}, "https://a/5.mp4"),
        ({"results": [{"url": "https://a/6.mp4"}]}, "https://a/6.mp4"),
        ({"url": "", "video_url": None, "output": ["https://a/7.mp4"]}, "https://a/7.mp4"),
        ({"outputs": [{"url": "https://a/8.mp4"}]}, "https://a/8.mp4"),
        ({"url": "not a link", "output": "a caption, not a file"}, None),
    ],
)
def test_video_url_first_http_url_in_the_documented_order(fields, expected):
    assert dialects.task_from_body({"id": "t", "status": "completed", **fields}).video_url == expected


@pytest.mark.parametrize(
    "body", [{"status": "completed"}, {"id": "", "task_id": None}, {"id": True}, ["id", "t"], "t1", None]
)
def test_a_task_without_an_id_is_malformed(body):
    with pytest.raises(errors.MalformedResponseError):
        dialects.task_from_body(body)


def test_completed_without_url_is_fetched_from_the_content_route():
    # OpenAI's Sora API and new-api's /v1/videos serve the file at GET /videos/{id}/content.
    task = dialects.task_from_body(TASK_BODIES["openai sora completed, no URL"][0])
    assert normalize_status(task.raw_status) == COMPLETED and task.video_url is None
    assert (
        dialects.video_content_url("https://relay.example/v1/", task.id)
        == f"https://relay.example/v1/videos/{SORA_ID}/content"
    )


@pytest.mark.parametrize(
    "raw, expected",
    [("SUCCESS", COMPLETED), ("IN_PROGRESS", RUNNING), ("NOT_START", QUEUED), ("FAILURE", FAILED), ("UNKNOWN", QUEUED)],
)
def test_new_api_upper_case_task_states_normalise(raw, expected):
    assert normalize_status(raw) == expected


# ---------------------------------------------------------------------------------- envelopes

INNER = {"task_id": "t1", "status": "queued"}


@pytest.mark.parametrize(
    "body",
    [
        {"code": "success", "message": "", "data": INNER},
        {"code": 0, "msg": "ok", "data": INNER},
        {"code": 200, "data": INNER},
        {"code": "0", "data": INNER},
        {"success": True, "message": "", "data": INNER},
        INNER,
    ],
)
def test_envelopes_unwrap_to_their_payload(body):
    assert dialects.unwrap_envelope(body) == INNER


@pytest.mark.parametrize(
    "body",
    [
        {"created": 1758941485, "data": [{"b64_json": "AAAA"}]},  # an OpenAI images answer
        {"object": "list", "data": [{"id": "gpt-4o"}]},  # a models list
        {"code": False, "data": INNER},  # False is not the code 0
        [INNER],
    ],
)
def test_bodies_that_are_not_envelopes_come_back_as_they_are(body):
    assert dialects.unwrap_envelope(body) == body


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"success": False, "message": "无权进行此操作", "data": None}, errors.BadRequestError),
        ({"success": False, "message": "用户额度不足"}, errors.CreditsError),
        ({"code": "insufficient_user_quota", "message": "user quota is not enough", "data": None}, errors.CreditsError),
        ({"code": "fail_to_fetch_task", "message": "task_not_exist", "data": None}, errors.BadRequestError),
    ],
)
def test_a_failure_envelope_raises_its_typed_error_even_with_200(body, expected):
    with pytest.raises(expected) as caught:
        dialects.unwrap_envelope(body)
    assert type(caught.value) is expected and caught.value.server_message == body["message"]


# ---------------------------------------------------------------------------------- errors

EXHAUSTED_NEW_API = "该令牌额度已用尽 TokenStatusExhausted[sk-abc***xyz]"
SAFETY = "Your request was rejected as a result of our safety system."
ERROR_BODIES = {
    "reshi 401": (
        401,
        {"error": {"message": "invalid API key", "type": "invalid_request_error"}},
        errors.AuthError,
        "invalid API key",
    ),
    "reshi 402": (
        402,
        {"error": {"message": "insufficient credits", "type": "insufficient_credits"}},
        errors.CreditsError,
        "insufficient credits",
    ),
    "reshi 403 disabled": (
        403,
        {"error": {"message": "API key disabled"}},
        errors.KeyDisabledError,
        "API key disabled",
    ),
    "new-api 403 out of credit": (
        403,
        {
            "error": {
                "message": "用户额度不足, 剩余额度: ＄0.000000",
                "type": "new_api_error",
                "code": "insufficient_user_quota",
            }
        },
        errors.CreditsError,
        "用户额度不足, 剩余额度: ＄0.000000",
    ),
    "one-api 403 out of credit": (
        403,
        {"error": {"message": "用户额度不足", "type": "one_api_error"}},
        errors.CreditsError,
        "用户额度不足",
    ),
    "new-api flat task error": (
        403,
        {"code": "insufficient_user_quota", "message": "user quota is not enough", "data": None},
        errors.CreditsError,
        "user quota is not enough",
    ),
    "openai 429 out of quota": (
        429,
        {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
        errors.CreditsError,
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "openai 429 rate limit": (
        429,
        {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
        errors.RateLimitError,
        "Rate limit reached",
    ),
    "new-api 401 expired token": (
        401,
        {"error": {"message": "该令牌已过期", "type": "new_api_error"}},
        errors.TokenExpiredError,
        "该令牌已过期",
    ),
    "one-api 401 exhausted token": (
        401,
        {"error": {"message": "该令牌额度已用尽", "type": "one_api_error"}},
        errors.TokenExhaustedError,
        "该令牌额度已用尽",
    ),
    "new-api 401 exhausted token": (
        401,
        {"error": {"message": EXHAUSTED_NEW_API, "type": "new_api_error"}},
        errors.TokenExhaustedError,
        EXHAUSTED_NEW_API,
    ),
    "new-api 403 token pre-charge": (
        403,
        {"error": {"message": "该令牌额度已用尽", "type": "new_api_error", "code": "pre_consume_token_quota_failed"}},
        errors.TokenExhaustedError,
        "该令牌额度已用尽",
    ),
    "new-api 403 token pre-charge, English": (
        403,
        {
            "error": {
                "message": "token quota is not enough",
                "type": "new_api_error",
                "code": "pre_consume_token_quota_failed",
            }
        },
        errors.TokenExhaustedError,
        "token quota is not enough",
    ),
    "english expired token": (
        401,
        {"error": {"message": "Token has expired"}},
        errors.TokenExpiredError,
        "Token has expired",
    ),
    "new-api 401 invalid token": (
        401,
        {"error": {"message": "无效的令牌", "type": "new_api_error"}},
        errors.AuthError,
        "无效的令牌",
    ),
    "openai image refused": (
        400,
        {"error": {"message": SAFETY, "type": "invalid_request_error", "code": "content_policy_violation"}},
        errors.ContentFilteredError,
        SAFETY,
    ),
    "upload refusal": (400, {"success": False, "message": "文件类型不支持"}, errors.BadRequestError, "文件类型不支持"),
    "nginx html": (502, HTML_PAGE, errors.ServerError, "502 Bad Gateway"),
    "billing 200 with error": (
        200,
        {"error": {"message": "record not found", "type": "upstream_error"}},
        errors.ServerError,
        "record not found",
    ),
    "empty message names the code": (
        500,
        {"error": {"message": "", "type": "new_api_error", "code": "do_request_failed"}},
        errors.ServerError,
        "do_request_failed",
    ),
}


@pytest.mark.parametrize("status, body, expected, message", ERROR_BODIES.values(), ids=ERROR_BODIES.keys())
def test_error_class_from_status_code_and_message(status, body, expected, message):
    assert dialects.error_kind_for(status, as_bytes(body)) == (expected, message)


@pytest.mark.parametrize(
    "status, body",
    [
        (401, {"error": {"message": "用户额度不足"}}),  # the words, under any status
        (429, {"error": {"code": "insufficient_user_quota"}}),
    ],
)
def test_out_of_credit_is_credits_under_any_status(status, body):
    assert dialects.error_kind_for(status, as_bytes(body))[0] is errors.CreditsError


def test_insufficient_quota_outside_429_keeps_its_status_meaning():
    # OpenAI sends `insufficient_quota` with 429 only; on a 500 it names a relay's upstream key, not yours.
    body = as_bytes({"error": {"message": "upstream quota", "code": "insufficient_quota"}})
    assert dialects.error_kind_for(500, body)[0] is errors.ServerError


def test_token_words_from_a_server_error_are_not_about_this_key():
    # A 5xx may carry an upstream's own "token expired"; only the relay's auth answers (401/403) mean this key.
    assert dialects.error_kind_for(500, as_bytes({"error": {"message": "该令牌已过期"}}))[0] is errors.ServerError


def test_error_for_builds_the_instance_with_its_extras():
    rate = dialects.error_for(
        429,
        b'{"error":{"message":"slow down sk-secret"}}',
        request_id="req_1",
        retry_after=2.0,
        scrub=lambda text: text.replace("sk-secret", "sk-...cret"),
    )
    assert isinstance(rate, errors.RateLimitError) and rate.retry_after == 2.0
    assert (rate.status, rate.request_id, rate.server_message) == (429, "req_1", "slow down sk-...cret")
    credits = dialects.error_for(429, b'{"error":{"code":"insufficient_quota","message":"quota"}}', retry_after=2.0)
    assert isinstance(credits, errors.CreditsError) and not retries.is_transient(credits)


@pytest.mark.parametrize(
    "body, expected",
    [
        (HTML_PAGE, "502 Bad Gateway"),
        (
            "<html><head><title>\n  504 Gateway\n Time-out </title></head><body><h1>504</h1></body></html>",
            "504 Gateway Time-out",
        ),
        ("<html><title></title><body><h1>Service &amp; Down</h1></body></html>", "Service & Down"),
        ('{"code":"insufficient_user_quota","message":"用户额度不足","data":null}', "用户额度不足"),
        ('{"error":{"message":"","code":"bad_response_status_code"}}', "bad_response_status_code"),
        ('{"error":{"code":"x"},"message":"the words"}', "the words"),
        ('{"error":"plain"}', "plain"),
        ("upstream connect error", "upstream connect error"),
    ],
)
def test_server_message_from_every_body_shape(body, expected):
    assert errors.server_message_from(body.encode()) == expected


@pytest.mark.parametrize("cls", [errors.TokenExpiredError, errors.TokenExhaustedError, errors.ContentFilteredError])
def test_new_errors_explain_themselves_in_both_languages(cls):
    error = cls("server words")
    assert explain(error, "en") != explain(error, "zh")
    assert explain(error, "en") != explain(errors.ReshiError(), "en"), "its own text, not the generic one"
    assert "server words" in error_text(error, "zh") and not retries.worth_retrying(error)


def test_token_errors_are_auth_errors():
    # Code that handles a bad key (send the user to the sidebar) must keep catching these.
    assert issubclass(errors.TokenExpiredError, errors.AuthError)
    assert issubclass(errors.TokenExhaustedError, errors.AuthError)


# ---------------------------------------------------------------------------------- images

PNG, JPEG = image_bytes("PNG"), image_bytes("JPEG")


@pytest.mark.parametrize(
    "item, expected",
    [
        ({"b64_json": base64.b64encode(PNG).decode()}, (PNG, None)),
        ({"b64_json": base64.b64encode(JPEG).decode(), "mime_type": "image/png"}, (JPEG, None)),
        ({"b64_json": "data:image/png;base64," + base64.b64encode(PNG).decode()}, (PNG, None)),
        ({"b64_json": "", "url": "https://cdn.example.com/i/1.png"}, (None, "https://cdn.example.com/i/1.png")),
        (
            {"url": "https://cdn.example.com/i/1.png", "revised_prompt": "a cat"},
            (None, "https://cdn.example.com/i/1.png"),
        ),
    ],
)
def test_image_from_b64_or_url(item, expected):
    assert dialects.image_from_body({"created": 1758941485, "data": [item]}) == expected


def test_image_inside_an_envelope():
    body = {"code": "success", "data": {"created": 1, "data": [{"b64_json": base64.b64encode(JPEG).decode()}]}}
    assert dialects.image_from_body(body) == (JPEG, None)


def test_an_empty_image_list_is_a_safety_filter():
    with pytest.raises(errors.ContentFilteredError) as caught:
        dialects.image_from_body({"created": 1758941485, "data": []})
    assert caught.value.kind == "filtered"


@pytest.mark.parametrize(
    "body",
    [
        {"created": 1},
        {"data": [{}]},
        {"data": [{"url": "ftp://x"}]},
        {"data": "x"},
        {"data": [{"b64_json": "!!!not base64"}]},
    ],
)
def test_an_image_answer_without_an_image_is_malformed(body):
    with pytest.raises(errors.MalformedResponseError):
        dialects.image_from_body(body)


# ---------------------------------------------------------------------------------- billing


def subscription(hard_limit) -> dict:
    return {
        "object": "billing_subscription",
        "has_payment_method": True,
        "soft_limit_usd": hard_limit,
        "hard_limit_usd": hard_limit,
        "system_hard_limit_usd": hard_limit,
        "access_until": 0,
    }


def usage(cents) -> dict:
    return {"object": "list", "total_usage": cents}


@pytest.mark.parametrize(
    "sub, use, hard_limit_is, expected",
    [
        # new-api: hard_limit_usd = remaining + used; 12.5 used of 100.
        (subscription(100), usage(1250), dialects.HARD_LIMIT_IS_TOTAL, BillingFigures(87.5, 12.5)),
        # one-api: hard_limit_usd = remaining alone.
        (subscription(100), usage(1250), dialects.HARD_LIMIT_IS_REMAINING, BillingFigures(100.0, 12.5)),
        # A total below what was used can only be a remaining.
        (subscription(3), usage(1250), dialects.HARD_LIMIT_IS_TOTAL, BillingFigures(3.0, 12.5)),
        (subscription("42.5"), usage("0"), dialects.HARD_LIMIT_IS_TOTAL, BillingFigures(42.5, 0.0)),
    ],
)
def test_balance_from_the_legacy_billing_pair(sub, use, hard_limit_is, expected):
    assert dialects.billing_from(sub, use, hard_limit_is) == expected


def test_unlimited_key_has_infinite_remaining():
    figures = dialects.billing_from(subscription(100000000), usage(5000))
    assert figures.unlimited and math.isinf(figures.remaining) and figures.used == 50


def test_sandbox_shape_gives_the_readme_formula():
    # README: balance = hard_limit_usd - total_usage / 100, with one credit as one "usd".
    figures = dialects.billing_from(subscription(1000), usage(1500))
    assert (figures.remaining, figures.used, figures.total, figures.unlimited) == (985, 15, 1000, False)


@pytest.mark.parametrize(
    "sub, use, expected",
    [
        ({"error": {"message": "record not found", "type": "upstream_error"}}, usage(0), errors.ServerError),
        (subscription(10), {"error": {"message": "db down", "type": "new_api_error"}}, errors.ServerError),
        (subscription(10), {"error": {"message": "用户额度不足", "type": "one_api_error"}}, errors.CreditsError),
        ({"object": "billing_subscription"}, usage(0), errors.MalformedResponseError),
        (subscription(None), usage(0), errors.MalformedResponseError),
        (subscription("NaN"), usage(0), errors.MalformedResponseError),
        (subscription(10), "not json object", errors.MalformedResponseError),
    ],
)
def test_billing_errors_inside_200_answers_are_typed(sub, use, expected):
    with pytest.raises(expected):
        dialects.billing_from(sub, use)


# ---------------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    "model, chat",
    [
        ({"id": "gpt-4o-mini", "object": "model", "owned_by": "openai"}, True),
        ({"id": "sora-2", "object": "model", "owned_by": "openai"}, False),
        ({"id": "gemini-2.5-flash", "owned_by": "vertex-ai", "supported_endpoint_types": ["gemini", "openai"]}, True),
        (
            {
                "id": "nano-banana-pro-preview",
                "owned_by": "vertex-ai",
                "supported_endpoint_types": ["image-generation"],
            },
            False,
        ),
        ({"id": "jina-reranker-v2-base-multilingual", "supported_endpoint_types": ["jina-rerank"]}, False),
        ({"id": "my-video-chat", "supported_endpoint_types": ["openai-video"]}, False),
        ({"id": "text-embedding-3-small", "supported_endpoint_types": ["embeddings", "openai"]}, True),
        ({"id": "imagechat-pro", "supported_endpoint_types": ["OpenAI"]}, True),  # the list beats the name
        ({"id": "claude-sonnet-4", "supported_endpoint_types": ["anthropic"]}, True),
        ({"id": "gpt-5-codex", "supported_endpoint_types": ["openai-response"]}, True),
        ({"id": "mj_imagine", "owned_by": "midjourney"}, False),
        ({"id": "chirp-v4", "owned_by": "suno"}, False),
        ({"id": "kling-v2-master", "owned_by": "kling"}, False),
        ({"id": "deepseek-chat", "owned_by": "deepseek", "supported_endpoint_types": []}, True),
        ({"id": "gemini-2.5-flash-image", "owned_by": "google"}, False),
        ({"id": "veo-3.0-generate", "owned_by": "google"}, False),
    ],
)
def test_chat_picker_by_endpoints_then_owner_then_name(model, chat):
    assert dialects.is_chat_model(model) is chat
