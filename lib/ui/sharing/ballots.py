"""Audience ballots on screen: the presenter's panel on a comparison slide (open a vote, its QR
code and short link, the live count, Reveal, Close) and the phone's ballot page (`?ballot=`),
which app.py routes to before any login, with nothing else of the owner's on it.

The rules (tokens, one vote per browser, the flood limit, refusals) are lib/sharing/ballots.py. The
presenter's URL keeps the open ballot's token (only its hash is stored), so the QR code is shown
by the tab that opened the vote, after a reload too; leaving the slide or the presentation
closes it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import segno
import streamlit as st

from lib import formats
from lib.accounts.auth import wait_seconds
from lib.i18n import key_family
from lib.safe_text import images_as_links, markdown_literal
from lib.sharing import ballots, shares, votes
from lib.sharing.ballots import BallotState, Refusal
from lib.sharing.presentation import Reply, Slide
from lib.store import Ballot, Store, utcnow
from lib.ui import state
from lib.ui.auth import write_cookie
from lib.ui.resources import get_store
from lib.ui.session import current_lang, current_user, labels, tr
from lib.ui.state.shares import BALLOT_DURATION, BallotPhone
from lib.ui.store_status import store_errors_as_messages

# The presenter's URL keeps the open vote's token (`&vote=`), so a reloaded projector shows its
# QR code again; the token is on the screen anyway, and only its hash is stored.
VOTE_PARAM = "vote"
LIVE_SECONDS = 2  # how often the projector's count and the phone's wait refresh
REFUSAL_KEY = key_family("ballot.refused", ballots.REFUSALS)
DURATION_KEY = key_family("ballot.duration", ballots.DURATIONS)
OUTCOME_KEY = key_family("vote.outcome", votes.COMPARISON_OUTCOMES)
STATE_KEY = key_family("ballot.state", [s.value for s in BallotState if s is not BallotState.OPEN])

# The phone's page: no header, toolbar or sidebar; answers readable at 390 px.
_PHONE_STYLE = """<style>
header[data-testid="stHeader"], section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"] { display: none; }
.stMain .block-container { max-width: 720px; padding: 0.75rem 1rem 2.5rem; }
.st-key-ballot_choices button { width: 100%; min-height: 3rem; font-size: 1.05rem; }
</style>"""


# ---------------------------------------------------------------- the presenter's side


def ballot_of(store: Store, user: str, slide: Slide) -> Ballot | None:
    return store.latest_ballot(user, ballots.subject_of(slide.question_id)) if slide.question_id else None


def comparison_slide(slide: Slide, draw_reply: Callable[[Reply, int], None]) -> bool:
    """Draw a comparison slide that has a ballot (its answers in ballot order, as letters until
    the reveal, then with their models and figures); False when it has none, for the caller to
    draw it as usual. `draw_reply` draws a revealed answer as the presentation does."""
    store, user = get_store(), current_user()
    ballot = ballot_of(store, user, slide)
    if ballot is None:
        return False
    revealed = ballot.revealed_at is not None
    tally = ballots.tally(store, ballot) if revealed else {}
    total = sum(tally.values())
    with st.chat_message("assistant"):
        columns = st.columns(len(ballot.answers), border=True)
        for number, (column, answer) in enumerate(zip(columns, ballot.answers)):
            letter = votes.letter(number)
            with column, st.container(key=f"ballot_answer_{letter}"):
                st.markdown(f"### {tr('ballot.answer', letter=letter)}")
                if revealed:
                    st.markdown(tr("ballot.votes_for", count=tally[letter], share=_share(tally[letter], total)))
                    draw_reply(Reply(answer["content"], answer["meta"]), number)
                else:
                    st.markdown(images_as_links(answer["content"]))
    return True


def _share(count: int, total: int) -> str:
    return formats.percent(count / total, current_lang()) if total else "—"


def presenter_panel(slide: Slide) -> None:
    """Under a comparison slide: open a vote, or the open vote's QR code, link and live count."""
    if not slide.is_comparison or not slide.question_id:
        return
    store, user = get_store(), current_user()
    ballot = ballot_of(store, user, slide)
    if ballot is None:
        _opener(slide)
    else:
        _live_panel(ballot.id)


def _opener(slide: Slide) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom", key="ballot_opener"):
        st.segmented_control(
            tr("ballot.duration"),
            tuple(ballots.DURATIONS),
            default=ballots.DEFAULT_DURATION,
            required=True,
            key=BALLOT_DURATION.key,
            format_func=labels(DURATION_KEY),
        )
        st.button(
            tr("ballot.open"),
            icon=":material/how_to_vote:",
            type="primary",
            key="ballot_open",
            help=tr("ballot.open_help"),
            on_click=_open,
            args=(slide,),
        )


def _open(slide: Slide) -> None:
    if not slide.question_id:
        return  # the opener is drawn only under a slide with a question
    store, user = get_store(), current_user()
    close_presenter_ballots()  # one vote at a time: any other slide's closes
    token, _ballot = ballots.open_ballot(
        store,
        user,
        slide,
        ballots.subject_of(slide.question_id),
        BALLOT_DURATION.value() or ballots.DEFAULT_DURATION,
    )
    st.query_params[VOTE_PARAM] = token


@st.fragment(run_every=timedelta(seconds=LIVE_SECONDS))
@store_errors_as_messages()
def _live_panel(ballot_id: int) -> None:
    """The QR code, the link, the count (live) and Reveal; a count only, no split, until the reveal."""
    store, user = get_store(), current_user()
    ballot = store.get_ballot(user, ballot_id)
    if ballot is None:
        return
    ballot_state, count = ballots.state_of(ballot, utcnow()), sum(store.ballot_tally(ballot.id).values())
    token = _presenter_token(ballot)
    with st.container(horizontal=True, vertical_alignment="center", key="ballot_panel", gap="large"):
        if ballot_state is BallotState.OPEN and token:
            link = ballots.ballot_link(st.context.url, token)
            st.image(qr_png(link), width=220)
            with st.container(width="content"):
                st.markdown(tr("ballot.scan"))
                st.code(link, language=None, wrap_lines=True)
        with st.container(width="content"):
            with st.container(key="ballot_count"):
                st.metric(tr("ballot.count_label"), count)
            st.caption(_state_text(ballot, ballot_state, token))
            if ballot.revealed_at is not None:
                tally = ballots.tally(store, ballot)
                st.caption(" · ".join(f"{tr(OUTCOME_KEY(o))}: {tally[o]}" for o in (votes.TIE, votes.BAD)))
            with st.container(horizontal=True):
                if ballot.revealed_at is None:
                    st.button(
                        tr("ballot.reveal"),
                        icon=":material/visibility:",
                        type="primary",
                        key="ballot_reveal",
                        on_click=_reveal,
                        args=(ballot.id,),
                    )
                if ballot_state is BallotState.OPEN:
                    st.button(
                        tr("ballot.close"),
                        icon=":material/block:",
                        key="ballot_close",
                        on_click=_close,
                        args=(ballot.id,),
                    )


def _close(ballot_id: int) -> None:
    get_store().close_ballot(current_user(), ballot_id)


def _state_text(ballot: Ballot, ballot_state: BallotState, token: str | None) -> str:
    if ballot_state is BallotState.OPEN and not token:
        return tr("ballot.link_elsewhere")
    if ballot_state is BallotState.OPEN:
        minutes, seconds = divmod(math.ceil(max(0.0, (ballot.closes_at - utcnow()).total_seconds())), 60)
        return tr("ballot.closes_in", time=f"{minutes}:{seconds:02d}")
    return tr(STATE_KEY(ballot_state.value))


def _reveal(ballot_id: int) -> None:
    get_store().reveal_ballot(current_user(), ballot_id)
    st.rerun(scope="app")  # the slide above the panel redraws with the names


def _presenter_token(ballot: Ballot) -> str | None:
    """The token in the presenter's URL, if it is this ballot's."""
    token = st.query_params.get(VOTE_PARAM)
    found = shares.find_by_token(token or "", lambda digest: ballot if digest == ballot.token_hash else None)
    return token if found is not None else None


def close_presenter_ballots() -> None:
    """Leaving a slide or the presentation closes the vote this tab opened."""
    token = st.query_params.pop(VOTE_PARAM, None)
    store = get_store()
    ballot = shares.find_by_token(token or "", store.ballot_by_token_hash)
    if ballot is not None:
        store.close_ballot(current_user(), ballot.id)  # the owner's only: a pasted link closes nothing


def qr_png(link: str) -> bytes:
    """The link as a QR code, made here (segno): no image service sees the link."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


# ---------------------------------------------------------------- the phone's side


def ballot_token() -> str | None:
    return st.query_params.get(ballots.QUERY_PARAM)


def ballot_page() -> st.Page:
    """The only page of a ballot link's session: no navigation, no login."""
    return st.Page(
        _render_ballot, title=tr("ballot.title"), icon=":material/how_to_vote:", url_path="vote", default=True
    )


def _render_ballot() -> None:
    # Imported here: the share viewer imports presentation mode, which imports this module.
    from lib.ui.sharing.viewer import guess_limit_and_client, language_switch

    st.html(_PHONE_STYLE)
    language_switch()
    token = ballot_token() or ""
    seen = state.of(BallotPhone).seen
    limit, address = guess_limit_and_client()
    opened = ballots.open_link(get_store(), token, address, limit, first_visit=token not in seen)
    seen.add(token)
    st.caption(":material/how_to_vote: " + tr("ballot.title"))
    if opened.ballot is None:
        _refused(opened.refusal, opened.wait)
        return
    _ballot(opened.ballot, address)


def _browser_id() -> str:
    """This browser's id: its cookie's, else a new one written to the cookie for a year."""
    phone = state.of(BallotPhone)
    if phone.browser_id is None:
        from_cookie = st.context.cookies.get(ballots.BROWSER_COOKIE)
        # Under AppTest there are no cookies (a mock): anything but text is no cookie.
        if isinstance(from_cookie, str) and ballots.BROWSER_ID_PATTERN.fullmatch(from_cookie) is not None:
            phone.browser_id = from_cookie
        else:
            phone.browser_id = ballots.new_browser_id()
            write_cookie(ballots.BROWSER_COOKIE, phone.browser_id, datetime.now(UTC) + timedelta(days=365))
    return phone.browser_id


def _ballot(ballot: Ballot, address: str | None) -> None:
    browser = _browser_id()
    if ballot.prompt:
        with st.container(key="ballot_prompt"):
            st.markdown(f"**{markdown_literal(ballot.prompt)}**")
    for number, answer in enumerate(ballot.answers):
        with st.container(border=True, key=f"ballot_phone_answer_{votes.letter(number)}"):
            st.markdown(f"**{tr('ballot.answer', letter=votes.letter(number))}**")
            st.markdown(images_as_links(answer["content"]))
    _phone_status(ballot.id, ballot.token_hash, browser, address)


@st.fragment(run_every=timedelta(seconds=LIVE_SECONDS * 2))
@store_errors_as_messages()
def _phone_status(ballot_id: int, token_hash: str, browser: str, address: str | None) -> None:
    """The vote buttons while the ballot is open and this browser has not voted; else what
    happened, and once the presenter reveals, which model wrote which answer."""
    store = get_store()
    ballot = store.ballot_by_token_hash(token_hash)
    if ballot is None or ballot.id != ballot_id:
        return
    phone = state.of(BallotPhone)
    ballot_state, refusal = ballots.state_of(ballot, utcnow()), phone.refusals.pop(ballot_id, None)
    if refusal:
        _refused(Refusal(refusal))
    if ballot_id in phone.voted:
        st.success(tr("ballot.thanks"), icon=":material/check_circle:")
    elif ballots.has_voted(store, ballot, browser):  # voted in an earlier visit of this browser
        _refused(Refusal.ALREADY)
    elif ballot_state is BallotState.OPEN:
        with st.container(key="ballot_choices"):
            for outcome in ballots.offered(ballot):
                st.button(
                    tr(OUTCOME_KEY(outcome)),
                    key=f"ballot_vote_{outcome}",
                    width="stretch",
                    type="primary" if outcome in votes.LETTERS else "secondary",
                    on_click=_vote,
                    args=(ballot, browser, address, outcome),
                )
    elif not refusal:
        _refused(Refusal(ballot_state.value))
    if ballot_state is BallotState.REVEALED:
        st.markdown(f"**{tr('ballot.revealed')}**")
        for number, answer in enumerate(ballot.answers):
            model = markdown_literal(str(answer["meta"].get("model") or ""))
            st.markdown(f"- {tr('ballot.answer', letter=votes.letter(number))}: **{model}**")


def _vote(ballot: Ballot, browser: str, address: str | None, outcome: str) -> None:
    refusal = ballots.cast(get_store(), ballot, browser, address, outcome)
    phone = state.of(BallotPhone)
    if refusal is None:
        phone.voted.add(ballot.id)
    else:
        phone.refusals[ballot.id] = refusal.value


def _refused(refusal: Refusal | None, wait: timedelta | None = None) -> None:
    if refusal is Refusal.LOCKED:
        st.error(
            tr("ballot.refused.locked", time=formats.duration(wait_seconds(wait or timedelta()), current_lang())),
            icon=":material/lock:",
        )
    elif refusal is not None:
        st.warning(tr(REFUSAL_KEY(refusal.value)), icon=":material/block:")
