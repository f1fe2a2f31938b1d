"""Process-wide resources, made once per server process with `st.cache_resource`."""
from __future__ import annotations

import logging

import streamlit as st

from lib.sandbox import RunningSandbox, start_sandbox
from lib.store import Store, default_url
from lib.ui.config import secret


@st.cache_resource(show_spinner=False)
def embedded_sandbox() -> RunningSandbox:
    """The offline demo API: one per process, on a free loopback port."""
    return start_sandbox()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def get_store() -> Store:
    return _store(secret("store", "url") or default_url())


@st.cache_resource(show_spinner=False)
def log_api_calls() -> None:
    """lib.client logs one INFO line per API call on "reshi.api"; without a handler Python drops
    everything below WARNING. Once per process, so reruns add no second handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("reshi.api")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
