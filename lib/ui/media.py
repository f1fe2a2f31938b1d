"""Media (images, videos) fetched by the app server and handed to the browser as bytes.

The browser never reaches the API host itself: in sandbox mode that host is the server's own
loopback, which a remote browser cannot reach. Downloads are cached and size-bounded.
"""
from __future__ import annotations

import streamlit as st

from lib import errors
from lib.client import ReshiClient

MAX_MEDIA_BYTES = 100 * 1024 * 1024
_CACHE_ENTRIES = 64


@st.cache_data(max_entries=_CACHE_ENTRIES, ttl=3600, show_spinner=False)
def _download(url: str, _client: ReshiClient) -> bytes:
    return _client.fetch_bytes(url, max_bytes=MAX_MEDIA_BYTES)


def fetch_media(client: ReshiClient, url: str) -> bytes | None:
    """The bytes at `url`, or None when it no longer answers (expired, deleted, unreachable)."""
    try:
        return _download(url, client)
    except errors.ReshiError:
        return None
