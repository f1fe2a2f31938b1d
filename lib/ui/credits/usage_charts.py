"""The Usage page's Altair charts: each with a title and axes in the user's language.

Inputs are the small frames of `lib.credits.usage`; time buckets are naive local wall times, which the
browser (in the same zone) draws as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lib.credits import usage
from lib.credits.pricing import SOURCES
from lib.credits.quotas import PRESET
from lib.i18n import key_family
from lib.store import NO_CONNECTION
from lib.ui.connection import SANDBOX
from lib.ui.session import tr

HEIGHT = 280
TIME_FORMAT = {usage.HOUR: "%m-%d %H:%M", usage.DAY: "%m-%d"}
# A tick per bucket at most (Vega-Lite's time intervals are named as the granularities are).
TICK_UNIT: dict[str, Literal["hour", "day"]] = {usage.HOUR: "hour", usage.DAY: "day"}
# Vega's "tableau10": told apart by most eyes. Which series gets which is `stable_colours`' rule.
# Vega cuts legend and axis labels at 160 px: "claude-sonnet-4-5-20250…". Model names are shown whole.
LABEL_LIMIT = 320
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")

ENDPOINT_KEY = key_family("usage.endpoint", usage.ENDPOINTS)
SOURCE_KEY = key_family("usage.made_by", SOURCES)
BREAKDOWN_KEY = key_family("usage.breakdown", usage.BREAKDOWNS)
CREDITS_BY_KEY = key_family("usage.chart.credits_by", usage.BREAKDOWNS)
TOKENS_KEY = key_family("usage.tokens", ("prompt", "completion"))  # usage.token_frame's kinds
CONNECTION_KEYS = {
    PRESET: "usage.connection.preset",
    SANDBOX: "usage.connection.sandbox",
    NO_CONNECTION: "usage.connection.unknown",
}  # any other is a custom server's host


def endpoint_label(endpoint: str) -> str:
    return tr(ENDPOINT_KEY(endpoint))


def source_label(source: str) -> str:
    return tr(SOURCE_KEY(source)) if source in SOURCES else source


def connection_label(connection: str) -> str:
    key = CONNECTION_KEYS.get(connection)
    return tr(key) if key else connection


def labelled(column: pd.Series, label: Callable[[str], str]) -> pd.Series:
    """`column.map(label)` with each distinct value labelled once: `tr` reads the session state,
    and per row that was a third of a Usage rerun's CPU at 100k ledger rows."""
    codes, values = pd.factorize(column)
    return pd.Series(np.array([label(v) for v in values], dtype=object)[codes], index=column.index, dtype=object)


def series_label(frame: pd.DataFrame, by: str = usage.MODEL) -> pd.Series:
    """A series of breakdown `by` as shown. By model, calls without one say so with their
    endpoint ("Upload (no model)"): an endpoint is not a model."""
    if by == usage.MODEL:
        no_model = labelled(frame["endpoint"], lambda e: tr("usage.no_model", endpoint=endpoint_label(e)))
        return frame["model"].where(frame["model"] != usage.NO_MODEL, no_model)
    return labelled(
        frame[by], {usage.ENDPOINT: endpoint_label, usage.SOURCE: source_label, usage.CONNECTION: connection_label}[by]
    )


def series_key(frame: pd.DataFrame, by: str = usage.MODEL) -> pd.Series:
    """What a series is, in no language: the model, or for calls without one, the endpoint."""
    if by == usage.MODEL:
        return frame["model"].where(frame["model"] != usage.NO_MODEL, frame["endpoint"])
    return frame[by]


def stable_colours(keys: Iterable[str]) -> dict[str, str]:
    """A colour per key that comes from the key itself (a hash into PALETTE), so a model or an
    endpoint keeps its colour in every language, range and session; Vega's default gives colours
    in the order of the translated labels. A key whose colour another key has taken moves on to
    the next free one, keys in sorted order, so one chart never shows two series in one colour
    while colours are left."""
    taken: set[str] = set()
    colours = {}
    for key in sorted(set(keys)):
        start = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
        free = [PALETTE[(start + step) % len(PALETTE)] for step in range(len(PALETTE))]
        colour = next((c for c in free if c not in taken), free[0])
        taken.add(colour)
        colours[key] = colour
    return colours


def _colour(data: pd.DataFrame, title: str | None = None, legend: bool = True) -> alt.Color:
    """Colour by the `label` column, each label in the stable colour of its `key`."""
    pairs = data[["key", "label"]].drop_duplicates("key")
    colours = stable_colours(pairs["key"])
    scale = alt.Scale(domain=list(pairs["label"]), range=[colours[k] for k in pairs["key"]])
    return alt.Color("label:N", title=title, scale=scale, legend=alt.Legend(labelLimit=LABEL_LIMIT) if legend else None)


def _show(chart: alt.Chart, title_key: str) -> None:
    """The chart as its Vega-Lite spec, unvalidated: `st.altair_chart` checks every spec against
    Altair's JSON schema under a lock that all sessions share, a fifth of a Usage rerun's server
    CPU; these charts are fixed shapes over our own columns (bench/concurrent_sessions). The
    "config" dropped is Altair's default theme's, which `st.altair_chart` drops too."""
    spec = chart.properties(title=tr(title_key), height=HEIGHT).to_dict(validate=False)
    spec.pop("config", None)
    st.vega_lite_chart(spec, width="stretch")


def _time_x(scope: usage.Scope, data: pd.DataFrame) -> alt.X:
    """Local time buckets over the chart's span (`usage.chart_bounds`); each bar fills its bucket
    (x to x2), so a day reads as a day, not as a hairline."""
    bounds = usage.chart_bounds(scope, data["bucket"].min(), data["bucket"].max())
    scale = alt.Scale(domain=[b.isoformat() for b in bounds]) if bounds else alt.Undefined
    return alt.X(
        "bucket:T",
        title=tr("usage.axis.time"),
        scale=scale,
        axis=alt.Axis(
            format=TIME_FORMAT[scope.granularity],
            labelAngle=-30,
            tickCount=TICK_UNIT[scope.granularity],
            labelOverlap=True,
        ),
    )


def _time_tooltip(granularity: str) -> alt.Tooltip:
    return alt.Tooltip("bucket:T", title=tr("usage.axis.time"), format=TIME_FORMAT[granularity])


def _stacked_over_time(
    data: pd.DataFrame,
    scope: usage.Scope,
    value: str,
    value_title: str,
    legend_title: str,
    number_format: str,
    title_key: str,
) -> None:
    """Bars per local time bucket, stacked by `label`."""
    data = data.assign(bucket_end=data["bucket"] + pd.Timedelta(seconds=usage.BUCKET_SECONDS[scope.granularity]))
    chart = (
        alt.Chart(data)
        .mark_bar(xOffset=1, x2Offset=-1)
        .encode(
            x=_time_x(scope, data),
            x2="bucket_end:T",
            y=alt.Y(f"sum({value}):Q", title=value_title),
            color=_colour(data, legend_title),
            tooltip=[
                _time_tooltip(scope.granularity),
                alt.Tooltip("label:N", title=legend_title),
                alt.Tooltip(f"sum({value}):Q", title=value_title, format=number_format),
            ],
        )
    )
    _show(chart, title_key)


def credits_over_time(frame: pd.DataFrame, scope: usage.Scope, by: str = usage.MODEL) -> None:
    """One colour per series of `by`; refunds dip below zero."""
    data = frame.assign(key=series_key(frame, by), label=series_label(frame, by))
    _stacked_over_time(
        data, scope, "credits", tr("usage.axis.credits"), tr(BREAKDOWN_KEY(by)), ",.2f", "usage.chart.credits_over_time"
    )


def credits_by(frame: pd.DataFrame, by: str) -> None:
    """Horizontal bars, biggest first: long model names and hosts stay readable on a phone."""
    data = frame.assign(key=series_key(frame, by), label=series_label(frame, by))
    title = tr(BREAKDOWN_KEY(by))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=None, title=title, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            x=alt.X("credits:Q", title=tr("usage.axis.credits")),
            color=_colour(data, legend=False),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("credits:Q", title=tr("usage.axis.credits"), format=",.2f"),
                alt.Tooltip("calls:Q", title=tr("usage.axis.calls"), format=","),
            ],
        )
    )
    _show(chart, CREDITS_BY_KEY(by))


def calls_by_model(frame: pd.DataFrame) -> None:
    """Horizontal bars, most used model on top."""
    chart = (
        alt.Chart(frame.assign(label=series_label(frame)))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort="-x", title=tr("usage.axis.model"), axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            x=alt.X("calls:Q", title=tr("usage.axis.calls"), axis=alt.Axis(tickMinStep=1)),
            tooltip=[
                alt.Tooltip("label:N", title=tr("usage.axis.model")),
                alt.Tooltip("calls:Q", title=tr("usage.axis.calls"), format=","),
            ],
        )
    )
    _show(chart, "usage.chart.calls_by_model")


def latency(frame: pd.DataFrame) -> None:
    """p50 and p95 side by side for each endpoint."""
    data = frame.melt(id_vars="endpoint", var_name="percentile", value_name="ms")
    data["label"] = labelled(data["endpoint"], endpoint_label)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=tr("usage.axis.endpoint"), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("percentile:N"),
            y=alt.Y("ms:Q", title=tr("usage.axis.latency")),
            color=alt.Color("percentile:N", title=tr("usage.axis.percentile")),
            tooltip=[
                alt.Tooltip("label:N", title=tr("usage.axis.endpoint")),
                alt.Tooltip("percentile:N", title=tr("usage.axis.percentile")),
                alt.Tooltip("ms:Q", title=tr("usage.axis.latency"), format=",.0f"),
            ],
        )
    )
    _show(chart, "usage.chart.latency")


def tokens_over_time(frame: pd.DataFrame, scope: usage.Scope) -> None:
    """Prompt and completion tokens stacked."""
    data = frame.assign(key=frame["kind"], label=labelled(frame["kind"], lambda kind: tr(TOKENS_KEY(kind))))
    _stacked_over_time(
        data, scope, "tokens", tr("usage.axis.tokens"), tr("usage.axis.kind"), ",", "usage.chart.tokens_over_time"
    )


def credits_by_user(frame: pd.DataFrame) -> None:
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("user:N", sort="-x", title=tr("usage.axis.user")),
            x=alt.X("credits:Q", title=tr("usage.axis.credits")),
            tooltip=[
                alt.Tooltip("user:N", title=tr("usage.axis.user")),
                alt.Tooltip("credits:Q", title=tr("usage.axis.credits"), format=",.2f"),
                alt.Tooltip("requests:Q", title=tr("usage.card.requests"), format=","),
            ],
        )
    )
    _show(chart, "usage.chart.by_user")
