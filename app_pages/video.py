"""Video: Sora tasks from a form, with live progress that survives a reload."""

import streamlit as st

from lib.media import videos
from lib.ui.auth import leave_if_signed_out
from lib.ui.connection import get_client
from lib.ui.media.video_form import render_form
from lib.ui.media.videos import finished_tasks, live_tasks, removal_notice
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.store_status import store_errors_as_messages

store, user = get_store(), current_user()


@st.fragment(run_every=videos.TICK_SECONDS)
@store_errors_as_messages()
def live_section() -> None:
    """The page's one timer: defined only while a task is unfinished, so it stops with the last."""
    leave_if_signed_out()
    live_tasks(store, user, get_client())


form_col, list_col = st.columns([2, 3], gap="large")
with form_col:
    st.subheader(tr("video.title"))
    st.caption(tr("video.intro"))
    render_form(store, user, get_client())
with list_col:
    removal_notice(store, user)
    if store.unfinished_video_tasks(user):
        live_section()
    if not store.list_video_tasks(user):
        st.info(tr("video.empty_state"), icon=":material/movie:")
    finished_tasks(store, user, get_client())
