"""The Usage page's building blocks: range and filter controls, cards, the calls table with its
CSV export, and the admins' pricing editor. Aggregation lives in lib/credits/usage.py, the cached data
in lib/ui/credits/usage_data.py."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

import pandas as pd
import streamlit as st

from lib import formats
from lib.client import Balance
from lib.credits import quotas, usage
from lib.credits.pricing import Price
from lib.i18n import key_family
from lib.sandbox.state import DEFAULT_CREDITS as SANDBOX_CREDITS
from lib.store import NO_CONNECTION, Store
from lib.ui import state
from lib.ui.connection import current_connection, get_client, key_is_shared, on_embedded_sandbox, reset_client
from lib.ui.credits.usage_charts import BREAKDOWN_KEY, connection_label, endpoint_label, labelled, source_label
from lib.ui.credits.usage_data import load_calls
from lib.ui.session import current_lang, current_user, is_admin, labels, tr
from lib.ui.state.usage import FILTER, ServerBalance

BALANCE_TTL_SECONDS = 60


# --- controls --------------------------------------------------------------------------------

GRANULARITIES = (usage.HOUR, usage.DAY)
OUTCOME_KEY = key_family("usage.outcome", usage.OUTCOMES)
FILTERS = ("users", "models", "endpoints", "outcomes", "sources", "connections")
FILTER_KEY = key_family("usage.filter", FILTERS)
COLUMN_KEY = key_family("usage.col", usage.CSV_COLUMNS)


def range_controls() -> usage.Scope:
    """Preset or custom range and granularity, in the browser's zone; whose rows by role."""
    tz = st.context.timezone or "UTC"
    col_range, col_granularity = st.columns([3, 1.2], vertical_alignment="bottom")
    preset = col_range.segmented_control(
        tr("usage.range"),
        usage.PRESETS,
        default=usage.DAYS_30,
        required=True,
        key="usage_preset",
        format_func=labels(key_family("usage.preset", usage.PRESETS)),
    )
    custom = None
    if preset == usage.CUSTOM:
        today = datetime.now(usage.zone(tz)).date()
        picked = col_range.date_input(tr("usage.custom_range"), value=(today, today), key="usage_custom", width=300)
        custom = (picked[0], picked[-1]) if picked else (today, today)  # mid-pick, only the first date
    granularity = col_granularity.segmented_control(
        tr("usage.granularity"),
        GRANULARITIES,
        default=usage.DAY,
        required=True,
        key="usage_granularity",
        format_func=labels(key_family("usage.granularity", GRANULARITIES)),
    )
    start, end = usage.preset_range(preset, tz, custom=custom)
    effective = usage.effective_granularity(granularity, start, end)
    notes = [tr("usage.zone", zone=tz)]
    if effective != granularity:
        notes.append(tr("usage.hourly_fallback", days=usage.MAX_HOURLY_DAYS))
    st.caption(" ".join(notes))
    return usage.Scope(user=None if is_admin() else current_user(), start=start, end=end, tz=tz, granularity=effective)


def filter_controls(cube: pd.DataFrame) -> usage.Filters:
    """Multiselects in a popover; choices come from the range's own rows."""
    chosen = _chosen(FILTERS)
    active = sum(bool(v) for v in chosen.values())
    label = tr("usage.filters_on", count=active) if active else tr("usage.filters")
    with st.popover(label, icon=":material/filter_list:", width="stretch"):
        if is_admin():
            _multiselect("users", sorted(set(usage.options(cube, "user")) | set(chosen["users"])))
        _multiselect("models", sorted(set(usage.options(cube, "model")) | set(chosen["models"])))
        _multiselect(
            "sources", list(dict.fromkeys([*usage.options(cube, usage.SOURCE), *chosen["sources"]])), source_label
        )
        _multiselect(
            "connections",
            sorted(set(usage.options(cube, usage.CONNECTION)) | set(chosen["connections"])),
            connection_label,
        )
        _multiselect("endpoints", list(usage.ENDPOINTS), endpoint_label)
        _multiselect("outcomes", list(usage.OUTCOMES), lambda o: tr(OUTCOME_KEY(o)))
    return usage.Filters(**_chosen(chosen))


def _chosen(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    return {name: tuple(FILTER(name).value() or ()) for name in names}


def breakdown_control() -> str:
    """What the credit charts are broken down by: model, endpoint, source or connection."""
    return st.segmented_control(
        tr("usage.breakdown"),
        usage.BREAKDOWNS,
        default=usage.MODEL,
        required=True,
        key="usage_breakdown",
        format_func=labels(BREAKDOWN_KEY),
    )


def _multiselect(name: str, choices: list[str], label=str) -> None:
    st.multiselect(
        tr(FILTER_KEY(name)), choices, format_func=label, key=FILTER(name).key, placeholder=tr("usage.filter.any")
    )


# --- cards -----------------------------------------------------------------------------------

# Below Streamlit's 640 px breakpoint its columns stack: five cards one per row filled a phone's
# first two screens. There they go two to a row (the fifth, the balance, across).
_CARDS_STYLE = """<style>
@media (max-width: 640px) {
  .st-key-usage_cards [data-testid="stHorizontalBlock"] { flex-flow: row wrap; gap: 0.5rem !important; }
  .st-key-usage_cards [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important; }
}
</style>"""


def render_cards(summary: usage.Summary, balance: Balance | None) -> None:
    st.html(_CARDS_STYLE)
    with st.container(key="usage_cards"):
        _cards(summary, balance)
    ledger_note, server_note = st.columns([4, 1])
    ledger_note.caption(":material/calculate: " + tr("usage.source.ledger"))
    server_note.caption(":material/dns: " + tr("usage.source.server"))
    for icon, note in _balance_notes():
        st.caption(f"{icon} {note}")


def _cards(summary: usage.Summary, balance: Balance | None) -> None:
    cols, lang = st.columns(5), current_lang()
    cols[0].metric(
        tr("usage.card.credits"),
        formats.number(summary.credits, lang),
        border=True,
        help=tr("usage.card.refunds", credits=summary.refunded) if summary.refunded else None,
    )
    cols[1].metric(tr("usage.card.requests"), formats.number(summary.requests, lang), border=True)
    rate = summary.error_rate
    cols[2].metric(
        tr("usage.card.error_rate"),
        "—" if rate is None else formats.percent(rate, lang),
        border=True,
        help=tr("usage.card.errors", count=summary.errors),
    )
    cols[3].metric(tr("usage.card.tokens"), formats.number(summary.tokens, lang), border=True)
    _balance_card(cols[4], balance)


def _balance_notes() -> list[tuple[str, str]]:
    """Why the balance may not match this user's spending: a key others spend too, and a sandbox
    that forgets its credits on restart while the ledger keeps every call."""
    conn, notes = current_connection(), []
    if key_is_shared(conn):
        notes.append((":material/group:", tr("usage.balance_shared")))
    if on_embedded_sandbox(conn):
        notes.append((":material/restart_alt:", tr("usage.balance_embedded", credits=SANDBOX_CREDITS)))
    return notes


def server_balance() -> Balance | None:
    """The server's balance, asked at most once a minute per session: each ask is two calls.

    Ask before loading the ledger: the two calls land in it, and the table should show them.
    """
    client, asked = get_client(), state.of(ServerBalance)
    fresh = (
        asked.asked_at is not None
        and asked.key_fingerprint == client.key_fingerprint
        and time.monotonic() - asked.asked_at < BALANCE_TTL_SECONDS
    )
    if not fresh:
        asked.key_fingerprint, asked.asked_at = client.key_fingerprint, time.monotonic()
        asked.balance = client.billing.balance()
    return asked.balance


def _balance_card(column, balance: Balance | None) -> None:
    if balance is None:
        column.metric(tr("usage.card.balance"), tr("usage.card.balance_unavailable"), border=True)
        return
    if balance.unlimited:
        column.metric(tr("usage.card.balance"), tr("billing.unlimited"), border=True)
        return
    column.metric(
        tr("usage.card.balance"),
        formats.number(balance.remaining, current_lang()),
        border=True,
        help=tr("usage.card.balance_detail", used=balance.used, total=balance.total),
    )


def refresh_balance_button() -> None:
    if st.button(tr("usage.refresh_balance"), icon=":material/refresh:", key="usage_refresh_balance", type="tertiary"):
        state.reset(ServerBalance)


# --- per user (admins) -----------------------------------------------------------------------


def per_user_table(store: Store, per_user: pd.DataFrame) -> None:
    """Each user's spending in the range, and, where the admin set a quota, how much of today's
    and this month's quota on the preset connection they have used."""
    shares = quotas.shares_used(store, per_user["user"].tolist())
    table = per_user.assign(
        quota_day=per_user["user"].map(lambda u: shares.get(u, (None, None))[0]),
        quota_month=per_user["user"].map(lambda u: shares.get(u, (None, None))[1]),
    )
    config = {
        name: st.column_config.Column(tr(key))
        for name, key in (
            ("user", "usage.col.user"),
            ("credits", "usage.col.credits"),
            ("requests", "usage.card.requests"),
            ("errors", "usage.outcome.error"),
            ("tokens", "usage.card.tokens"),
        )
    }
    if shares:
        config |= {
            name: st.column_config.ProgressColumn(
                tr(key), min_value=0.0, max_value=1.0, format="percent", help=tr("usage.quota_help")
            )
            for name, key in (("quota_day", "usage.quota_day"), ("quota_month", "usage.quota_month"))
        }
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=config,
        column_order=[*config] if shares else [*per_user.columns],
    )


# --- the calls table -------------------------------------------------------------------------

# The calls table's columns at first: what fits beside the sidebar at 1400 px. The others are a
# click away (the "Columns" picker), and the CSV has them all.
TABLE_COLUMNS = ("time", "user", "source", "model", "outcome", "credits", "latency_ms", "connection")


def render_calls_table(store: Store, scope: usage.Scope, filters: usage.Filters, total: int) -> None:
    title_col, columns_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(tr("usage.table.title"))
    # The first columns first, then the others in the CSV's order.
    available = [c for c in (*TABLE_COLUMNS, *usage.CSV_COLUMNS) if c != "user" or scope.user is None]
    available = list(dict.fromkeys(available))
    with columns_col.popover(tr("usage.table.columns"), icon=":material/view_column:", width="stretch"):
        picked = st.pills(
            tr("usage.table.columns"),
            available,
            selection_mode="multi",
            key="usage_columns",
            default=[c for c in TABLE_COLUMNS if c in available],
            label_visibility="collapsed",
            format_func=lambda name: tr(COLUMN_KEY(name)),
        )
    columns = [c for c in available if c in picked] or available[:1]
    rows = load_calls(store, scope, filters)
    shown = len(rows)
    count = (
        tr("usage.table.newest", shown=shown, total=total) if total > shown else tr("usage.table.count", total=total)
    )
    st.caption(count + " · " + tr("usage.table.columns_hint", shown=len(columns), total=len(available)))
    display = rows.assign(
        endpoint=labelled(rows["endpoint"], endpoint_label),
        outcome=labelled(rows["outcome"], lambda o: tr(OUTCOME_KEY(o))),
        time=rows["time"].dt.tz_localize(None),
        # Text columns read better blank than as Streamlit's grey "None"; the
        # number columns keep their nulls so they still sort as numbers.
        model=rows["model"].fillna(usage.NO_MODEL),
        error_kind=rows["error_kind"].fillna(""),
        request_id=rows["request_id"].fillna(""),
        source=labelled(rows["source"], source_label),
        connection=labelled(rows["connection"].fillna(NO_CONNECTION), connection_label),
    )
    st.dataframe(
        display,
        hide_index=True,
        column_order=columns,
        key="usage_table",
        height=360,
        column_config=_column_config(columns, display["model"]),
        placeholder="—",
    )
    stamp = pd.Timestamp.now(tz=scope.tz).strftime("%Y%m%d-%H%M")
    st.download_button(
        tr("usage.export"),
        data=lambda: usage.calls_csv(store, scope, filters),
        file_name=f"usage-{stamp}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="usage_export",
        help=tr("usage.export_help"),
        disabled=total == 0,
    )


def _column_config(columns: list[str], models: pd.Series) -> dict:
    config = {name: st.column_config.Column(tr(COLUMN_KEY(name))) for name in columns}
    # Wide enough for the longest model name shown: sized from the first rows, "claude-…" was cut.
    longest = int(models.str.len().max()) if len(models) else 0
    config["model"] = st.column_config.TextColumn(tr("usage.col.model"), width=min(420, max(120, 8 * longest + 32)))
    config["time"] = st.column_config.DatetimeColumn(tr("usage.col.time"), format="YYYY-MM-DD HH:mm:ss")
    config["latency_ms"] = st.column_config.NumberColumn(tr("usage.col.latency_ms"), format="%.0f")
    config["credits"] = st.column_config.NumberColumn(tr("usage.col.credits"), format="%g")
    return config


# --- pricing (admins) ------------------------------------------------------------------------


def render_price_editor(store: Store) -> None:
    """Admins edit credits per call / per 1K tokens; new rows may add a model's own price."""
    current = store.get_prices()
    table = pd.DataFrame(
        [
            {"endpoint": e, "model": m, "per_call": p.per_call, "per_1k_tokens": p.per_1k_tokens}
            for (e, m), p in sorted(current.items())
        ]
    )
    st.caption(tr("usage.prices.help"))
    edited = st.data_editor(
        table,
        hide_index=True,
        num_rows="add",
        key="usage_prices",
        column_config={
            "endpoint": st.column_config.SelectboxColumn(
                tr("usage.prices.endpoint"), options=list(usage.ENDPOINTS), required=True
            ),
            "model": st.column_config.TextColumn(tr("usage.prices.model"), required=True),
            "per_call": st.column_config.NumberColumn(tr("usage.prices.per_call"), min_value=0.0, required=True),
            "per_1k_tokens": st.column_config.NumberColumn(tr("usage.prices.per_1k"), min_value=0.0, default=0.0),
        },
    )
    if st.button(tr("usage.prices.save"), icon=":material/save:", key="usage_prices_save"):
        _save_prices(store, current, edited)


def _save_prices(store: Store, current: dict[tuple[str, str], Price], edited: pd.DataFrame) -> None:
    rows = edited.fillna({"per_1k_tokens": 0.0}).to_dict("records")
    if any(
        not r["endpoint"]
        or not str(r["model"] or "").strip()
        or pd.isna(r["per_call"])
        or r["per_call"] < 0
        or r["per_1k_tokens"] < 0
        for r in rows
    ):
        st.error(tr("usage.prices.invalid"), icon=":material/error:")
        return
    for r in rows:
        key, price = (r["endpoint"], str(r["model"]).strip()), Price(float(r["per_call"]), float(r["per_1k_tokens"]))
        if current.get(key) != price:
            store.admin_set_price(*key, price.per_call, price.per_1k_tokens)
    # This session's client priced calls with the old table: drop it so the next call uses the new one.
    reset_client()
    st.success(tr("usage.prices.saved"), icon=":material/check_circle:")
