"""Reshi Playground: the router. Login first, then the shared sidebar, then the chosen page."""
from pathlib import Path

import streamlit as st

from lib.ui.auth import authenticate
from lib.ui.session import tr
from lib.ui.sidebar import remember_language, render_sidebar

st.set_page_config(page_title="Reshi Playground", page_icon=":material/science:", layout="wide")

authenticator = authenticate()
remember_language()

PAGES_DIR = Path(__file__).resolve().parent / "pages"
PAGES = [
    st.Page(PAGES_DIR / "chat.py", title=tr("nav.chat"), icon=":material/chat:", url_path="chat", default=True),
]
page = st.navigation(PAGES)
render_sidebar(authenticator)
page.run()
