"""The Workbench's "Which model" tab: each model of a finished run as a point (pass rate against
credits per call, and against median latency), the cheapest model within a chosen distance of the
best marked, and what the user's own chat calls of the last 30 days would have cost on each."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lib.client import ReshiClient
from lib.credits import pricing
from lib.store import Store, utcnow
from lib.ui.credits.usage_charts import stable_colours
from lib.ui.session import tr
from lib.ui.state.workbench import CHOICE_DISTANCE
from lib.workbench import choice, reports

CHART_HEIGHT = 260


def which_model(run: dict, store: Store | None = None, user: str = "", client: ReshiClient | None = None) -> None:
    """The tab's content; with `store`, `user` and `client`, the user's own last 30 days too
    (a share link's viewer has none)."""
    points = choice.model_points(run)
    if points.empty:
        st.info(tr("workbench.choice_empty"), icon=":material/insights:")
        return
    distance = st.slider(
        tr("workbench.choice_distance"),
        0,
        30,
        int(choice.DEFAULT_DISTANCE * 100),
        step=1,
        format="%d",
        key=CHOICE_DISTANCE(run["id"]).key,
        help=tr("workbench.choice_distance_help"),
    )
    pick = choice.cheapest_within(points, distance / 100)
    row = points[points["model"] == pick].iloc[0]
    st.success(
        tr(
            "workbench.choice_pick",
            model=pick,
            distance=distance,
            rate=reports.percent(row["pass_rate"]),
            credits=f"{row['credits_per_call']:g}",
            latency=_seconds(row["median_latency_s"]),
        ),
        icon=":material/star:",
    )
    data = points.assign(
        picked=points["model"] == pick,
        interval=[reports.interval(lo, hi) for lo, hi in zip(points["pass_low"], points["pass_high"])],
    )
    cost_col, speed_col = st.columns(2)
    with cost_col:
        _chart(data, "credits_per_call", tr("workbench.choice_credits_axis"), "workbench.choice_cost_title")
    with speed_col:
        _chart(data, "median_latency_s", tr("workbench.choice_latency_axis"), "workbench.choice_speed_title")
    if store is not None and client is not None:
        _history(store, user, client, list(points["model"]))


def _chart(data: pd.DataFrame, x: str, x_title: str, title_key: str) -> None:
    """Pass rate (with its 95% interval as a bar) against `x`, a colour per model named in the
    legend; the picked model a larger diamond, drawn last so a model on the same spot shows."""
    top = float(data[x].max()) if data[x].notna().any() else 0.0
    x_axis = alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(domain=[0, top * 1.25 or 1], nice=True))
    colours = stable_colours(data["model"])  # each model in its colour of the Usage page
    base = alt.Chart(data).encode(
        x=x_axis,
        color=alt.Color(
            "model:N",
            title=None,
            scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=240),
        ),
    )
    interval = base.mark_rule(strokeWidth=3, opacity=0.4).encode(
        y=alt.Y("pass_low:Q", scale=alt.Scale(domain=[0, 1])), y2="pass_high:Q"
    )
    dots = base.mark_point(filled=True, opacity=1, stroke="#262730", strokeWidth=0).encode(
        y=alt.Y(
            "pass_rate:Q", title=tr("workbench.pass_rate"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
        ),
        shape=alt.condition("datum.picked", alt.value("diamond"), alt.value("circle")),
        size=alt.condition("datum.picked", alt.value(320), alt.value(120)),
        strokeWidth=alt.condition("datum.picked", alt.value(1.5), alt.value(0)),
        order=alt.Order("picked:N"),
        tooltip=[
            alt.Tooltip("model:N", title=tr("workbench.model")),
            alt.Tooltip("pass_rate:Q", title=tr("workbench.pass_rate"), format=".0%"),
            alt.Tooltip("interval:N", title=tr("workbench.interval")),
            alt.Tooltip("credits_per_call:Q", title=tr("workbench.choice_credits_axis"), format=".3g"),
            alt.Tooltip("median_latency_s:Q", title=tr("workbench.choice_latency_axis"), format=".2f"),
        ],
    )
    spec = (interval + dots).properties(title=tr(title_key)).to_dict(validate=False)
    spec.pop("config", None)  # Altair's default theme's, which st.altair_chart drops too
    st.vega_lite_chart(spec, width="stretch", height=CHART_HEIGHT)


def _history(store: Store, user: str, client: ReshiClient, models: list[str]) -> None:
    now = utcnow()
    calls = store.usage_ledger(user).calls(now - pd.Timedelta(days=choice.HISTORY_DAYS), now)
    costs = choice.history_cost(
        calls, models, lambda model, tokens: client.credits_for(pricing.CHAT, model, tokens), now
    )
    st.markdown(f"**{tr('workbench.choice_history_title', days=choice.HISTORY_DAYS)}**")
    if not costs["calls"].iloc[0]:
        st.caption(tr("workbench.choice_history_none", days=choice.HISTORY_DAYS))
        return
    st.caption(
        tr("workbench.choice_history_intro", calls=int(costs["calls"].iloc[0]), credits=f"{costs['actual'].iloc[0]:g}")
    )
    st.dataframe(
        costs.assign(change=costs["would_cost"] - costs["actual"])[["model", "would_cost", "change"]],
        hide_index=True,
        width="stretch",
        column_config={
            "model": tr("workbench.model"),
            "would_cost": st.column_config.NumberColumn(tr("workbench.choice_would_cost"), format="%g"),
            "change": st.column_config.NumberColumn(tr("workbench.choice_change"), format="%+g"),
        },
    )


def _seconds(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.2f}"
