"""Audience ballots under AppTest: a comparison slide opens a vote (answers as letters, a QR
code), phones open the link signed out and vote once, the projector counts and reveals; closed,
revealed and guessed links are refused; leaving the slide closes the vote."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.sharing import ballots, shares
from lib.store import Store
from lib.ui.state.shares import BallotPhone
from tests.app.helpers import state_of
from tests.app.test_chat import send
from tests.app.test_chat_features import MODELS, compare_app
from tests.app.test_isolation import page_text
from tests.app.test_presentation import present
from tests.fixtures.app import APPTEST_ENTRY

QUESTION = "Which answer explains tides better?"


def phone(secrets, token: str, browser: str | None = None) -> AppTest:
    """A new browser session opening `?ballot=TOKEN`, signed in as nobody (`browser`: the id
    its cookie carries, for the same browser coming back)."""
    at = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    at.secrets.update(secrets)
    at.query_params[ballots.QUERY_PARAM] = token
    if browser:
        state_of(at, BallotPhone).browser_id = browser
    return at.run()


def presenting_comparison(secrets, turns=1):
    at = compare_app(secrets, MODELS[:2])
    for turn in range(turns):
        send(at, QUESTION if turn == 0 else f"{QUESTION} ({turn})")
    return present(at)


def open_vote(at) -> tuple[int, str]:
    at.button(key="ballot_open").click().run()
    assert not at.exception
    token = at.query_params["vote"][0] if isinstance(at.query_params["vote"], list) else at.query_params["vote"]
    ballot = Store(at.secrets["store"]["url"]).ballot_by_token_hash(shares.token_hash(token))
    return ballot.id, token


def headings(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


def test_room_votes_from_phones_and_the_projector_reveals(app_secrets):
    at = presenting_comparison(app_secrets)
    ballot_id, token = open_vote(at)
    assert headings(at) == ["### Answer A", "### Answer B"]
    assert not [m for m in at.markdown if any(f"**{model}**" == m.value.replace("\\", "") for model in MODELS)]
    assert len(at.get("image")) == 1 and any(token in c.value for c in at.code)  # the QR code and the link
    assert at.metric[0].value == "0"

    voters = [phone(app_secrets, token) for _ in range(3)]
    for choice, voter in zip(("A", "A", "tie"), voters):
        assert not voter.exception and len(voter.sidebar.children) == 0
        assert [b.label for b in voter.button] == ["A is better", "B is better", "Tie", "Both bad"]
        text = page_text(voter)
        assert QUESTION in text and app_secrets["sandbox"]["api_key"] not in text
        assert not any(model in h.value for h in voter.markdown if h.value.startswith("**Answer") for model in MODELS)
        voter.button(key=f"ballot_vote_{choice}").click().run()
        assert any("your vote is counted" in s.value for s in voter.success)
        assert not [b for b in voter.button if b.key and b.key.startswith("ballot_vote_")]

    again = phone(app_secrets, token, browser=state_of(voters[0], BallotPhone).browser_id)
    assert any("already voted" in w.value for w in again.warning) and not again.button
    store = Store(app_secrets["store"]["url"])
    assert ballots.tally(store, store.get_ballot("local", ballot_id)) == {"A": 2, "B": 0, "tie": 1, "bad": 0}

    at.run()
    assert at.metric[0].value == "3"
    at.button(key="ballot_reveal").click().run()
    assert not at.exception
    answers = store.get_ballot("local", ballot_id).answers
    shown = [m.value.replace("\\", "") for m in at.markdown]
    assert f"**{answers[0]['meta']['model']}**" in shown and "**2** votes · 66.7%" in shown
    assert any("credits" in m.value.lower() for m in at.markdown)
    assert "Tie: 1 · Both bad: 0" in [c.value for c in at.caption]
    assert {(v.source, v.outcome) for v in store.list_votes("local")} == {("audience", "A"), ("audience", "tie")}

    late = phone(app_secrets, token)
    assert any("models have been revealed" in w.value for w in late.warning)
    assert not [b for b in late.button if b.key and b.key.startswith("ballot_vote_")]
    assert any(answers[0]["meta"]["model"] in m.value.replace("\\", "") for m in late.markdown)


def test_guessed_and_malformed_links_are_refused(app_secrets):
    presenting_comparison(app_secrets)
    for guess in ("A" * 22, "not-a-token", "<script>"):
        at = phone(app_secrets, guess)
        assert not at.exception and any("not valid" in e.value for e in at.warning)
        assert not at.button


def test_leaving_the_slide_closes_its_vote(app_secrets):
    at = presenting_comparison(app_secrets, turns=2)
    ballot_id, token = open_vote(at)
    at.button(key="present_next").click().run()
    store = Store(app_secrets["store"]["url"])
    assert store.get_ballot("local", ballot_id).closed_at is not None
    closed = phone(app_secrets, token)
    assert any("closed" in w.value for w in closed.warning) and not closed.button
    assert store.list_votes("local") == []
    at.button(key="present_prev").click().run()  # back on the slide: closed, can still be revealed
    assert at.metric[0].value == "0" and any(b.key == "ballot_reveal" for b in at.button)


def test_ballot_page_speaks_the_phones_language(app_secrets):
    at = presenting_comparison(app_secrets)
    _, token = open_vote(at)
    voter = phone(app_secrets, token)
    voter.segmented_control(key="share_lang").set_value("zh").run()
    assert [b.label for b in voter.button] == ["A 更好", "B 更好", "平局", "都不好"]


def test_a_reloaded_projector_shows_the_qr_code_again(app_secrets):
    at = presenting_comparison(app_secrets)
    _, token = open_vote(at)
    reloaded = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    reloaded.secrets.update(app_secrets)
    for name, value in (("present", "1"), ("vote", token)):
        reloaded.query_params[name] = value
    reloaded.run()
    assert not reloaded.exception and any(token in c.value for c in reloaded.code)
    forged = AppTest.from_file(APPTEST_ENTRY, default_timeout=30)
    forged.secrets.update(app_secrets)
    for name, value in (("present", "1"), ("vote", "B" * 22)):
        forged.query_params[name] = value
    forged.run()
    assert not forged.code and any("tab that opened it" in c.value for c in forged.caption)


def test_a_database_failure_on_a_phone_is_a_message_not_a_traceback(app_secrets):
    at = presenting_comparison(app_secrets)
    _, token = open_vote(at)
    voter = phone(app_secrets, token)
    engine = Store(app_secrets["store"]["url"]).engine
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE votes")  # the phone's vote check now fails in the database
    voter.run()
    assert not voter.exception
    assert any("database" in e.value.lower() for e in voter.error)
