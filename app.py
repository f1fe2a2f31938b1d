"""Reshi Playground: the router. A share link gets its read-only viewer and nothing else, a
ballot link its audience vote and nothing else;
otherwise login first, then presentation mode (`?present=1`) alone, or the shared sidebar and
the chosen page."""

import streamlit as st

from lib.ui.auth import authenticate, signed_in
from lib.ui.chat.phone_layout import fold_sidebar_when_asked
from lib.ui.config import settings_or_stop
from lib.ui.connection import render_quota_banner
from lib.ui.credits.budget import render_budget_banner
from lib.ui.feedback import show_carried_toasts
from lib.ui.resources import log_api_calls, open_store_or_stop, release_closed_sessions
from lib.ui.session import FAVICON, PAGES_DIR, tr
from lib.ui.sharing.ballots import ballot_page, ballot_token
from lib.ui.sharing.presentation import presentation_page, presenting
from lib.ui.sharing.viewer import share_token, shared_view_pages
from lib.ui.sidebar import remember_language, render_sidebar
from lib.ui.store_status import render_store_notices, store_errors_as_messages
from lib.ui.workbench.run import background_runs

st.set_page_config(page_title="Reshi Playground", page_icon=str(FAVICON), layout="wide")
settings_or_stop()  # secrets.toml checked before anything reads it: a bad key stops every page and link
log_api_calls()
release_closed_sessions()
open_store_or_stop()
background_runs()  # whoever comes first after a restart, the Workbench's left runs go on


def _to_chat() -> None:
    st.switch_page(PAGES_DIR / "chat.py")


def app_pages() -> list[st.Page]:
    """The pages, titled in the session's language (call after the language is known). Chat is
    the default page, at the app's root; `/chat` (typed, bookmarked) leads there, where it would
    run the root with Streamlit's "Page not found" over it (a default page's own path is not
    its address: the name "home" only keeps the two pages' ids apart)."""
    return [
        st.Page(PAGES_DIR / "chat.py", title=tr("nav.chat"), icon=":material/chat:", url_path="home", default=True),
        st.Page(_to_chat, title=tr("nav.chat"), url_path="chat", visibility="hidden"),
        st.Page(PAGES_DIR / "images.py", title=tr("nav.images"), icon=":material/image:", url_path="images"),
        st.Page(PAGES_DIR / "video.py", title=tr("nav.video"), icon=":material/movie:", url_path="video"),
        st.Page(PAGES_DIR / "upload.py", title=tr("nav.upload"), icon=":material/cloud_upload:", url_path="upload"),
        st.Page(PAGES_DIR / "prompts.py", title=tr("nav.prompts"), icon=":material/library_books:", url_path="prompts"),
        st.Page(PAGES_DIR / "workbench.py", title=tr("nav.workbench"), icon=":material/science:", url_path="workbench"),
        st.Page(
            PAGES_DIR / "leaderboard.py",
            title=tr("nav.leaderboard"),
            icon=":material/leaderboard:",
            url_path="leaderboard",
        ),
        st.Page(PAGES_DIR / "usage.py", title=tr("nav.usage"), icon=":material/query_stats:", url_path="usage"),
        st.Page(PAGES_DIR / "shares.py", title=tr("nav.shares"), icon=":material/share:", url_path="shares"),
    ]


if ballot_token() is not None:  # an audience ballot: the phone's ballot alone, signed out, no sidebar
    st.navigation([ballot_page()], position="hidden").run()
    st.stop()

if share_token() is not None:  # a share link: its read-only viewer alone, signed out, no sidebar
    st.navigation(shared_view_pages([p.url_path for p in app_pages()]), position="hidden").run()
    st.stop()

authenticator = authenticate()
if signed_in():
    remember_language()

PAGES = app_pages()
# No st.stop() between these: a stopped run leaves the previous run's sidebar on the screen.
if not signed_in():
    st.navigation(PAGES, position="hidden")
elif presenting():  # for a projector: the open conversation alone, no sidebar, no settings
    st.navigation([presentation_page()], position="hidden").run()
else:
    page = st.navigation(PAGES, position="sidebar")
    with store_errors_as_messages():
        show_carried_toasts()
        render_sidebar(authenticator, [p.url_path for p in PAGES])
        fold_sidebar_when_asked(page.url_path)
        render_budget_banner()
        render_quota_banner()
        render_store_notices()
        page.run()
