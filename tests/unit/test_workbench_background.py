"""Runs that outlive their tab: the background thread saves every cell and the status, a stop
ends it, a resumed run sends only its unfinished cells, a dead process's run is claimed once,
the run list counts finished cells (SQLite and PostgreSQL), and the fair gate bounds and shares."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from lib import chat, workbench
from lib.client import ReshiClient
from lib.credits import pricing, quotas
from lib.store import Store
from lib.workbench import judge
from lib.workbench.background import DONE, INTERRUPTED, QUOTA, STOPPED, BackgroundRuns, FairGate

CASES = [{"topic": f"topic {i}"} for i in range(6)]


def spec(repeat: int = 1, pool: int = 4) -> workbench.RunSpec:
    return workbench.RunSpec(
        "", "Tell kids about {{topic}}.", ["gpt-4o-mini"], chat.default_settings()["params"], pool=pool, repeat=repeat
    )


@pytest.fixture
def client(sandbox, api_key):
    with ReshiClient(sandbox.base_url, api_key) as made:
        yield made


def test_a_run_goes_on_alone_and_is_saved_done(store, client):
    run_id = store.add_workbench_run("alice", workbench.new_run(spec(2), CASES))
    runs = BackgroundRuns(store)
    live = runs.start("alice", run_id, client, spec(2), CASES)
    assert live.finished.wait(60)
    saved = store.get_workbench_run("alice", run_id)
    assert saved["status"] == DONE and len(saved["results"]) == 12 and runs.live(run_id) is None
    [listed] = store.list_workbench_runs("alice")
    assert listed["cells_done"] == 12 and listed["case_count"] == 6


def test_stop_ends_the_run_and_keeps_what_finished(store, client, sandbox_speed):
    sandbox_speed(token_rate=20)
    run_id = store.add_workbench_run("alice", workbench.new_run(spec(pool=1), CASES))
    runs = BackgroundRuns(store)
    live = runs.start("alice", run_id, client, spec(pool=1), CASES)
    assert not runs.stop("bob", run_id), "only the run's user stops it"
    while live.done < 1:
        time.sleep(0.05)
    assert runs.stop("alice", run_id) and live.finished.wait(30)
    saved = store.get_workbench_run("alice", run_id)
    assert saved["status"] == STOPPED and 1 <= len(saved["results"]) < 6


@pytest.mark.parametrize("pool", [1, 4], ids=["one-at-a-time", "four-at-once"])
def test_a_run_stops_as_a_whole_at_the_quota_keeping_what_finished(store, sandbox, api_key, pool):
    """The admin's daily quota of 3 credits on the preset connection: a run of 6 one-credit cells
    sends 3, is saved "quota" with those 3 kept, and the refused call was never sent. Four at
    once cannot pass it either: the calls under way hold their price until they are recorded
    (as lib/ui/connection.py wires the client)."""
    store.admin_set_quota("alice", 3, 0)
    client = ReshiClient(
        sandbox.base_url,
        api_key,
        connection=quotas.PRESET,
        on_call=lambda call: store.record_usage("alice", **asdict(call)),
        before_paid_call=lambda _endpoint, _model, most: quotas.check_quota(store, "alice", most),
    )
    sandbox.control.reset_stats()
    run_id = store.add_workbench_run("alice", workbench.new_run(spec(pool=pool), CASES))
    live = BackgroundRuns(store).start("alice", run_id, client, spec(pool=pool), CASES, on_end=client.close)
    assert live.finished.wait(60)
    saved = store.get_workbench_run("alice", run_id)
    assert saved["status"] == QUOTA, "the run did not stop as a whole at the quota"
    assert len(saved["results"]) == 3 and all(c["status"] == "ok" and c["credits"] == 1 for c in saved["results"])
    assert sandbox.control.stats()["endpoints"]["chat"] == 3, "a call past the quota reached the server"
    rows = store.usage_ledger("alice").calls()
    assert set(rows["source"]) == {pricing.WORKBENCH} and set(rows["connection"]) == {quotas.PRESET}
    refusals = rows["error_kind"].tolist().count("quota_exceeded")
    # One at a time, nothing starts after the refusal; at once, cells that had already started
    # may be refused too (nothing of theirs is sent).
    assert refusals == 1 if pool == 1 else 1 <= refusals <= pool, "cells kept starting after the refusal"


def test_a_resumed_run_sends_only_its_unfinished_cells(store, client, sandbox):
    run_id = store.add_workbench_run("alice", workbench.new_run(spec(), CASES))
    first = list(workbench.run_cells(client, spec(), CASES[:2]))
    finished = [c.__dict__ for c in first]
    sandbox.control.reset_stats()
    live = BackgroundRuns(store).start("alice", run_id, client, spec(), CASES, finished=finished)
    assert live.finished.wait(60)
    saved = store.get_workbench_run("alice", run_id)
    assert saved["status"] == DONE and sorted(c["case"] for c in saved["results"]) == list(range(6))
    assert sandbox.control.stats()["endpoints"]["chat"] == 4


def test_judged_verdicts_are_kept_in_the_store_per_user(store, store_url, client, sandbox):
    judged = spec()
    judged.checks = [workbench.Check("judge", rubric="Is {{output}} clear?", model="gpt-4o")]

    def judge_calls(user: str, runs: BackgroundRuns) -> int:
        sandbox.control.reset_stats()
        run_id = store.add_workbench_run(user, workbench.new_run(judged, CASES[:3]))
        assert runs.start(user, run_id, client, judged, CASES[:3]).finished.wait(60)
        assert all(c["scores"][0] is not None for c in store.get_workbench_run(user, run_id)["results"])
        return sum(
            r["body"]["model"] == "gpt-4o" for r in sandbox.control.recent_requests(20) if r["endpoint"] == "chat"
        )

    assert judge_calls("alice", BackgroundRuns(store)) == 3
    # Another process (a restart, a replica) on the same database: the verdicts are there.
    assert judge_calls("alice", BackgroundRuns(Store(store_url))) == 0
    assert judge_calls("bob", BackgroundRuns(store)) == 3, "one user's verdicts are not another's"
    key = judge.cache_key(judged.checks[0], CASES[0], "x")
    store.save_workbench_judgement("alice", key, 0.5, "first")
    store.save_workbench_judgement("alice", key, 0.9, "saved elsewhere at the same moment")
    assert store.workbench_judgement("alice", key) == {"score": 0.5, "reason": "first"}
    assert store.workbench_judged("alice", [key, "never judged"]) == {key}
    assert store.workbench_judged("bob", [key]) == set()
    assert judge.StoreJudgeCache(store, "alice").known([key]) == {key}


def test_a_dead_process_run_is_claimed_once(store):
    run_id = store.add_workbench_run("alice", workbench.new_run(spec(), CASES))
    later = datetime.now(UTC) + timedelta(seconds=1)
    [stale] = store.admin_stale_workbench_runs(later)
    assert stale["id"] == run_id and stale["user"] == "alice"
    assert store.claim_workbench_run("alice", run_id, stale["updated_at"])
    assert not store.claim_workbench_run("alice", run_id, stale["updated_at"]), "a second replica loses"
    assert not store.claim_workbench_run("bob", run_id, stale["updated_at"])
    store.mark_workbench_run("alice", run_id, "done")
    assert store.admin_stale_workbench_runs(later + timedelta(seconds=5)) == []


def test_the_gate_bounds_cells_in_flight_and_shares_them_between_users():
    gate, peak, order = FairGate(2), [], []
    lock, release = threading.Lock(), threading.Event()

    def work(user: str):
        with gate.slot(user):
            with lock:
                order.append(user)
                peak.append(sum(gate.held().values()))
            release.wait(5)

    threads = [threading.Thread(target=work, args=("alice",)) for _ in range(6)]
    for thread in threads[:2]:
        thread.start()
    while sum(gate.held().values()) < 2:
        time.sleep(0.01)
    for thread in threads[2:]:
        thread.start()
    bob = threading.Thread(target=work, args=("bob",))
    bob.start()
    while sum(1 for _ in gate._waiting.elements()) < 5:
        time.sleep(0.01)
    release.set()
    for thread in [*threads, bob]:
        thread.join(5)
    assert max(peak) == 2
    assert order.index("bob") <= 3, f"bob waited behind alice's queue: {order}"


def test_ratings_are_saved_per_user_counted_and_exported(store):
    run = workbench.new_run(spec(), CASES[:2])
    run["results"] = [workbench.Cell(case=i, model="gpt-4o-mini", status="ok", output="x").__dict__ for i in range(2)]
    run_id = store.add_workbench_run("alice", run)
    assert store.rate_workbench_cell("alice", run_id, 0, "gpt-4o-mini", 0, 1, "clear")
    assert store.rate_workbench_cell("alice", run_id, 1, "gpt-4o-mini", 0, -1, "")
    assert store.rate_workbench_cell("alice", run_id, 1, "gpt-4o-mini", 0, -1, "too long")  # changed in place
    assert not store.rate_workbench_cell("bob", run_id, 0, "gpt-4o-mini", 0, 1, "not mine")
    assert store.workbench_ratings("bob", run_id) == {}
    ratings = store.workbench_ratings("alice", run_id)
    assert ratings == {
        (0, "gpt-4o-mini", 0): {"thumb": 1, "note": "clear"},
        (1, "gpt-4o-mini", 0): {"thumb": -1, "note": "too long"},
    }
    rated = workbench.with_ratings(store.get_workbench_run("alice", run_id), ratings)
    totals = workbench.totals(rated).set_index("model")
    assert totals.loc["gpt-4o-mini", "thumbs_up"] == 1 and totals.loc["gpt-4o-mini", "thumbs_down"] == 1
    assert "too long" in workbench.to_csv(rated).decode() and ",down," in workbench.to_csv(rated).decode()
    assert store.delete_workbench_run("alice", run_id) and store.workbench_ratings("alice", run_id) == {}


def left_run(store, client, finished: int = 2) -> int:
    """A run a process left "running" with `finished` cells done, on the sandbox's key."""
    record = workbench.new_run(spec(), CASES)
    record["settings"]["connection"] = "sandbox"
    run_id = store.add_workbench_run("alice", record)
    done = [asdict(c) for c in workbench.run_cells(client, spec(), CASES[:finished])]
    store.save_workbench_results("alice", run_id, done, "running")
    return run_id


def test_a_dead_process_run_is_resumed_by_the_watcher_once_its_lease_runs_out(store, sandbox, api_key, client):
    """No page asks: the process's own heartbeat looks for left runs, and takes one only once its
    lease (short here) has run out; a run on a user's own key is marked interrupted instead."""
    run_id = left_run(store, client)
    own_key = store.add_workbench_run("bob", workbench.new_run(spec(), CASES))
    sandbox.control.reset_stats()
    clients = []

    def client_for(user: str, settings: dict):
        if settings.get("connection") != "sandbox":
            return None
        clients.append(ReshiClient(sandbox.base_url, api_key))
        return clients[-1]

    started = time.monotonic()
    runs = BackgroundRuns(store, client_for=client_for, heartbeat_seconds=0.1, stale_seconds=1.0)
    deadline = started + 30
    # One sweep takes both, in turn: Alice's resumed run may finish before Bob's is marked.
    while (store.get_workbench_run("alice", run_id)["status"], store.get_workbench_run("bob", own_key)["status"]) != (
        DONE,
        INTERRUPTED,
    ):
        assert time.monotonic() < deadline, "the left runs were not resumed or marked"
        time.sleep(0.05)
    assert time.monotonic() - started >= 0.9, "taken while its lease was still fresh"
    assert sorted(c["case"] for c in store.get_workbench_run("alice", run_id)["results"]) == list(range(6))
    assert sandbox.control.stats()["endpoints"]["chat"] == 4, "the finished cells are not sent again"
    assert runs.live(run_id) is None and len(clients) == 1
    runs.release()


def test_a_clean_shutdown_gives_its_runs_to_the_next_process_at_once(
    store, store_url, sandbox, api_key, client, sandbox_speed
):
    record = workbench.new_run(spec(pool=1), CASES)
    record["settings"]["connection"] = "sandbox"
    run_id = store.add_workbench_run("alice", record)
    sandbox_speed(token_rate=200)
    stopping = BackgroundRuns(store)
    live = stopping.start("alice", run_id, client, spec(pool=1), CASES)
    deadline = time.monotonic() + 30
    while live.done < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stopping.release()
    assert live.finished.wait(30)
    kept = store.get_workbench_run("alice", run_id)
    assert kept["status"] == "running" and 2 <= len(kept["results"]) < 6, "its thread saved nothing after"
    assert stopping.live(run_id) is None
    sandbox_speed(token_rate=0)
    sandbox.control.reset_stats()

    # The next process (its own store, as after a restart) looks at once, lease or not.
    next_store = Store(store_url)
    with ReshiClient(sandbox.base_url, api_key) as next_client:
        restarted = BackgroundRuns(next_store, client_for=lambda user, settings: next_client, heartbeat_seconds=60)
        deadline = time.monotonic() + 30
        while store.get_workbench_run("alice", run_id)["status"] != DONE:
            assert time.monotonic() < deadline, "the released run was not resumed at once"
            time.sleep(0.05)
        restarted.release()
    next_store.dispose()
    assert sorted(c["case"] for c in store.get_workbench_run("alice", run_id)["results"]) == list(range(6))
    assert sandbox.control.stats()["endpoints"]["chat"] == 6 - len(kept["results"])
