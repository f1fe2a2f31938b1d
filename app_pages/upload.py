"""Upload: images as files (several at once) or base64, checked first, and this user's uploads."""

import streamlit as st

from lib.ui.connection import get_client
from lib.ui.media.uploads import base64_form, files_form, report, uploads_list
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr

store, user, client = get_store(), current_user(), get_client()

st.title(tr("upload.title"))
st.caption(tr("upload.intro"))
files_tab, base64_tab = st.tabs([tr("upload.tab_files"), tr("upload.tab_base64")])
with files_tab:
    files_form(store, user, client)
with base64_tab:
    base64_form(store, user, client)
report()
st.divider()
uploads_list(store, user)
