"""Votes on the Chat page under AppTest against the sandbox: a blind comparison hides names and
figures until the vote, which is stored and reveals them; thumbs on a single reply."""

from __future__ import annotations

import random

from lib.store import Store
from tests.app.test_chat import open_conversation, send, stored_messages
from tests.app.test_chat_features import MODELS, compare_app
from tests.fixtures.app import make_app


def headings(at) -> list[str]:
    return [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**")]


def blind_app(secrets, models=MODELS):
    at = compare_app(secrets, models)
    at.toggle(key="chat_new_blind").set_value(True).run()
    return at


def test_blind_comparison_hides_models_until_the_vote_reveals_them(app_secrets):
    at = blind_app(app_secrets)
    send(at, "Who writes the better haiku?")
    assert not at.exception
    assert headings(at)[-3:] == ["**Model A**", "**Model B**", "**Model C**"]
    assert not any(model in h for h in headings(at) for model in MODELS)
    assert not [c.value for c in at.caption if "credits: " in c.value]  # no price, no figures
    assert not [b for b in at.button if b.label == "Keep this answer"]  # keeping would tell
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    slots = {r[2]["model"]: r[2]["blind_slot"] for r in replies}
    assert sorted(slots.values()) == [0, 1, 2] and all(r[2]["blind"] for r in replies)
    shown = sorted(slots, key=slots.get)  # the models as A, B, C

    next(b for b in at.button if b.label == "B is better").click().run()
    assert not at.exception
    vote = Store(app_secrets["store"]["url"]).list_votes("local")
    assert [(v.models, v.outcome, v.prompt, v.source) for v in vote] == [
        (shown, "B", "Who writes the better haiku?", "user")
    ]
    assert headings(at)[-3:] == [f"**Model {letter} · {model}**" for letter, model in zip("ABC", shown)]
    assert [c.value for c in at.caption if "credits: " in c.value]
    assert any("You voted: B is better" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "B is better"]  # voted once: no second vote


def test_blind_order_is_shuffled_per_turn(app_secrets, monkeypatch):
    seeded = random.Random(1)  # the app's own source is SystemRandom: 1 in 128 to see one order
    monkeypatch.setattr(random, "SystemRandom", lambda: seeded)
    at = blind_app(app_secrets, MODELS[:2])
    orders = set()
    for turn in range(8):
        send(at, f"turn {turn}")
        replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"][-2:]
        orders.add(tuple(r[2]["model"] for r in sorted(replies, key=lambda r: r[2]["blind_slot"])))
    assert len(orders) == 2  # a fresh shuffle each turn, not one order kept for the conversation


def test_not_blind_comparison_shows_names_at_once(app_secrets):
    at = compare_app(app_secrets, MODELS[:2])
    send(at, "plain compare")
    assert headings(at)[-2:] == [f"**{m}**" for m in MODELS[:2]]
    assert not [b for b in at.button if b.label == "A is better"]


def test_thumb_on_a_reply_is_stored_and_taken_back(app_secrets):
    at = make_app(app_secrets)
    send(at, "Rate me")
    reply_id = next(
        m
        for m in Store(app_secrets["store"]["url"]).list_messages("local", open_conversation(at))
        if m.role == "assistant"
    ).id
    at.button(key=f"chat_thumb_up_{reply_id}").click().run()
    store = Store(app_secrets["store"]["url"])
    assert [(v.outcome, v.prompt, v.subject) for v in store.list_votes("local")] == [
        ("up", "Rate me", f"reply:{reply_id}")
    ]
    assert at.button(key=f"chat_thumb_up_{reply_id}").proto.type == "primary"
    at.button(key=f"chat_thumb_down_{reply_id}").click().run()
    assert [v.outcome for v in store.list_votes("local")] == ["down"]
    at.button(key=f"chat_thumb_down_{reply_id}").click().run()
    assert store.list_votes("local") == [] and "thumb" not in stored_messages(app_secrets)[-1][2]


# ---------------------------------------------------------------- the leaderboard

BOARD = "app_pages/leaderboard.py"


def seed_votes(secrets) -> Store:
    store = Store(secrets["store"]["url"])
    for i in range(3):
        store.add_vote(
            "alice",
            voter="alice",
            source="user",
            subject=f"compare:{i}",
            models=["gpt-4o-mini", "gemini-pro"],
            outcome="A",
            prompt=f"alice secret prompt {i}",
        )
    store.add_vote(
        "bob",
        voter="bob",
        source="user",
        subject="compare:9",
        models=["gemini-pro", "gpt-4o-mini"],
        outcome="A",
        prompt="bob private question",
    )
    store.add_vote(
        "alice",
        voter="browser:abc",
        source="audience",
        subject="ballot:1",
        models=["gpt-4o-mini", "gemini-pro"],
        outcome="tie",
        prompt="alice on stage",
    )
    return store


def test_user_sees_team_totals_without_teammates_prompts(login_secrets):
    seed_votes(login_secrets)
    at = make_app(login_secrets, page=BOARD, user="bob")
    assert not at.exception
    standings = at.dataframe[0].value
    assert list(standings["model"]) == ["gpt-4o-mini", "gemini-pro"]
    assert list(standings["votes"]) == [5, 5] and list(standings["wins"]) == [3, 1]
    assert [m.value for m in at.metric] == ["5", "1", "5"]  # counted, bob's own, the team's
    assert len(at.dataframe) == 1  # no table of teammates' votes
    assert at.text_input(key="board_prompt_team").disabled
    assert "alice secret" not in str(at.get("download_button"))

    at.segmented_control(key="board_scope").set_value("mine").run()
    mine = at.dataframe[1].value
    assert list(mine["prompt"]) == ["bob private question"] and set(mine["voter"]) == {"bob"}
    at.text_input(key="board_prompt_mine").set_value("nothing like it").run()
    assert at.info and "No votes yet" in at.info[0].value


def test_admin_sees_every_vote_and_filters_by_prompt_and_source(login_secrets):
    seed_votes(login_secrets)
    at = make_app(login_secrets, page=BOARD, user="root")
    assert not at.exception
    every = at.dataframe[1].value
    assert len(every) == 5 and {"alice", "bob", "browser:abc"} <= set(every["voter"])
    at.text_input(key="board_prompt_team").set_value("SECRET").run()
    assert len(at.dataframe[1].value) == 3
    at.text_input(key="board_prompt_team").set_value("").run()
    at.multiselect(key="board_sources").set_value(["audience"]).run()
    only = at.dataframe[1].value
    assert list(only["voter"]) == ["browser:abc"] and list(only["outcome"]) == ["Tie"]


def test_leaderboard_speaks_chinese(login_secrets):
    seed_votes(login_secrets)
    at = make_app(login_secrets, page=BOARD, user="alice")
    at.button_group(key="lang_switch").set_value("zh").run()
    assert not at.exception and at.title[0].value == "排行榜"
    assert at.dataframe[0].value.shape[0] == 2 and "团队总票数" in [m.label for m in at.metric]


def test_blind_columns_show_no_thinking_until_the_vote(app_secrets):
    """A thinking block would tell the reasoning model apart: it stays hidden, and comes with
    the names once the vote is cast."""
    at = blind_app(app_secrets, ["deepseek-reasoner", "gpt-4o-mini"])
    send(at, "Which is the better plan?")
    assert not at.exception
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    [thinking] = [r[2]["thinking"] for r in replies if r[2].get("thinking")]  # stored all the same
    assert not [e for e in at.expander if e.label.startswith(("Thought", "Thinking"))]
    assert not any(thinking[:40] in m.value for m in at.markdown)

    next(b for b in at.button if b.label == "A is better").click().run()
    assert sum(e.label.startswith("Thought") for e in at.expander) == 1
    assert any(thinking[:40] in m.value for m in at.markdown)
