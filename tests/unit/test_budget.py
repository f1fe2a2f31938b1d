"""lib.credits.budget: limits in user settings, spending from the ledger, states and the pre-call check."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.credits import budget

A, B = "alice", "bob"
UTC = UTC
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)


def spend(store, credits, ts=NOW, user=A):
    store.add_usage(user, endpoint="chat", model="gpt-4o-mini", credits=credits, ts=ts)


def test_no_limits_no_statuses(store):
    spend(store, 500)
    assert budget.get_limits(store, A) == {"day": None, "month": None}
    assert budget.statuses(store, A, "UTC", NOW) == []
    assert budget.would_exceed(store, A, 1000, "UTC", NOW) is None


def test_limits_are_stored_per_user_and_zero_removes(store):
    budget.set_limit(store, A, "day", 10)
    budget.set_limit(store, A, "month", 100)
    assert budget.get_limits(store, A) == {"day": 10.0, "month": 100.0}
    assert budget.get_limits(store, B) == {"day": None, "month": None}
    budget.set_limit(store, A, "day", 0)
    assert budget.get_limits(store, A)["day"] is None


def test_states_ok_warn_exceeded(store):
    budget.set_limit(store, A, "day", 10)
    spend(store, 7)
    assert budget.statuses(store, A, "UTC", NOW)[0].state == budget.OK
    spend(store, 1)
    status = budget.statuses(store, A, "UTC", NOW)[0]
    assert (status.state, status.spent, status.left) == (budget.WARN, 8.0, 2.0)
    spend(store, 2)
    assert budget.statuses(store, A, "UTC", NOW)[0].state == budget.EXCEEDED


def test_refunds_count_back(store):
    budget.set_limit(store, A, "day", 20)
    spend(store, 15)
    spend(store, -15)
    spend(store, 1)
    assert budget.statuses(store, A, "UTC", NOW)[0].spent == 1.0


def test_would_exceed_names_the_first_limit_passed(store):
    budget.set_limit(store, A, "day", 10)
    budget.set_limit(store, A, "month", 100)
    spend(store, 8)
    assert budget.would_exceed(store, A, 2, "UTC", NOW) is None  # exactly reaching the limit is fine
    over = budget.would_exceed(store, A, 3, "UTC", NOW)
    assert over.period == "day" and over.spent == 8.0
    spend(store, 85, ts=datetime(2024, 5, 2, tzinfo=UTC))
    assert budget.would_exceed(store, A, 10, "UTC", datetime(2024, 5, 21, tzinfo=UTC)).period == "month"


def test_day_and_month_follow_the_users_zone(store):
    budget.set_limit(store, A, "day", 10)
    budget.set_limit(store, A, "month", 10)
    spend(store, 5, ts=datetime(2024, 4, 30, 17, 0, tzinfo=UTC))  # Shanghai: 1 May 01:00
    now = datetime(2024, 4, 30, 18, 0, tzinfo=UTC)  # Shanghai: 1 May 02:00
    in_utc = {s.period: s.spent for s in budget.statuses(store, A, "UTC", now)}
    in_shanghai = {s.period: s.spent for s in budget.statuses(store, A, "Asia/Shanghai", now)}
    assert in_utc == {"day": 5.0, "month": 5.0}
    assert in_shanghai == {"day": 5.0, "month": 5.0}
    later = datetime(2024, 5, 1, 17, 0, tzinfo=UTC)  # UTC still 1 May; Shanghai already 2 May
    assert {s.period: s.spent for s in budget.statuses(store, A, "UTC", later)} == {"day": 0.0, "month": 0.0}
    assert {s.period: s.spent for s in budget.statuses(store, A, "Asia/Shanghai", later)} == {"day": 0.0, "month": 5.0}


def test_worst_prefers_exceeded_over_warning():
    warn = budget.PeriodStatus("day", 10, 9)
    exceeded = budget.PeriodStatus("month", 100, 100)
    assert budget.worst([warn, exceeded]) == exceeded
    assert budget.worst([warn]) == warn
    assert budget.worst([budget.PeriodStatus("day", 10, 1)]) is None


# ---------------------------------------------------------------- the confirmation past a limit

C, E = budget.Confirmation, budget.BudgetEvent


def test_a_call_within_every_limit_goes_and_one_over_a_limit_is_asked_about():
    assert budget.confirmation_after(C.UNASKED, E.FITS) is C.GOES
    assert budget.confirmation_after(C.UNASKED, E.OVER) is C.ASKING
    assert budget.confirmation_after(C.ASKING, E.OVER) is C.ASKING  # asked again on each check
    assert budget.confirmation_after(C.ASKING, E.FITS) is C.GOES  # a limit raised meanwhile


def test_send_anyway_lets_the_next_check_pass_once():
    confirmed = budget.confirmation_after(C.ASKING, E.SEND_ANYWAY)
    assert confirmed is C.CONFIRMED
    assert budget.confirmation_after(confirmed, E.OVER) is C.GOES


def test_cancel_ends_the_question():
    assert budget.confirmation_after(C.ASKING, E.CANCEL) is C.CANCELLED


def test_the_buttons_count_only_while_they_are_shown():
    for step in (C.UNASKED, C.CONFIRMED):
        assert budget.confirmation_after(step, E.SEND_ANYWAY) is step
        assert budget.confirmation_after(step, E.CANCEL) is step
