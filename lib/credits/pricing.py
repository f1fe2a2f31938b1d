"""The one pricing table: what each call costs in credits (积分).

The sandbox charges from this table and the app estimates from it, so the two always agree.
The provider documents only the video prices; the others are stated defaults that an admin may
override (the Usage page stores overrides; changed prices apply to new ledger rows only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Endpoint names used by the client, the ledger, the sandbox and the Usage page.
CHAT, IMAGES, VIDEO, UPLOAD, MODELS, BILLING = "chat", "images", "video", "upload", "models", "billing"
VIDEO_STATUS = "video_status"  # polling a video task: free, and kept apart from the paid creates
JUDGE = "judge"  # a Workbench judge's chat call: priced as chat, kept apart in the ledger
# The ledger's `source`: what in the app made a call. By default it follows the endpoint
# (looking up the balance or the model list is "balance", the account's own calls; polling a
# video is "video"); a chat call says whether the Chat page (one reply or a comparison) or a
# Workbench run made it (`client.chat.stream(..., origin=...)`).
COMPARE, WORKBENCH, BALANCE = "compare", "workbench", "balance"
SOURCES = (CHAT, COMPARE, WORKBENCH, JUDGE, IMAGES, VIDEO, UPLOAD, BALANCE)
SOURCE_OF_ENDPOINT = {BILLING: BALANCE, MODELS: BALANCE, VIDEO_STATUS: VIDEO}


def source_of(endpoint: str) -> str:
    return SOURCE_OF_ENDPOINT.get(endpoint, endpoint)


ANY_MODEL = "*"


@dataclass(frozen=True)
class Price:
    per_call: float = 0.0
    per_1k_tokens: float = 0.0

    def cost(self, tokens: int = 0) -> float:
        return self.per_call + self.per_1k_tokens * tokens / 1000


DEFAULT_PRICES: dict[tuple[str, str], Price] = {
    (CHAT, ANY_MODEL): Price(per_call=1),
    (IMAGES, ANY_MODEL): Price(per_call=10),
    (VIDEO, "sora-2"): Price(per_call=15),
    (VIDEO, "sora-2-pro"): Price(per_call=150),
    (VIDEO, ANY_MODEL): Price(per_call=15),
    (UPLOAD, ANY_MODEL): Price(),
    (MODELS, ANY_MODEL): Price(),
    (BILLING, ANY_MODEL): Price(),
    (VIDEO_STATUS, ANY_MODEL): Price(),
}


# Endpoints the ledger keeps apart that are priced as another: a judge's call is a chat call.
PRICED_AS = {JUDGE: CHAT}


def price_of(endpoint: str, model: str | None = None, prices: dict[tuple[str, str], Price] = DEFAULT_PRICES) -> Price:
    """The price of one call: the model's own row, else the endpoint's default, else free."""
    endpoint = PRICED_AS.get(endpoint, endpoint)
    return prices.get((endpoint, model or ANY_MODEL)) or prices.get((endpoint, ANY_MODEL)) or Price()


def credits_for(
    endpoint: str, model: str | None = None, tokens: int = 0, prices: dict[tuple[str, str], Price] = DEFAULT_PRICES
) -> float:
    return price_of(endpoint, model, prices).cost(tokens)


# The most tokens a chat request is held for before it is sent (lib/credits/quotas.py), where its price
# has a per-1K-token part: its reply's `max_tokens` (else this), and its prompt at most one token
# per UTF-8 byte of its text (a tokenizer's tokens are whole bytes or more), each image, audio
# or file part of a message at most MEDIA_PART_TOKENS.
REPLY_TOKENS_CEILING = 8192
MEDIA_PART_TOKENS = 2500
MEDIA_PARTS = ("image_url", "input_image", "input_audio", "file", "video_url")


def tokens_ceiling(body: dict[str, Any] | None) -> int:
    """The most tokens, prompt and reply together, a chat request with this body may be billed
    for; 0 for a body that is not a chat request."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return 0
    media = 0

    def text_only(value: Any) -> Any:
        nonlocal media
        if isinstance(value, dict) and value.get("type") in MEDIA_PARTS:
            media += 1
            return None
        if isinstance(value, dict):
            return {key: text_only(item) for key, item in value.items()}
        if isinstance(value, list):
            return [text_only(item) for item in value]
        return value

    prompt = len(json.dumps(text_only(body), ensure_ascii=False).encode())
    reply = next(
        (body[key] for key in ("max_completion_tokens", "max_tokens") if type(body.get(key)) is int and body[key] > 0),
        REPLY_TOKENS_CEILING,
    )
    n = body.get("n")
    choices = n if type(n) is int and n > 1 else 1
    return prompt + media * MEDIA_PART_TOKENS + reply * choices
