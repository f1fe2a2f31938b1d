"""The Chat page on a phone (390 px wide): the header's actions (Present, Prompts, View code,
Export) in one menu beside the title, the model and its settings in one row, so the
conversation starts in the first screen; and the sidebar folded after "New chat" or a
conversation is opened from it, and after a page change, as it is when a page opens.

Streamlit stacks columns below 640 px and keeps a sidebar open until it is folded by hand: the
layout is a style for narrow screens only (the wide page is untouched), and the folding is a
script drawn once after such a click, which clicks the sidebar's own fold button when the
screen is narrow (Streamlit's frontend overlays the sidebar there).

The menu is the header's own columns, shown as a list under its button only while it is open:
Prompts and Export are popovers, and Streamlit cannot put a popover inside a popover. The
server knows no screen width, so the button is drawn always and the wide style hides it.
"""

from __future__ import annotations

import streamlit as st

from lib.ui import state
from lib.ui.session import tr
from lib.ui.state.shell import PhoneLayout

NARROW_PX = 640  # Streamlit's own breakpoint for stacking columns
OVERLAY_PX = 768  # below this the sidebar covers the page

# Rows are found by a widget they hold (its key's class): the header holds the menu button,
# the settings row the model list's refresh button. A settings button's words are hidden from
# sight only: a screen reader (and a test) still reads its name.
_HEADER = '.stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_menu)'
_STYLE = f"""<style>
@media (min-width: {NARROW_PX + 1}px) {{
  {_HEADER} > [data-testid="stColumn"]:has(.st-key-chat_menu) {{ display: none; }} }}
@media (max-width: {NARROW_PX}px) {{
  {_HEADER} {{ flex-flow: row wrap; gap: 0.35rem 0.5rem !important; align-items: center; }}
  {_HEADER} > [data-testid="stColumn"] {{ flex: 1 0 100% !important; width: 100% !important; order: 2; }}
  {_HEADER} > [data-testid="stColumn"]:first-child {{ flex: 1 1 0 !important; min-width: 0 !important; order: 0; }}
  {_HEADER} > [data-testid="stColumn"]:has(.st-key-chat_menu) {{
    flex: 0 0 auto !important; width: auto !important; min-width: 0 !important; order: 1; }}
  {_HEADER} h3 {{ font-size: 1.2rem; padding: 0.25rem 0 0; margin: 0; line-height: 1.3; }}
  {_HEADER} > [data-testid="stColumn"]:not(:first-child):not(:has(.st-key-chat_menu)) button {{
    justify-content: flex-start; }}
  .stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_refresh_models) button [data-testid="stMarkdownContainer"] {{
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }}
  .stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_refresh_models) button {{
    min-height: 2.25rem; padding: 0.25rem 0.6rem; width: auto; }}
  .stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_refresh_models) {{
    flex-flow: row wrap; gap: 0.5rem 0.4rem !important; align-items: center; }}
  .stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_refresh_models) > [data-testid="stColumn"] {{
    width: auto !important; flex: 0 0 auto !important; min-width: 0 !important; }}
  .stMain [data-testid="stHorizontalBlock"]:has(.st-key-chat_refresh_models) > [data-testid="stColumn"]:first-child {{
    flex: 1 0 100% !important; }}
}}
</style>"""
# While the menu is closed, the header shows only the title and the menu's button.
_MENU_CLOSED = f"""<style>
@media (max-width: {NARROW_PX}px) {{
  {_HEADER} > [data-testid="stColumn"]:not(:first-child):not(:has(.st-key-chat_menu)) {{ display: none; }} }}
</style>"""

_FOLD_SCRIPT = """<script>/* fold COUNT */
(() => {
  const page = window.frameElement ? window.parent : window;
  if (!page.matchMedia("(max-width: OVERLAYpx)").matches) return;
  const fold = page.document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (fold) fold.click();
})();
</script>"""


def fold_sidebar_on_phone() -> None:
    """For a callback of a sidebar click: the run it starts folds the sidebar on a phone."""
    state.of(PhoneLayout).folds_asked += 1


def phone_chat_layout() -> None:
    """The Chat page's narrow-screen style."""
    st.html(_STYLE + ("" if state.of(PhoneLayout).menu_open else _MENU_CLOSED))


def header_menu_button(container) -> None:
    """The phone header's one menu: a click opens or closes the list of its actions."""
    layout = state.of(PhoneLayout)
    container.button(
        tr("chat.menu"),
        key="chat_menu",
        icon=":material/close:" if layout.menu_open else ":material/more_vert:",
        help=tr("chat.menu_help"),
        on_click=_flip_menu,
        args=(layout,),
    )


def _flip_menu(layout: PhoneLayout) -> None:
    layout.menu_open = not layout.menu_open


def fold_sidebar_when_asked(url_path: str) -> None:
    """In the sidebar, on every run of a signed-in page (app.py): after a page change, or a
    click that asked for it, a script folds the sidebar if the screen is a phone's."""
    layout = state.of(PhoneLayout)
    if layout.last_page not in (None, url_path):
        fold_sidebar_on_phone()
    layout.last_page = url_path
    count = layout.folds_asked
    if count and layout.folds_done != count:
        layout.folds_done = count
        script = _FOLD_SCRIPT.replace("COUNT", str(count)).replace("OVERLAY", str(OVERLAY_PX - 0.02))
        st.sidebar.html(script, unsafe_allow_javascript=True)
