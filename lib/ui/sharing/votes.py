"""Votes on the Chat page: the Blind switch, a blind comparison's "Model A/B/C" columns and its
vote buttons, and thumbs on a single reply.

A blind comparison's replies keep `blind` and `blind_slot` (where each is shown) in their meta;
until the user votes, its columns show a letter and the answer only: no model, price or figure.
The vote is a row in the store (`lib/store/votes.py`, one per comparison: a second click in
another tab counts nothing) and its outcome is copied into each reply's meta as `verdict`, so
drawing the history needs no query; a verdict there reveals names and figures. A thumb is kept
the same way (`thumb`), and clicking it again takes it back.

With tools, each step of the chains is a group of its own after the question's: a column keeps
its letter (`blind_slot`) through its chain, and the turn is voted on once, under its last
step when no chain goes on; the vote is on the question's group and reveals every step.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lib.chat import tools
from lib.i18n import key_family
from lib.sharing import votes
from lib.store import Message, Store
from lib.ui.session import tr

VERDICT, THUMB = "verdict", "thumb"
BLIND_TOGGLE_KEY = "blind"
VERDICT_KEY = key_family("vote.verdict", votes.COMPARISON_OUTCOMES)
OUTCOME_KEY = key_family("vote.outcome", votes.COMPARISON_OUTCOMES)
THUMB_KEY = key_family("vote.thumb", votes.THUMBS)


def blind_slots_for(history: list[Message], columns: list[int], count: int) -> list[int]:
    """Where each stream of a blind send is shown: a fresh shuffle for a question, the columns'
    own slots for a chain going on after tool results."""
    if history and history[-1].role == "tool":
        return votes.continued_slots(tools.latest_replies(history), columns)
    return votes.blind_slots(count)


def blind_toggle(container, settings: dict, widget: str, keep_setting) -> None:
    """The Compare row's "Blind" switch: the next comparisons come as Model A/B/C."""
    key = f"{widget}_blind"
    settings["blind"] = container.toggle(
        tr("vote.blind"),
        value=settings.get("blind", False),
        key=key,
        help=tr("vote.blind_help"),
        on_change=keep_setting,
        args=(settings, "blind", key),
    )


# ---------------------------------------------------------------- streaming


def blind_meta(slots: list[int] | None, index: int) -> dict:
    return {"blind": True, "blind_slot": slots[index]} if slots else {}


def blind_reply_boxes(slots: list[int]) -> list:
    """The streaming columns of a blind comparison, headed by letters in shuffled order: the
    box of stream `i` sits under the letter of `slots[i]` (the columns of a chain's later step,
    only those that go on, in their letters' order)."""
    order = sorted(slots)
    columns = st.columns(len(slots), border=True)
    for slot, column in zip(order, columns):
        column.markdown(f"**{tr('vote.model_letter', letter=votes.letter(slot))}**")
    return [columns[order.index(slot)].empty() for slot in slots]


# ---------------------------------------------------------------- a stored comparison


def is_blind(group: list[Message]) -> bool:
    return any((m.meta or {}).get("blind") for m in group)


def hidden(group: list[Message]) -> bool:
    """Blind and not voted on yet: names and figures stay hidden."""
    return is_blind(group) and not any((m.meta or {}).get(VERDICT) for m in group)


def shown_order(group: list[Message]) -> list[Message]:
    """A blind comparison in its shuffled order (A, B, C); any other in its models' order."""
    if not is_blind(group):
        return group
    return sorted(group, key=lambda m: (m.meta or {}).get("blind_slot", (m.meta or {}).get("column", 0)))


def column_heading(message: Message, number: int, group: list[Message]) -> str:
    """ "Model A" while hidden, "A · model" once revealed, the model alone when not blind."""
    model = str((message.meta or {}).get("model") or "")
    if not is_blind(group):
        return model
    letter = tr("vote.model_letter", letter=votes.letter((message.meta or {}).get("blind_slot", number)))
    return letter if hidden(group) else f"{letter} · {model}"


def vote_buttons(store: Store, user: str, shown: list[Message], revealing: Sequence[int] = ()) -> None:
    """A better, B better (C better), tie, all bad: the vote that reveals the names (of
    `shown`, the question's group, and of the `revealing` replies, its chains' later steps)."""
    group_id = (shown[0].meta or {}).get("compare_group")
    outcomes = (*votes.LETTERS[: len(shown)], votes.TIE, votes.BAD)
    st.caption(tr("vote.ask"))
    with st.container(horizontal=True, gap="small", key=f"blind_vote_{group_id}"):
        for outcome in outcomes:
            st.button(
                tr(OUTCOME_KEY(outcome)),
                key=f"blind_vote_{group_id}_{outcome}",
                icon=":material/how_to_vote:" if outcome in votes.LETTERS else None,
                on_click=_cast_blind_vote,
                args=(store, user, [m.id for m in shown], outcome, list(revealing)),
            )


def verdict_note(shown: list[Message]) -> None:
    """What the user voted, once revealed."""
    verdict = next(((m.meta or {}).get(VERDICT) for m in shown if (m.meta or {}).get(VERDICT)), None)
    if verdict in votes.COMPARISON_OUTCOMES:
        st.caption(":material/how_to_vote: " + tr(VERDICT_KEY(verdict)))


def _cast_blind_vote(
    store: Store, user: str, shown_ids: list[int], outcome: str, revealing: Sequence[int] = ()
) -> None:
    by_id = {m.id: m for m in _messages(store, user, shown_ids)}
    shown = [by_id[i] for i in shown_ids if i in by_id]
    if len(shown) != len(shown_ids):
        return  # deleted meanwhile (another tab): nothing to vote on
    group_id = (shown[0].meta or {})["compare_group"]  # the buttons are drawn under a comparison only
    subject = votes.compare_subject(group_id)
    stored = store.add_vote(
        user,
        voter=user,
        source=votes.USER,
        subject=subject,
        models=[str((m.meta or {}).get("model") or "") for m in shown],
        outcome=outcome,
        prompt=_question(store, user, shown[0].conversation_id, group_id),
    )
    vote = stored or store.vote_on(user, subject)  # voted in another tab: that vote stands
    if vote is None:
        return  # neither stored nor found: the store refused it, and nothing is revealed
    verdict = vote.outcome
    for message in [*shown, *_messages(store, user, [i for i in revealing if i not in shown_ids])]:
        store.update_message(user, message.id, meta={**(message.meta or {}), VERDICT: verdict})
    st.toast(tr("vote.revealed"), icon=":material/visibility:")


# ---------------------------------------------------------------- thumbs


def thumb_buttons(store: Store, user: str, message: Message, row) -> None:
    """Thumbs up and down on a single reply; the one given is highlighted."""
    given = (message.meta or {}).get(THUMB)
    for outcome, icon in ((votes.UP, ":material/thumb_up:"), (votes.DOWN, ":material/thumb_down:")):
        row.button(
            "",
            icon=icon,
            type="primary" if given == outcome else "tertiary",
            key=f"chat_thumb_{outcome}_{message.id}",
            help=tr(THUMB_KEY(outcome)),
            on_click=_thumb,
            args=(store, user, message.id, outcome),
        )


def _thumb(store: Store, user: str, message_id: int, outcome: str) -> None:
    found = _messages(store, user, [message_id])
    if not found:
        return
    message, subject = found[0], votes.reply_subject(message_id)
    meta = dict(message.meta or {})
    store.withdraw_vote(user, subject)
    if meta.pop(THUMB, None) != outcome:
        store.add_vote(
            user,
            voter=user,
            source=votes.USER,
            subject=subject,
            models=[str(meta.get("model") or "")],
            outcome=outcome,
            prompt=_question(store, user, message.conversation_id, message_id),
        )
        meta[THUMB] = outcome
    store.update_message(user, message.id, meta=meta)


# ---------------------------------------------------------------- lookups


def _messages(store: Store, user: str, ids: list[int]) -> list[Message]:
    """The user's messages of these ids that still exist (another tab may have deleted some)."""
    return [m for m in (store.get_message(user, i) for i in ids) if m is not None]


def _question(store: Store, user: str, conversation_id: int, before_id: int) -> str:
    """The prompt a vote judged: the last user message up to `before_id`."""
    asked = [m for m in store.list_messages(user, conversation_id) if m.role == "user" and m.id <= before_id]
    return asked[-1].content[: votes.MAX_PROMPT_CHARS] if asked else ""
