"""Media (images, videos) fetched by the app server and handed to the browser as bytes.

The browser never reaches the API host itself: in sandbox mode that host is the server's own
loopback, which a remote browser cannot reach. Downloads are cached and size-bounded. A kept
video is read from the store once per process and shared by every session showing it (its
media row never changes), not kept in any session's state.
"""

from __future__ import annotations

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.netguard import NetPolicy
from lib.store import Store, VideoTaskRecord

MAX_MEDIA_BYTES = 100 * 1024 * 1024
_CACHE_ENTRIES = 64
KEPT_VIDEOS_IN_MEMORY = 8  # per process, shared by its sessions (README, "Kept videos")


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


@st.cache_resource(max_entries=KEPT_VIDEOS_IN_MEMORY, ttl=3600, show_spinner=False)
def _kept_video(store_url: str, user: str, task_id: str, media_id: int, _store: Store) -> bytes | None:
    # Keyed by the media row too, which is written once: the bytes for one key never change.
    return _store.task_video_bytes(user, task_id)


def kept_video(store: Store, user: str, task: VideoTaskRecord) -> bytes | None:
    """The task's video from our own store, or None when no copy is kept."""
    if task.video_media_id is None:
        return None
    return _kept_video(store.url, user, task.task_id, task.video_media_id, store)
