"""Reshi Playground: the router. Login first, then the shared sidebar, then the chosen page."""
import streamlit as st

from lib.ui.auth import authenticate, signed_in
from lib.ui.budget import render_budget_banner
from lib.ui.resources import log_api_calls, release_closed_sessions
from lib.ui.session import PAGES_DIR, tr
from lib.ui.sidebar import remember_language, render_sidebar

st.set_page_config(page_title="Reshi Playground", page_icon=":material/science:", layout="wide")
log_api_calls()
release_closed_sessions()

authenticator = authenticate()
if signed_in():
    remember_language()

PAGES = [
    st.Page(PAGES_DIR / "chat.py", title=tr("nav.chat"), icon=":material/chat:", url_path="chat", default=True),
    st.Page(PAGES_DIR / "images.py", title=tr("nav.images"), icon=":material/image:", url_path="images"),
    st.Page(PAGES_DIR / "video.py", title=tr("nav.video"), icon=":material/movie:", url_path="video"),
    st.Page(PAGES_DIR / "upload.py", title=tr("nav.upload"), icon=":material/cloud_upload:", url_path="upload"),
    st.Page(PAGES_DIR / "usage.py", title=tr("nav.usage"), icon=":material/query_stats:", url_path="usage"),
]
page = st.navigation(PAGES, position="sidebar" if signed_in() else "hidden")
if not signed_in():
    st.stop()
render_sidebar(authenticator)
render_budget_banner()
page.run()
