"""Usage: where the credits went, in cards, charts and a table; the budget; admins' prices."""

import streamlit as st

from lib.credits import usage
from lib.ui.auth import leave_if_signed_out
from lib.ui.credits import usage_charts as charts
from lib.ui.credits.budget import render_budget_settings
from lib.ui.credits.quotas import render_quota_editor
from lib.ui.credits.usage import (
    breakdown_control,
    filter_controls,
    per_user_table,
    range_controls,
    refresh_balance_button,
    render_calls_table,
    render_cards,
    render_price_editor,
    server_balance,
)
from lib.ui.credits.usage_data import load_cube, load_latency
from lib.ui.resources import get_store
from lib.ui.session import is_admin, tr
from lib.ui.store_status import adopt_local_panel, store_errors_as_messages

store = get_store()
balance = server_balance()
title_col, refresh_col = st.columns([5, 1], vertical_alignment="bottom")
title_col.title(tr("usage.title"))
with refresh_col:
    refresh_balance_button()
st.caption(tr("usage.intro") + (" " + tr("usage.intro_admin") if is_admin() else ""))


# A range or filter click reruns only `report`: not the app's sidebar, the balance or the
# budget and price editors below (bench/concurrent_sessions prints a Usage rerun's CPU).
@st.fragment
@store_errors_as_messages()
def report(balance) -> None:
    leave_if_signed_out()
    controls_col, filters_col = st.columns([5, 1], vertical_alignment="bottom")
    with controls_col:
        scope = range_controls()
    cube = load_cube(store, scope)
    with filters_col:
        filters = filter_controls(cube)
    selected = usage.apply_filters(cube, filters)
    render_cards(usage.summarize(selected), balance)
    if usage.work(selected).empty:
        st.info(tr("usage.empty"), icon=":material/query_stats:")
    else:
        chart_grid(scope, filters, selected)
    render_calls_table(store, scope, filters, total=int(selected["rows"].sum()))


def chart_grid(scope: usage.Scope, filters: usage.Filters, selected) -> None:
    by = breakdown_control()
    left, right = st.columns([3, 2])
    with left:
        charts.credits_over_time(usage.credits_over_time(selected, by), scope, by)
    with right:
        charts.credits_by(usage.credits_by(selected, by), by)
    left, right = st.columns(2)
    with left:
        charts.calls_by_model(usage.calls_by_model(selected))
    with right:
        latency = load_latency(store, scope, filters)
        if latency.empty:
            st.caption(tr("usage.no_latency"))
        else:
            charts.latency(latency)
    tokens = usage.tokens_over_time(selected)
    if tokens.empty:
        st.caption(tr("usage.no_tokens"))
    else:
        charts.tokens_over_time(tokens, scope)
    if scope.user is None:
        st.subheader(tr("usage.by_user"))
        per_user = usage.by_user(selected)
        left, right = st.columns([1, 2])  # the table has the quota columns too
        with left:
            charts.credits_by_user(per_user)
        with right:
            per_user_table(store, per_user)
    st.caption(":material/info: " + tr("usage.noise_note"))


report(balance)
with st.expander(tr("budget.title"), icon=":material/savings:"):
    render_budget_settings()
if is_admin():
    with st.expander(tr("usage.prices.title"), icon=":material/sell:"):
        render_price_editor(store)
    adopt_local_panel(store)
    with st.expander(tr("quota.title"), icon=":material/data_usage:"):
        render_quota_editor(store)
