"""Leaderboard: per model, votes, win rate and a Bradley-Terry rating with its 95% interval,
from blind comparisons, thumbs and audience ballots; filters; CSV export."""

import streamlit as st

from lib.sharing import votes
from lib.ui.resources import get_store
from lib.ui.session import current_user, is_admin, tr
from lib.ui.sharing.leaderboard import (
    MINE,
    cards,
    exports,
    filter_controls,
    load_votes,
    ratings_chart,
    scope_control,
    standings_of,
    standings_table,
    votes_table,
)

store, user = get_store(), current_user()
st.title(tr("board.title"))
st.caption(tr("board.intro") + (" " + tr("board.intro_admin") if is_admin() else ""))
scope = scope_control()
all_votes = load_votes(store, scope)
selected = votes.filtered(all_votes, filter_controls(all_votes, scope))
cards(selected, store)
board = standings_of(selected)
if not board:
    st.info(tr("board.empty"), icon=":material/leaderboard:")
else:
    standings_table(board)
    ratings_chart(board)
detailed = scope == MINE or is_admin()
if detailed and selected:
    st.subheader(tr("board.votes"))
    votes_table(selected, show_voters=is_admin() or scope == MINE)
exports(board, selected, with_votes=detailed)
