"""Presentation mode: the open conversation (or a share link's conversation or comparison) one
turn per slide, full-width in large type for a projector, with nothing else of the app: no
sidebar, no settings, no input, no connection.

It is a state of the URL (`?present=1&slide=N`), so a reload on the projector stays where it
was and a link can open straight into it. ← and → step through the turns, Esc leaves.
"""

from __future__ import annotations

import streamlit as st

from lib.safe_text import images_as_links, markdown_literal
from lib.sharing import presentation
from lib.sharing.presentation import QUERY_PARAM, SLIDE_PARAM, Reply, Slide
from lib.ui.chat.model_features import reply_body, thinking_block
from lib.ui.chat.stream import settle_live_reply
from lib.ui.chat.tool_calls import read_only_calls
from lib.ui.chat.view import failure_text, open_conversation_id, reply_notes
from lib.ui.resources import get_store
from lib.ui.session import current_user, tr
from lib.ui.sharing.ballots import close_presenter_ballots, comparison_slide, presenter_panel
from lib.ui.state.shares import PRESENT_THINKING, PRESENT_TOGGLE

# Large type for a room, smaller on a phone; the toolbar (menu, deploy) hidden for the audience,
# and the sidebar: after the Chat page's run, Streamlit's frontend sometimes keeps drawing it
# (empty) though this run put nothing in it.
_STYLE = """<style>
header[data-testid="stHeader"], section[data-testid="stSidebar"] { display: none; }
.stMain .block-container { max-width: 100%; padding: 1.25rem 3rem 3rem; }
.stMain [data-testid="stMarkdownContainer"] { font-size: 1.55rem; line-height: 1.5; }
.stMain [data-testid="stMarkdownContainer"] code { font-size: 0.9em; }
.stMain [data-testid="stCaptionContainer"] { font-size: 1.05rem; }
.st-key-present_question [data-testid="stMarkdownContainer"] { font-size: 1.9rem; }
.st-key-present_question p { font-weight: 600; }
.stMain [class*="st-key-present_figures"] [data-testid="stMarkdownContainer"] { font-size: 1.15rem; }
.st-key-present_bar [data-testid="stMarkdownContainer"] { font-size: 1.2rem; }
/* Code blocks set their own small size: on a projector they read like the text around them. */
.stMain pre, .stMain pre code, .stMain [data-testid="stCode"] code { font-size: 1.3rem !important; line-height: 1.45; }
@media (max-width: 640px) {
  .stMain pre, .stMain pre code, .stMain [data-testid="stCode"] code { font-size: 0.95rem !important; }
  .stMain .block-container { padding: 0.75rem 0.9rem 2rem; }
  .stMain [data-testid="stMarkdownContainer"] { font-size: 1.12rem; }
  .st-key-present_question [data-testid="stMarkdownContainer"] { font-size: 1.3rem; }
  .stMain [class*="st-key-present_figures"] [data-testid="stMarkdownContainer"] { font-size: 1rem; }
}
</style>"""


def presenting() -> bool:
    return st.query_params.get(QUERY_PARAM) == "1"


def start_presenting() -> None:
    st.query_params[QUERY_PARAM] = "1"
    st.query_params.pop(SLIDE_PARAM, None)


def stop_presenting() -> None:
    close_presenter_ballots()
    for name in (QUERY_PARAM, SLIDE_PARAM):
        st.query_params.pop(name, None)


def present_toggle(container, *, disabled: bool) -> None:
    """The Chat page's switch into presentation mode."""
    container.toggle(
        tr("present.toggle"), key=PRESENT_TOGGLE.key, help=tr("present.help"), disabled=disabled, on_change=_toggled
    )


def _toggled() -> None:
    """Switched on, the next run presents instead of drawing the page; the switch itself is not
    drawn then, so its state is dropped and it is off again after the presentation."""
    if PRESENT_TOGGLE.value():
        start_presenting()


def presentation_page() -> st.Page:
    """The only page of a session while it presents (app.py), so no navigation is drawn."""
    return st.Page(
        _present_open_conversation,
        title=tr("present.title"),
        icon=":material/slideshow:",
        url_path="present",
        default=True,
    )


def _present_open_conversation() -> None:
    settle_live_reply()  # a reply streaming when the toggle was clicked is saved before it is read
    store, user = get_store(), current_user()
    conversation_id = open_conversation_id(store, user)
    conversation = store.get_conversation(user, conversation_id) if conversation_id else None
    messages = store.list_messages(user, conversation.id) if conversation else []
    show_slides(
        conversation.title if conversation else tr("chat.new_title"),
        presentation.slides_of(messages),
        with_ballots=True,
    )


def show_slides(title: str, slides: list[Slide], *, with_ballots: bool = False) -> None:
    """`with_ballots`: the owner's presentation, where a comparison slide can open an audience
    vote (a share link's presentation cannot)."""
    st.html(_STYLE)
    index = presentation.slide_index(st.query_params.get(SLIDE_PARAM), len(slides))
    _bar(title, index, len(slides), any(r.meta.get("thinking") for s in slides for r in s.replies))
    if not slides:
        st.info(tr("present.empty"), icon=":material/slideshow:")
        return
    _slide(slides[index], with_ballots)


def _go_to(index: int) -> None:
    close_presenter_ballots()  # an audience vote closes with its slide
    st.query_params[SLIDE_PARAM] = str(index + 1)


def _bar(title: str, index: int, count: int, thinking: bool) -> None:
    """The title, where the talk is, and the keys: ← → step, Esc leaves; when a model thought,
    a switch to show its thinking on the slides or not."""
    with st.container(horizontal=True, vertical_alignment="center", key="present_bar"):
        st.markdown(f"**{markdown_literal(title)}**", width="stretch")
        st.button(
            "",
            icon=":material/chevron_left:",
            key="present_prev",
            help=tr("present.prev"),
            disabled=index == 0,
            on_click=_go_to,
            args=(index - 1,),
            shortcut="Left",
        )
        st.markdown(tr("present.position", number=index + 1 if count else 0, count=count), width="content")
        st.button(
            "",
            icon=":material/chevron_right:",
            key="present_next",
            help=tr("present.next"),
            disabled=index >= count - 1,
            on_click=_go_to,
            args=(index + 1,),
            shortcut="Right",
        )
        if thinking:
            st.toggle(tr("present.thinking"), value=_showing_thinking(), key=PRESENT_THINKING.key)
        st.button(
            tr("present.exit"),
            icon=":material/close_fullscreen:",
            key="present_exit",
            on_click=stop_presenting,
            shortcut="Esc",
        )


def _showing_thinking() -> bool:
    return bool(PRESENT_THINKING.value(True))


def _slide(slide: Slide, with_ballots: bool = False) -> None:
    if slide.question is not None:
        with st.chat_message("user"), st.container(key="present_question"):
            st.markdown(images_as_links(slide.question))
            if slide.attachments:
                st.caption(" · ".join(":material/image: " + markdown_literal(n) for n in slide.attachments))
    if not slide.replies:
        st.caption(tr("present.no_reply"))
        return
    if with_ballots and slide.is_comparison:
        if not comparison_slide(slide, _reply):
            _replies(slide)
        presenter_panel(slide)
        return
    _replies(slide)


def _replies(slide: Slide) -> None:
    with st.chat_message("assistant"):
        if not slide.is_comparison:
            _reply(slide.replies[0], 0)
            return
        for number, (column, reply) in enumerate(zip(st.columns(len(slide.replies), border=True), slide.replies)):
            with column:
                _reply(reply, number)


def _reply(reply: Reply, number: int) -> None:
    """A reply as on the Chat page (Markdown, HTML off), under its model, over its figures."""
    if reply.model:
        st.markdown(f"**{markdown_literal(reply.model)}**")
    if reply.meta.get("failed"):
        st.error(failure_text(reply.meta), icon=":material/error:")
        return
    if _showing_thinking():
        thinking_block(reply.meta.get("thinking") or "", reply.meta.get("thinking_seconds"), opened=True)
    read_only_calls(reply.calls)
    reply_body(reply.content, reply.meta, f"present_reply_{number}")
    _figures(reply.meta, number)
    reply_notes(reply.meta, 0, is_last=False, compact=True)


def _figures(meta: dict, number: int) -> None:
    """Latency, speed and credits on one line that wraps on a phone; a figure not measured is "—"."""
    seconds, rate = presentation.latency(meta), meta.get("tps")
    figures = (
        (tr("present.latency"), "—" if seconds is None else tr("present.seconds", seconds=seconds)),
        (tr("present.speed"), tr("chat.meta_tps", rate=rate) if rate else "—"),
        (tr("present.credits"), f"{meta.get('credits') or 0:g}"),
    )
    with st.container(key=f"present_figures_{number}"):
        st.markdown(" · ".join(f":gray[{label}] **{value}**" for label, value in figures))
