"""The Usage page's data, cached: the cube and the latency histogram are sums, so a cached one
is brought up to date by adding the aggregate of only the rows newer than it (an id range: cheap
however long the ledger). Once in a while it is rebuilt whole, in case a row committed late with
an older id. The calls table's rows are cached until the ledger moves."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.credits import usage
from lib.store import Store
from lib.ui.resources import get_store

FULL_REBUILD_SECONDS = 300
MAX_CACHED = 64


@dataclass
class _Cached:
    version: int
    built: float
    frame: pd.DataFrame


@st.cache_resource(show_spinner=False)
def _aggregate_cache() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def _up_to_date(
    key: tuple, version: int, compute: Callable[[int | None, int], pd.DataFrame], keys: list[str]
) -> pd.DataFrame:
    """The aggregate for `key` as of ledger row `version`, from the cache where possible."""
    cache, lock = _aggregate_cache()
    with lock:
        entry = cache.get(key)
    now = time.monotonic()
    if entry is not None and entry.version == version:
        return entry.frame
    if entry is not None and entry.version < version and now - entry.built < FULL_REBUILD_SECONDS:
        entry = _Cached(version, entry.built, usage.add_up([entry.frame, compute(entry.version, version)], keys))
    else:
        entry = _Cached(version, now, compute(None, version))
    with lock:
        cache[key] = entry
        cache.move_to_end(key)
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
    return entry.frame


def load_cube(store: Store, scope: usage.Scope) -> pd.DataFrame:
    return _up_to_date(
        ("cube", store.url, scope),
        usage.ledger_version(store),
        lambda after, upto: usage.cube(store, scope, after, upto),
        usage.CUBE_KEYS,
    )


def load_latency(store: Store, scope: usage.Scope, filters: usage.Filters) -> pd.DataFrame:
    histogram = _up_to_date(
        ("latency", store.url, scope, filters),
        usage.ledger_version(store),
        lambda after, upto: usage.latency_histogram(store, scope, filters, after, upto),
        usage.HISTOGRAM_KEYS,
    )
    return usage.percentiles(histogram)


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED)
def _cached_calls(url: str, scope: usage.Scope, filters: usage.Filters, version: int) -> pd.DataFrame:
    return usage.calls(get_store(), scope, filters)


def load_calls(store: Store, scope: usage.Scope, filters: usage.Filters) -> pd.DataFrame:
    return _cached_calls(store.url, scope, filters, usage.ledger_version(store))
