"""Media (images, videos) fetched by the app server and handed to the browser as bytes.

The browser never reaches the API host itself: in sandbox mode that host is the server's own
loopback, which a remote browser cannot reach. Downloads are cached and size-bounded.
"""
from __future__ import annotations

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.netguard import NetPolicy

MAX_MEDIA_BYTES = 100 * 1024 * 1024
_CACHE_ENTRIES = 64


@st.cache_data(max_entries=_CACHE_ENTRIES, ttl=3600, show_spinner=False)
def _download(url: str, expect: str, policy: NetPolicy | None, _client: ReshiClient) -> bytes:
    # The policy is part of the cache key: bytes one connection was allowed to fetch must not
    # reach a session whose rules would refuse that URL.
    return _client.fetch_bytes(url, expect, max_bytes=MAX_MEDIA_BYTES)


def fetch_media(client: ReshiClient, url: str, expect: str) -> bytes | None:
    """The bytes at `url` if they are the `expect`ed "image" or "video", or None when it no longer
    answers (expired, deleted, unreachable) or its answer is refused."""
    try:
        return _download(url, expect, client.policy, client)
    except errors.ReshiError:
        return None


@st.cache_data(max_entries=_CACHE_ENTRIES, ttl=3600, show_spinner=False)
def _task_content(base_url: str, key_fingerprint: str, task_id: str, _client: ReshiClient) -> bytes:
    # Keyed by connection: only the key that made a task may read its video.
    return _client.videos.content(task_id, max_bytes=MAX_MEDIA_BYTES)


def fetch_task_video(client: ReshiClient, task_id: str) -> bytes:
    """A finished task's video from the API's own content route, for servers that name no URL
    (OpenAI's Sora API, new-api's /v1/videos). Raises the typed error when it is not there."""
    return _task_content(client.base_url, client.key_fingerprint, task_id, client)
