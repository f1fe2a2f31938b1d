"""Which entries of a `/models` list are chat models, by what relays put in them."""

from __future__ import annotations

from typing import Any

# new-api lists, per model, the endpoints it serves (`supported_endpoint_types`). These serve chat.
CHAT_ENDPOINT_TYPES = frozenset({"openai", "openai-response", "anthropic", "gemini"})
# Owners whose models make only images, video or music, as relays label them in `owned_by`.
MEDIA_OWNERS = frozenset({"midjourney", "mj", "suno", "kling", "jimeng", "vidu", "runway", "luma"})
# With neither field, the model's name says what it is.
NON_CHAT_NAME_MARKERS = ("sora", "dall-e", "imagen", "whisper", "tts", "embedding", "image", "veo")


def is_chat_model(model: dict[str, Any]) -> bool:
    """Whether a `/models` entry belongs in the chat picker: its endpoints, else its owner, else its name.

    A model that lists its endpoints is chat when any of them is a chat endpoint, whatever its
    name: the list keeps out models whose names carry no marker (new-api lists
    `nano-banana-pro-preview` under image-generation, rerankers under jina-rerank).
    """
    endpoints = model.get("supported_endpoint_types")
    if isinstance(endpoints, list) and endpoints:
        return any(str(kind).lower() in CHAT_ENDPOINT_TYPES for kind in endpoints)
    if str(model.get("owned_by") or "").lower() in MEDIA_OWNERS:
        return False
    name = str(model.get("id") or "").lower()
    return not any(marker in name for marker in NON_CHAT_NAME_MARKERS)
