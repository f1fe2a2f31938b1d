"""Images: a prompt, 1 to 4 images generated at once, and this user's gallery."""

from functools import partial

import streamlit as st

from lib.credits.pricing import IMAGES
from lib.media import images
from lib.prompts.limits import prompt_problem
from lib.ui import state
from lib.ui.connection import get_client
from lib.ui.credits.budget import confirm_within_budget
from lib.ui.media.images import gallery, generate_batch, prompt_form, show_failures
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.state.media import ImagesPage

store, user, client = get_store(), current_user(), get_client()

st.title(tr("images.title"))
st.caption(tr("images.intro"))
page = state.of(ImagesPage)
prompt, count, clicked = prompt_form(client)
if clicked:
    problem = prompt_problem(IMAGES, prompt)
    if problem:
        st.warning(tr(problem), icon=":material/warning:")
    else:
        page.asked = (prompt, count)
asked = page.asked
cancel = partial(setattr, page, "asked", None)
if asked and confirm_within_budget(images.estimate_credits(client, asked[1]), key="images", on_cancel=cancel):
    page.asked = None
    generate_batch(store, user, client, *asked)
show_failures(store, user, client)
st.divider()
gallery(store, user, client)
