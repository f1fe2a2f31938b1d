"""The Leaderboard page's building blocks: whose votes (the team's totals, or the user's own;
admins see every vote with its voter and prompt), the filters, the standings with their 95%
intervals, a chart, the votes themselves and the CSV exports. The arithmetic is lib/sharing/votes.py.

A user sees the team's votes only as totals: no teammate's prompt or name reaches their page, so
the prompt and voter filters apply to their own votes (admins: to everyone's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import altair as alt
import pandas as pd
import streamlit as st

from lib.i18n import key_family
from lib.sharing import votes
from lib.store import Store, TeamVote, VoteRecord
from lib.ui.session import current_user, is_admin, labels, tr

TEAM, MINE = "team", "mine"
SCOPE_KEY = key_family("board.scope", (TEAM, MINE))
SOURCE_KEY = key_family("board.source", votes.SOURCES)
OUTCOME_KEY = key_family("board.outcome", votes.OUTCOMES)


def load_votes(store: Store, scope: str) -> list[votes.Vote]:
    user = current_user()
    records: Sequence[VoteRecord | TeamVote]
    if scope == MINE:
        records = store.list_votes(user)
    else:
        records = store.admin_votes() if is_admin() else store.team_votes()
    return [votes.from_record(r) for r in records]


def scope_control() -> str:
    return st.segmented_control(
        tr("board.scope"), (TEAM, MINE), default=TEAM, required=True, key="board_scope", format_func=labels(SCOPE_KEY)
    )


def filter_controls(all_votes: list[votes.Vote], scope: str) -> votes.VoteFilter:
    """Dates, sources, prompt and (admins, or one's own ballots) voters; a teammate's prompt is
    never searched for a user who is not an admin."""
    today = datetime.now(UTC).date()
    first = min((v.created_at.date() for v in all_votes if v.created_at), default=today)
    detailed = scope == MINE or is_admin()
    dates_col, sources_col, prompt_col = st.columns([2, 2, 3], vertical_alignment="bottom")
    picked = dates_col.date_input(
        tr("board.dates"), value=(first, today), key=f"board_dates_{scope}", help=tr("board.dates_help")
    )
    start, end = (picked[0], picked[-1]) if picked else (None, None)  # mid-pick: the first date only
    sources = sources_col.multiselect(
        tr("board.sources"),
        votes.SOURCES,
        key="board_sources",
        format_func=labels(SOURCE_KEY),
        placeholder=tr("board.any"),
    )
    prompt = prompt_col.text_input(
        tr("board.prompt"),
        key=f"board_prompt_{scope}",
        disabled=not detailed,
        placeholder=tr("board.prompt_placeholder"),
        help=None if detailed else tr("board.prompt_private"),
    )
    voters: list[str] = []
    if detailed:
        choices = sorted({v.voter for v in all_votes if v.source == votes.USER})
        if is_admin() and len(choices) > 1:
            voters = st.multiselect(tr("board.voters"), choices, key="board_voters", placeholder=tr("board.any"))
    return votes.VoteFilter(
        start=_as_date(start),
        end=_as_date(end),
        prompt=prompt if detailed else "",
        sources=tuple(sources),
        voters=tuple(voters),
    )


def _as_date(value) -> date | None:
    return value if isinstance(value, date) else None


@st.cache_data(max_entries=32, show_spinner=False)
def _standings(judged: tuple[tuple[tuple[str, ...], str], ...]) -> list[votes.Standing]:
    """The bootstrap refits the ratings 200 times: cached by the votes it counts."""
    return votes.standings([votes.Vote(models, outcome) for models, outcome in judged])


def standings_of(selected: list[votes.Vote]) -> list[votes.Standing]:
    return _standings(tuple((v.models, v.outcome) for v in selected))


def cards(selected: list[votes.Vote], store: Store) -> None:
    user = current_user()
    mine = sum(1 for r in store.list_votes(user) if r.voter == user)
    with st.container(horizontal=True, key="board_cards"):
        st.metric(tr("board.counted"), len(selected), border=True)
        st.metric(tr("board.my_votes"), mine, border=True)
        st.metric(tr("board.team_votes"), len(store.team_votes()), border=True)


def standings_table(board: list[votes.Standing]) -> None:
    frame = pd.DataFrame(
        [
            {
                "model": s.model,
                "rating": s.rating,
                "interval": _interval(s),
                "votes": s.votes,
                "win_rate": None if s.win_rate is None else s.win_rate * 100,
                "wins": s.wins,
                "losses": s.losses,
                "ties": s.ties,
                "thumbs_up": s.thumbs_up,
                "thumbs_down": s.thumbs_down,
            }
            for s in board
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="board_table",
        column_config={
            "model": st.column_config.TextColumn(tr("board.col.model")),
            "rating": st.column_config.NumberColumn(
                tr("board.col.rating"), format="%.0f", help=tr("board.rating_help")
            ),
            "interval": st.column_config.TextColumn(tr("board.col.interval"), help=tr("board.interval_help")),
            "votes": st.column_config.NumberColumn(tr("board.col.votes")),
            "win_rate": st.column_config.ProgressColumn(
                tr("board.col.win_rate"), format="%.0f%%", min_value=0, max_value=100
            ),
            "wins": st.column_config.NumberColumn(tr("board.col.wins")),
            "losses": st.column_config.NumberColumn(tr("board.col.losses")),
            "ties": st.column_config.NumberColumn(tr("board.col.ties"), help=tr("board.ties_help")),
            "thumbs_up": st.column_config.NumberColumn(tr("board.col.thumbs_up")),
            "thumbs_down": st.column_config.NumberColumn(tr("board.col.thumbs_down")),
        },
    )


def _interval(standing: votes.Standing) -> str:
    if standing.low is None or standing.high is None:
        return "—"
    return f"{standing.low:.0f} – {standing.high:.0f}"


def ratings_chart(board: list[votes.Standing]) -> None:
    """Each rated model's rating as a dot on its 95% interval."""
    rated = pd.DataFrame(
        [
            {
                "model": s.model,
                "rating": s.rating,
                "low": s.low if s.low is not None else s.rating,
                "high": s.high if s.high is not None else s.rating,
            }
            for s in board
            if s.rating is not None
        ]
    )
    if len(rated) < 2:
        return
    order = list(rated["model"])
    y = alt.Y("model:N", sort=order, title=None)
    rule = (
        alt.Chart(rated)
        .mark_rule(strokeWidth=2)
        .encode(y=y, x=alt.X("low:Q", title=tr("board.col.rating"), scale=alt.Scale(zero=False)), x2="high:Q")
    )
    dot = (
        alt.Chart(rated)
        .mark_circle(size=90)
        .encode(
            y=y,
            x="rating:Q",
            tooltip=[
                alt.Tooltip("model:N", title=tr("board.col.model")),
                alt.Tooltip("rating:Q", format=".0f", title=tr("board.col.rating")),
                alt.Tooltip("low:Q", format=".0f"),
                alt.Tooltip("high:Q", format=".0f"),
            ],
        )
    )
    st.altair_chart((rule + dot).properties(height=40 * len(rated) + 40), width="stretch")


def votes_table(selected: list[votes.Vote], show_voters: bool) -> None:
    rows = [votes.vote_row(v) for v in reversed(selected)]
    frame = pd.DataFrame(rows, columns=votes.VOTE_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["source"] = frame["source"].map(lambda s: tr(SOURCE_KEY(s)))
    frame["outcome"] = frame["outcome"].map(lambda o: tr(OUTCOME_KEY(o)))
    if not show_voters:
        frame = frame.drop(columns=["voter"])
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="board_votes",
        column_config={
            "created_at": st.column_config.DatetimeColumn(tr("board.col.time"), format="YYYY-MM-DD HH:mm"),
            "source": tr("board.col.source"),
            "voter": tr("board.col.voter"),
            "model_a": tr("vote.model_letter", letter="A"),
            "model_b": tr("vote.model_letter", letter="B"),
            "model_c": tr("vote.model_letter", letter="C"),
            "outcome": tr("board.col.outcome"),
            "winner": tr("board.col.winner"),
            "prompt": tr("board.col.prompt"),
        },
    )


def exports(board: list[votes.Standing], selected: list[votes.Vote], with_votes: bool) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    with st.container(horizontal=True):
        st.download_button(
            tr("board.export"),
            icon=":material/download:",
            key="board_export",
            data=votes.to_csv([votes.standing_row(s) for s in board], votes.STANDING_COLUMNS),
            file_name=f"leaderboard-{stamp}.csv",
            mime="text/csv",
            disabled=not board,
        )
        if with_votes:
            st.download_button(
                tr("board.export_votes"),
                icon=":material/download:",
                key="board_export_votes",
                data=votes.to_csv([votes.vote_row(v) for v in selected], votes.VOTE_COLUMNS),
                file_name=f"votes-{stamp}.csv",
                mime="text/csv",
                disabled=not selected,
            )
