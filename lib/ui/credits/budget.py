"""The credit budget in the UI: the banner on every page, the check before a paid call, and
the limits form on the Usage page. Rules and sums live in lib/credits/budget.py."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib.credits import budget
from lib.i18n import key_family
from lib.ui import state
from lib.ui.feedback import toast_after_rerun
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.state.budget import BudgetState

# A banner is shown for a period that is near (WARN) or past (EXCEEDED) its limit, never when OK.
BANNER_KEY = key_family(
    "budget", [f"{state}.{period}" for state in (budget.WARN, budget.EXCEEDED) for period in budget.PERIODS]
)
CONFIRM_KEY = key_family("budget.confirm", budget.PERIODS)
PERIOD_KEY = key_family("budget.period", budget.PERIODS)


def _statuses() -> list[budget.PeriodStatus]:
    return budget.statuses(get_store(), current_user(), st.context.timezone)


def _fields(status: budget.PeriodStatus) -> dict:
    return dict(spent=status.spent, limit=status.limit, percent=status.share * 100)


def render_budget_banner() -> None:
    """From 80% of a limit on, a warning at the top of the page; once it is reached, an error."""
    status = budget.worst(_statuses())
    state.of(BudgetState).banner_shown = _banner(status)
    if status is None:
        return
    text = tr(BANNER_KEY(f"{status.state}.{status.period}"), **_fields(status))
    if status.state == budget.EXCEEDED:
        st.error(text, icon=":material/money_off:")
    else:
        st.warning(text, icon=":material/savings:")


def _banner(status: budget.PeriodStatus | None) -> tuple[str, str] | None:
    return (status.state, status.period) if status else None


def banner_out_of_date() -> bool:
    """After a call made in a run of part of a page: does the banner drawn last say otherwise
    than it would now (a limit neared or reached by that call)?"""
    return _banner(budget.worst(_statuses())) != state.of(BudgetState).banner_shown


def confirm_within_budget(cost: float, key: str, on_cancel: Callable[[], None]) -> bool:
    """True when a call of `cost` credits fits every limit, or the user just confirmed it.

    Otherwise shows what would be passed with "Send anyway" and "Cancel" and returns False; the
    caller keeps whatever the user typed, so nothing is lost while they decide. Cancel drops the
    waiting call: `on_cancel` (the prompts stay in their own widgets).
    """
    if within_budget(cost, key):
        return True
    ask_to_exceed_budget(cost, key, on_cancel)
    return False


def within_budget(cost: float, key: str) -> bool:
    """True when a call of `cost` credits fits every limit, or the user just confirmed it (a
    confirmation is used up by the call it was for). `key`: the kind of call (lib/credits/budget.py
    `Confirmation` is kept per kind)."""
    fits = budget.would_exceed(get_store(), current_user(), cost, st.context.timezone) is None
    return _feed(key, budget.BudgetEvent.FITS if fits else budget.BudgetEvent.OVER) is budget.Confirmation.GOES


def _feed(key: str, event: budget.BudgetEvent) -> budget.Confirmation:
    """The confirmation of `key` after `event`; one that ended (the call goes, or is cancelled) is forgotten."""
    confirmations = state.of(BudgetState).confirmations
    step = budget.confirmation_after(confirmations.get(key, budget.Confirmation.UNASKED), event)
    if step in (budget.Confirmation.GOES, budget.Confirmation.CANCELLED):
        confirmations.pop(key, None)
    else:
        confirmations[key] = step
    return step


def _send_anyway(key: str) -> None:
    _feed(key, budget.BudgetEvent.SEND_ANYWAY)


def _cancel(key: str, on_cancel: Callable[[], None]) -> None:
    if _feed(key, budget.BudgetEvent.CANCEL) is budget.Confirmation.CANCELLED:
        on_cancel()


def ask_to_exceed_budget(cost: float, key: str, on_cancel: Callable[[], None]) -> None:
    """The limit a call of `cost` would pass, with "Send anyway" (it goes in the next run) and "Cancel"."""
    over = budget.would_exceed(get_store(), current_user(), cost, st.context.timezone)
    if over is None:
        return
    with st.container(border=True):
        st.warning(tr(CONFIRM_KEY(over.period), cost=cost, **_fields(over)), icon=":material/savings:")
        with st.container(horizontal=True):
            st.button(
                tr("budget.send_anyway"),
                key=f"{key}_budget_send",
                icon=":material/send:",
                type="primary",
                on_click=_send_anyway,
                args=(key,),
            )
            st.button(
                tr("budget.cancel"),
                key=f"{key}_budget_cancel",
                icon=":material/close:",
                on_click=_cancel,
                args=(key, on_cancel),
            )
        st.caption(tr("budget.manage"))


def render_budget_settings() -> None:
    """The Usage page's form: the two limits, and how much of each is used."""
    store, user = get_store(), current_user()
    limits = budget.get_limits(store, user)
    spent = {s.period: s for s in _statuses()}
    with st.form("budget_form", border=False):
        st.caption(tr("budget.help"))
        inputs = {}
        for column, period, label in zip(st.columns(2), budget.PERIODS, ("budget.daily", "budget.monthly")):
            inputs[period] = column.number_input(
                tr(label),
                min_value=0.0,
                step=10.0,
                format="%.2f",
                value=float(limits[period] or 0.0),
                key=f"budget_{period}",
            )
            _progress(column, spent.get(period), period)
        if st.form_submit_button(tr("budget.save"), icon=":material/save:"):
            for period, value in inputs.items():
                budget.set_limit(store, user, period, value)
            toast_after_rerun(tr("budget.saved"), ":material/check_circle:")
            st.rerun()


def _progress(column, status: budget.PeriodStatus | None, period: str) -> None:
    label = tr(PERIOD_KEY(period))
    if status is None:
        start, end = budget.period_range(period, st.context.timezone)
        column.caption(tr("budget.no_limit", period=label, spent=budget.spent(get_store(), current_user(), start, end)))
        return
    column.progress(min(status.share, 1.0), text=tr("budget.progress", period=label, **_fields(status)))
