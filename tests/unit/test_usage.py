"""lib.credits.usage on hand-made ledgers with known answers, on SQLite and PostgreSQL (`store` fixture)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from lib.credits import usage
from lib.credits.usage import Filters, Scope

A, B = "alice", "bob"
UTC = UTC


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(store, user=A, *, ts, endpoint="chat", model="gpt-4o-mini", credits=1.0, **fields):
    store.add_usage(user, endpoint=endpoint, model=model, credits=credits, ts=ts, **fields)


def latency(store, scope: Scope, filters: Filters) -> pd.DataFrame:
    return usage.percentiles(usage.latency_histogram(store, scope, filters))


def buckets(frame: pd.DataFrame) -> dict[str, float]:
    """{local bucket start: net credits} of the cards-and-charts rows."""
    sums = usage.work(frame).groupby("bucket")["credits"].sum()
    return {str(k): v for k, v in sums.items()}


# --- ranges and zones ------------------------------------------------------------------------

NOW = at(2024, 5, 1, 17, 0)  # 2024-05-02 01:00 in Shanghai, still 2024-05-01 in UTC


def test_presets_are_whole_local_days_ending_today():
    assert usage.preset_range("today", "UTC", NOW) == (at(2024, 5, 1), at(2024, 5, 2))
    assert usage.preset_range("today", "Asia/Shanghai", NOW) == (at(2024, 5, 1, 16), at(2024, 5, 2, 16))
    assert usage.preset_range("7d", "Asia/Shanghai", NOW) == (at(2024, 4, 25, 16), at(2024, 5, 2, 16))
    assert usage.preset_range("30d", "UTC", NOW) == (at(2024, 4, 2), at(2024, 5, 2))
    assert usage.preset_range("all", "UTC", NOW) == (None, None)


def test_custom_range_is_inclusive_and_order_free():
    picked = (date(2024, 3, 10), date(2024, 3, 8))
    assert usage.preset_range("custom", "America/New_York", NOW, custom=picked) == (
        at(2024, 3, 8, 5),
        at(2024, 3, 11, 4),
    )  # New York moved to summer time on 10 March


def test_unknown_or_missing_zone_falls_back_to_utc():
    assert usage.zone("Mars/Olympus").key == "UTC" and usage.zone(None).key == "UTC"
    assert usage.preset_range("today", "Not/AZone", NOW) == (at(2024, 5, 1), at(2024, 5, 2))


def test_hours_only_for_ranges_up_to_a_month():
    assert usage.effective_granularity("hour", at(2024, 5, 1), at(2024, 5, 8)) == "hour"
    assert usage.effective_granularity("hour", at(2024, 1, 1), at(2024, 5, 1)) == "day"
    assert usage.effective_granularity("hour", None, None) == "day"
    assert usage.effective_granularity("day", at(2024, 5, 1), at(2024, 5, 2)) == "day"


def test_zone_offsets_find_dst_changes_to_the_second():
    first, changes = usage.zone_offsets(usage.zone("Europe/Paris"), at(2024, 3, 1), at(2024, 11, 1))
    assert first == 3600
    assert changes == [(at(2024, 3, 31, 1), 7200), (at(2024, 10, 27, 1), 3600)]


# --- buckets in the user's zone --------------------------------------------------------------


def test_days_follow_the_browser_zone(store):
    add(store, ts=at(2024, 5, 1, 15, 0), credits=1)  # Shanghai: 1 May 23:00
    add(store, ts=at(2024, 5, 1, 17, 0), credits=10)  # Shanghai: 2 May 01:00
    utc = usage.cube(store, Scope(A, None, None, "UTC", usage.DAY))
    shanghai = usage.cube(store, Scope(A, None, None, "Asia/Shanghai", usage.DAY))
    assert buckets(utc) == {"2024-05-01 00:00:00": 11.0}
    assert buckets(shanghai) == {"2024-05-01 00:00:00": 1.0, "2024-05-02 00:00:00": 10.0}


def test_half_hour_zone_buckets_exactly(store):
    add(store, ts=at(2024, 5, 1, 18, 29), credits=1)  # Kolkata (+5:30): 23:59
    add(store, ts=at(2024, 5, 1, 18, 31), credits=2)  # Kolkata: 00:01 next day
    frame = usage.cube(store, Scope(A, None, None, "Asia/Kolkata", usage.HOUR))
    assert buckets(frame) == {"2024-05-01 23:00:00": 1.0, "2024-05-02 00:00:00": 2.0}


def test_hours_across_a_dst_change(store):
    for hour in range(4):  # 00:30..03:30 UTC on the night Paris skips 02:00-03:00
        add(store, ts=at(2024, 3, 31, hour, 30), credits=hour + 1)
    frame = usage.cube(store, Scope(A, at(2024, 3, 30), at(2024, 4, 1), "Europe/Paris", usage.HOUR))
    assert buckets(frame) == {
        "2024-03-31 01:00:00": 1.0,
        "2024-03-31 03:00:00": 2.0,
        "2024-03-31 04:00:00": 3.0,
        "2024-03-31 05:00:00": 4.0,
    }


def test_range_is_start_inclusive_end_exclusive(store):
    add(store, ts=at(2024, 5, 1), credits=1)
    add(store, ts=at(2024, 5, 2), credits=10)
    frame = usage.cube(store, Scope(A, at(2024, 5, 1), at(2024, 5, 2), "UTC"))
    assert usage.summarize(frame).credits == 1.0


def test_empty_ledger_gives_empty_frames(store):
    frame = usage.cube(store, Scope(A, None, None, "Asia/Shanghai"))
    assert frame.empty and list(frame.columns) == usage.CUBE_COLUMNS
    summary = usage.summarize(frame)
    assert (summary.credits, summary.requests, summary.error_rate) == (0.0, 0, None)
    for chart in (
        usage.credits_over_time,
        usage.tokens_over_time,
        usage.calls_by_model,
        usage.by_user,
        *[lambda f, by=by: usage.credits_by(f, by) for by in usage.BREAKDOWNS],
    ):
        assert chart(frame).empty
    assert latency(store, Scope(A, None, None), Filters()).empty
    assert usage.calls(store, Scope(A, None, None), Filters()).empty


# --- what counts -----------------------------------------------------------------------------


@pytest.fixture
def ledger(store):
    """Alice: 3 chats (one failed), 2 images, a video refunded, an upload, free bookkeeping calls.
    Bob: one chat."""
    day = at(2024, 5, 1, 9)
    add(store, ts=day, model="gpt-4o", credits=1, latency_ms=100, prompt_tokens=10, completion_tokens=20)
    add(store, ts=day, model="gpt-4o", credits=1, latency_ms=200, prompt_tokens=5, completion_tokens=5)
    add(store, ts=day, model="gemini-pro", credits=0, latency_ms=300, status=500, error_kind="server")
    add(store, ts=day, endpoint="images", model="gemini-image", credits=10, latency_ms=1000)
    add(store, ts=day, endpoint="images", model="gemini-image", credits=10, latency_ms=2000)
    add(store, ts=day, endpoint="video", model="sora-2", credits=15, latency_ms=400)
    add(store, ts=day + timedelta(hours=1), endpoint="video", model="sora-2", credits=-15)
    add(store, ts=day, endpoint="upload", model=None, credits=0, latency_ms=50)
    add(store, ts=day, endpoint="models", model=None, credits=0, latency_ms=5)
    add(store, ts=day, endpoint="billing", model=None, credits=0, latency_ms=5, status=500, error_kind="server")
    add(store, B, ts=day, model="gpt-4o", credits=1, latency_ms=100, prompt_tokens=1, completion_tokens=1)
    return store


def alice(tz="UTC") -> Scope:
    return Scope(A, at(2024, 5, 1), at(2024, 5, 2), tz)


def test_cards_net_refunds_and_leave_out_bookkeeping_calls(ledger):
    summary = usage.summarize(usage.cube(ledger, alice()))
    assert summary.credits == 22.0  # 1 + 1 + 0 + 10 + 10 + 15 - 15 + 0
    assert summary.refunded == 15.0
    assert summary.requests == 7  # the refund is not a request; models/billing are left out
    assert summary.errors == 1 and summary.error_rate == pytest.approx(1 / 7)
    assert summary.tokens == 40


def test_charts_from_the_cube(ledger):
    frame = usage.cube(ledger, alice())
    over_time = usage.credits_over_time(frame).set_index(["endpoint", "model"])["credits"].to_dict()
    assert over_time == {
        ("chat", "gpt-4o"): 2.0,
        ("chat", "gemini-pro"): 0.0,
        ("images", "gemini-image"): 20.0,
        ("video", "sora-2"): 0.0,
        ("upload", usage.NO_MODEL): 0.0,
    }
    by_endpoint = usage.credits_by(frame, usage.ENDPOINT)
    assert by_endpoint.to_dict("records") == [
        {"endpoint": "images", "credits": 20.0, "calls": 2},
        {"endpoint": "chat", "credits": 2.0, "calls": 3},
        {"endpoint": "upload", "credits": 0.0, "calls": 1},
        {"endpoint": "video", "credits": 0.0, "calls": 1},
    ]
    assert usage.calls_by_model(frame).to_dict("records") == [
        {"endpoint": "images", "model": "gemini-image", "calls": 2},
        {"endpoint": "chat", "model": "gpt-4o", "calls": 2},
        {"endpoint": "chat", "model": "gemini-pro", "calls": 1},
        {"endpoint": "video", "model": "sora-2", "calls": 1},
        {"endpoint": "upload", "model": usage.NO_MODEL, "calls": 1},
    ]
    tokens = usage.tokens_over_time(frame).set_index("kind")["tokens"].to_dict()
    assert tokens == {"prompt": 15, "completion": 25}


def test_sources_and_connections_break_down_filter_and_list_the_calls(store):
    """Each row's source and connection, in the cube, its filters (the same in pandas and SQL) and
    the calls; a row written without a source (before revision 0003) has its endpoint's."""
    day = at(2024, 5, 1, 9)
    add(store, ts=day, credits=1, source="chat", connection="preset")
    add(store, ts=day, credits=2, source="compare", connection="preset")
    add(store, ts=day, credits=2, source="compare", connection="preset")
    add(store, ts=day, credits=4, source="workbench", connection="api.example.com")
    add(store, ts=day, endpoint="judge", credits=1, source="judge", connection="sandbox")
    add(store, ts=day, endpoint="billing", model=None, credits=0)  # an old row: no source, no connection
    frame = usage.cube(store, alice())
    by_source = usage.credits_by(frame, usage.SOURCE).set_index("source")
    assert by_source["credits"].to_dict() == {"compare": 4.0, "workbench": 4.0, "chat": 1.0, "judge": 1.0}
    assert by_source["calls"].to_dict() == {"compare": 2, "workbench": 1, "chat": 1, "judge": 1}
    by_connection = usage.credits_by(frame, usage.CONNECTION).set_index("connection")["credits"].to_dict()
    assert by_connection == {"preset": 5.0, "api.example.com": 4.0, "sandbox": 1.0}
    assert usage.options(frame, usage.SOURCE) == ["chat", "compare", "workbench", "judge", "balance"]
    assert usage.options(frame, usage.CONNECTION) == ["", "api.example.com", "preset", "sandbox"]
    over_time = usage.credits_over_time(frame, usage.SOURCE).set_index("source")["credits"].to_dict()
    assert over_time == {"chat": 1.0, "compare": 4.0, "workbench": 4.0, "judge": 1.0}
    for filters in (
        Filters(sources=("compare", "judge")),
        Filters(connections=("preset",)),
        Filters(sources=("balance",)),
        Filters(connections=("",)),
        Filters(sources=("compare",), connections=("sandbox",)),
    ):
        picked = usage.apply_filters(frame, filters)
        rows = usage.calls(store, alice(), filters, limit=None)
        assert int(picked["rows"].sum()) == len(rows), filters
        assert set(rows["source"]) <= set(filters.sources or rows["source"]), filters
    assert usage.calls(store, alice(), Filters(sources=("balance",)))["source"].tolist() == ["balance"]


def test_filters_narrow_the_cube_like_the_sql(ledger):
    frame = usage.cube(ledger, alice())
    cases = [
        Filters(models=("gpt-4o",)),
        Filters(endpoints=("images", "video")),
        Filters(outcomes=("refund",)),
        Filters(outcomes=("error",)),
        Filters(models=("sora-2",), outcomes=("ok",)),
    ]
    for filters in cases:
        narrowed = usage.apply_filters(frame, filters)
        rows = usage.calls(ledger, alice(), filters, limit=None)
        assert narrowed["rows"].sum() == len(rows), filters
        assert narrowed["credits"].sum() == pytest.approx(rows["credits"].sum()), filters
    refunds = usage.summarize(usage.apply_filters(frame, Filters(outcomes=("refund",))))
    assert (refunds.credits, refunds.requests) == (-15.0, 0)
    errors = usage.calls(ledger, alice(), Filters(outcomes=("error",)), limit=None)
    assert sorted(errors["endpoint"]) == ["billing", "chat"]  # the table keeps bookkeeping calls


def test_latency_percentiles_nearest_rank(ledger):
    frame = latency(ledger, alice(), Filters()).set_index("endpoint")
    assert frame.loc["chat"].to_dict() == {"p50": 200.0, "p95": 300.0}
    assert frame.loc["images"].to_dict() == {"p50": 1000.0, "p95": 2000.0}
    assert "models" not in frame.index and "billing" not in frame.index
    only_ok = latency(ledger, alice(), Filters(outcomes=("ok",))).set_index("endpoint")
    assert only_ok.loc["chat"].to_dict() == {"p50": 100.0, "p95": 200.0}


def test_users_see_their_own_rows_admins_everyone(ledger):
    mine = usage.cube(ledger, alice())
    assert set(mine["user"]) == {A}
    everyone = usage.cube(ledger, Scope(None, at(2024, 5, 1), at(2024, 5, 2)))
    per_user = usage.by_user(everyone).set_index("user")
    assert per_user.loc[A, "credits"] == 22.0 and per_user.loc[B].to_dict() == {
        "credits": 1.0,
        "requests": 1,
        "errors": 0,
        "tokens": 2,
    }
    bob_only = usage.apply_filters(everyone, Filters(users=(B,)))
    assert usage.summarize(bob_only).credits == 1.0
    assert set(usage.calls(ledger, Scope(None, None, None), Filters(users=(B,)))["user"]) == {B}


def test_calls_table_is_newest_first_in_local_time(ledger):
    rows = usage.calls(ledger, alice("Asia/Shanghai"), Filters(), limit=3)
    assert len(rows) == 3
    assert str(rows["time"].iloc[0]) == "2024-05-01 18:00:00+08:00"  # the refund, an hour after the rest
    assert rows["outcome"].iloc[0] == "refund"


def test_csv_export_has_exactly_the_filtered_rows(ledger):
    filters = Filters(endpoints=("chat",))
    csv = pd.read_csv(io.BytesIO(usage.calls_csv(ledger, alice("Asia/Shanghai"), filters)))
    assert list(csv.columns) == list(usage.CSV_COLUMNS)
    assert len(csv) == 3 and set(csv["endpoint"]) == {"chat"}
    assert sorted(csv["outcome"]) == ["error", "ok", "ok"]
    assert set(csv["time"]) == {"2024-05-01T17:00:00+08:00"}
    assert csv["credits"].sum() == 2.0


def test_csv_export_neutralises_formulas_in_text_cells_only(store):
    add(
        store,
        ts=at(2024, 5, 1, 9),
        model='=HYPERLINK("http://evil.example","x")',
        request_id="@SUM(A1)",
        error_kind="+cmd",
        credits=-15.0,
    )
    add(store, ts=at(2024, 5, 1, 8), model="-1+2", request_id="\tTAB")
    rows = list(csv.DictReader(io.StringIO(usage.calls_csv(store, alice("UTC"), Filters()).decode())))
    assert [r["model"] for r in rows] == ['\'=HYPERLINK("http://evil.example","x")', "'-1+2"]
    # The ledger keeps no control characters (lib.safe_text.without_controls): the tab is gone before any export.
    assert (rows[0]["request_id"], rows[0]["error_kind"], rows[1]["request_id"]) == ("'@SUM(A1)", "'+cmd", "TAB")
    assert rows[0]["credits"] == "-15.0" and rows[0]["time"].startswith("2024-05-01T09:00")


def test_csv_export_rounds_latency_to_whole_ms_and_credits_to_a_millionth(store):
    add(store, ts=at(2024, 5, 1, 9), latency_ms=1234.5678901234567, credits=0.1 + 0.2, prompt_tokens=None)
    row = next(csv.DictReader(io.StringIO(usage.calls_csv(store, alice("UTC"), Filters()).decode())))
    assert (row["latency_ms"], row["credits"], row["prompt_tokens"]) == ("1235", "0.3", "")


def test_adding_up_empty_aggregates_keeps_their_columns(store):
    empty = usage.cube(store, Scope(A, None, None))
    assert list(usage.add_up([empty, empty], usage.CUBE_KEYS).columns) == usage.CUBE_COLUMNS


def test_ledger_version_moves_with_each_new_row(store):
    assert usage.ledger_version(store) == 0
    add(store, ts=at(2024, 5, 1))
    first = usage.ledger_version(store)
    add(store, ts=at(2024, 4, 1))
    assert usage.ledger_version(store) > first


def test_aggregates_add_up_incrementally(ledger):
    """A cached cube plus the newer rows' cube equals the cube of everything."""
    scope, filters = Scope(None, None, None, "Asia/Shanghai"), Filters()
    version = usage.ledger_version(ledger)
    old_cube, old_histogram = usage.cube(ledger, scope), usage.latency_histogram(ledger, scope, filters)
    add(ledger, ts=at(2024, 5, 1, 9), model="gpt-4o", credits=1, latency_ms=700)
    add(ledger, B, ts=at(2024, 6, 1), endpoint="images", model="gemini-image", credits=10, latency_ms=900)
    newest = usage.ledger_version(ledger)
    merged = usage.add_up([old_cube, usage.cube(ledger, scope, version, newest)], usage.CUBE_KEYS)
    whole = usage.cube(ledger, scope)
    order = usage.CUBE_KEYS
    pd.testing.assert_frame_equal(
        merged.sort_values(order).reset_index(drop=True),
        whole.sort_values(order).reset_index(drop=True),
        check_dtype=False,
    )
    histogram = usage.add_up(
        [old_histogram, usage.latency_histogram(ledger, scope, filters, version, newest)], usage.HISTOGRAM_KEYS
    )
    pd.testing.assert_frame_equal(usage.percentiles(histogram), latency(ledger, scope, filters))


def test_the_charts_time_axis_leaves_out_a_long_quiet_start():
    """30 days of which only today had calls was one hairline at the right edge: the axis keeps
    the last MIN_CHART_BUCKETS buckets at least, and the whole range from the first call on."""
    now = datetime(2024, 5, 31, 12, tzinfo=UTC)
    scope = Scope(A, *usage.preset_range(usage.DAYS_30, "UTC", now=now), "UTC")
    today, end = datetime(2024, 5, 31), datetime(2024, 6, 1)
    assert usage.chart_bounds(scope, today, today) == (datetime(2024, 5, 25), end)
    assert usage.chart_bounds(scope, datetime(2024, 5, 10), today) == (datetime(2024, 5, 10), end)
    assert usage.chart_bounds(scope, datetime(2024, 4, 1), today) == (datetime(2024, 5, 2), end)  # the range's start
    assert usage.chart_bounds(scope, None, None) == (datetime(2024, 5, 2), end)
    unbounded = Scope(A, None, None, "UTC")
    assert usage.chart_bounds(unbounded, today, today) == (datetime(2024, 5, 25), end)
