"""Whether an answer succeeded: the success envelopes around a payload, and the typed error a
failure means (by status, code and the server's words), whatever the HTTP status said."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from lib import errors
from lib.jsonpaths import Path, dig

# (field, values that mean success). {"code": "success", "data": ...} is new-api's task route
# (TaskResponse); {"success": true, "data": ...} its management routes and this provider's upload.
# Values are matched with their type: `0` and `False` are different answers.
_ENVELOPES: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("code", ("success", 0, "0", 200, "200")),
    ("success", (True,)),
)


def unwrap_envelope(body: Any) -> Any:
    """The payload inside a success envelope; a bare object (or anything else) as it came.

    An envelope that says failure (`success: false`, or a `code` that is not a success value
    with no `data`) raises the typed error its code and message name, whatever the HTTP status:
    new-api answers some failures with 200.
    """
    if not isinstance(body, dict):
        return body
    for field, ok_values in _ENVELOPES:
        if field not in body:
            continue
        if _is_one_of(body[field], ok_values):
            return body.get("data", body)
        if body.get("data") is None and "message" in body:
            raise error_inside(body)
    return body


def _is_one_of(value: Any, accepted: tuple[Any, ...]) -> bool:
    return any(type(value) is type(ok) and value == ok for ok in accepted)


class _ErrorRule(NamedTuple):
    statuses: tuple[int, ...]  # empty: any status
    codes: tuple[str, ...]  # any of the body's codes (error.code, error.type, flat code)
    markers: tuple[str, ...]  # or any of these in the server's message, case-insensitive
    error: type[errors.ReshiError]


# First match wins; no match falls back to the HTTP status (lib.errors.class_for_status).
_ERROR_RULES: tuple[_ErrorRule, ...] = (
    # new-api and one-api: 403 `insufficient_user_quota`, "用户额度不足" (the account is empty).
    _ErrorRule((), ("insufficient_user_quota",), ("用户额度不足",), errors.CreditsError),
    # OpenAI: 429 `insufficient_quota`, "You exceeded your current quota": waiting never helps.
    _ErrorRule((429,), ("insufficient_quota",), (), errors.CreditsError),
    # new-api and one-api token checks (ValidateUserToken) answer 401 with these words, and new-api's
    # pre-charge 403 `pre_consume_token_quota_failed`: the key itself, not the account. Only on
    # 401/403: a 5xx may relay an upstream's own "token expired", which is no fault of this key.
    _ErrorRule((401, 403), (), ("令牌已过期", "token has expired", "token expired"), errors.TokenExpiredError),
    _ErrorRule(
        (401, 403),
        ("pre_consume_token_quota_failed",),
        ("令牌额度已用尽", "token quota exhausted"),
        errors.TokenExhaustedError,
    ),
    # OpenAI images: 400 `content_policy_violation` when the safety system refuses the prompt.
    _ErrorRule((), ("content_policy_violation",), (), errors.ContentFilteredError),
    # A 200 with an error inside: new-api/one-api billing routes report their own failures so.
    _ErrorRule((200,), ("upstream_error", "new_api_error", "one_api_error"), (), errors.ServerError),
)
_CODE_PATHS: tuple[Path, ...] = (("error", "code"), ("error", "type"), ("code",))


def error_kind_for(status: int, body: bytes | str) -> tuple[type[errors.ReshiError], str]:
    """The typed error an answer means, from its status, its code and its message."""
    message = errors.server_message_from(body)
    codes = _codes_of(body)
    lowered = message.lower()
    for rule in _ERROR_RULES:
        if rule.statuses and status not in rule.statuses:
            continue
        if codes.intersection(rule.codes) or any(marker.lower() in lowered for marker in rule.markers):
            return rule.error, message
    return errors.class_for_status(status), message


def error_for(
    status: int,
    body: bytes | str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    scrub: Callable[[str], str] = str,
) -> errors.ReshiError:
    """The error instance for an answer; `scrub` cleans the server's words (the client masks keys)."""
    cls, message = error_kind_for(status, body)
    extra = {"retry_after": retry_after} if issubclass(cls, errors.RateLimitError) else {}
    return cls(scrub(message), status=status, request_id=request_id, **extra)


def error_inside(body: dict[str, Any]) -> errors.ReshiError:
    """The error a 200 answer carries in its body (a failure envelope, a billing `error`)."""
    return error_for(200, json.dumps(body, ensure_ascii=False))


def _codes_of(body: bytes | str) -> set[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    found = (dig(data, path) for path in _CODE_PATHS)
    return {str(code).lower() for code in found if isinstance(code, (str, int)) and not isinstance(code, bool)}
