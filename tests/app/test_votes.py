"""Votes on the Chat page under AppTest against the sandbox: a blind comparison hides names and
figures until the vote, which is stored and reveals them; thumbs on a single reply."""
from __future__ import annotations

from lib.store import Store
from tests.app.test_chat import send, stored_messages
from tests.app.test_chat_features import MODELS, compare_app


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
    assert not [c.value for c in at.caption if "credits: " in c.value]       # no price, no figures
    assert not [b for b in at.button if b.label == "Keep this answer"]     # keeping would tell
    replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"]
    slots = {r[2]["model"]: r[2]["blind_slot"] for r in replies}
    assert sorted(slots.values()) == [0, 1, 2] and all(r[2]["blind"] for r in replies)
    shown = sorted(slots, key=slots.get)    # the models as A, B, C

    next(b for b in at.button if b.label == "B is better").click().run()
    assert not at.exception
    vote = Store(app_secrets["store"]["url"]).list_votes("local")
    assert [(v.models, v.outcome, v.prompt, v.source) for v in vote] == \
        [(shown, "B", "Who writes the better haiku?", "user")]
    assert headings(at)[-3:] == [f"**Model {letter} · {model}**" for letter, model in zip("ABC", shown)]
    assert [c.value for c in at.caption if "credits: " in c.value]
    assert any("You voted: B is better" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "B is better"]          # voted once: no second vote


def test_blind_order_is_shuffled_per_turn(app_secrets):
    at = blind_app(app_secrets, MODELS[:2])
    orders = set()
    for turn in range(8):
        send(at, f"turn {turn}")
        replies = [m for m in stored_messages(app_secrets) if m[0] == "assistant"][-2:]
        orders.add(tuple(r[2]["model"] for r in sorted(replies, key=lambda r: r[2]["blind_slot"])))
    assert len(orders) == 2   # both orders seen in 8 turns (1 in 128 to fail by chance)


def test_not_blind_comparison_shows_names_at_once(app_secrets):
    at = compare_app(app_secrets, MODELS[:2])
    send(at, "plain compare")
    assert headings(at)[-2:] == [f"**{m}**" for m in MODELS[:2]]
    assert not [b for b in at.button if b.label == "A is better"]


def test_thumb_on_a_reply_is_stored_and_taken_back(app_secrets):
    from tests.fixtures.app import make_app
    at = make_app(app_secrets)
    send(at, "Rate me")
    reply_id = next(m for m in Store(app_secrets["store"]["url"]).list_messages(
        "local", at.session_state["chat_open"]) if m.role == "assistant").id
    at.button(key=f"chat_thumb_up_{reply_id}").click().run()
    store = Store(app_secrets["store"]["url"])
    assert [(v.outcome, v.prompt, v.subject) for v in store.list_votes("local")] == [("up", "Rate me", f"reply:{reply_id}")]
    assert at.button(key=f"chat_thumb_up_{reply_id}").proto.type == "primary"
    at.button(key=f"chat_thumb_down_{reply_id}").click().run()
    assert [v.outcome for v in store.list_votes("local")] == ["down"]
    at.button(key=f"chat_thumb_down_{reply_id}").click().run()
    assert store.list_votes("local") == [] and "thumb" not in stored_messages(app_secrets)[-1][2]
