"""The Images page's building blocks: the prompt form, a live batch, failures, the gallery."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.credits.pricing import IMAGES
from lib.i18n import key_family
from lib.media import images
from lib.media.upload_checks import check_image, expiry_text, is_expired
from lib.media.uploads import send
from lib.prompts.limits import MAX_PROMPT_CHARS
from lib.safe_text import markdown_literal
from lib.sharing.shares import IMAGE, image_snapshot
from lib.store import Media, Store, utcnow
from lib.ui import state
from lib.ui.chat.view import set_open_conversation
from lib.ui.clock import local_time
from lib.ui.error_text import explain
from lib.ui.feedback import show_error, toast_after_rerun
from lib.ui.session import PAGES_DIR, current_lang, labels, tr
from lib.ui.sharing.links import share_button
from lib.ui.state.media import IMAGES_EXAMPLE, IMAGES_PROMPT, BatchFailures, ImagesPage
from lib.ui.state.send import Outbox

GALLERY_PAGE = 12
GRID_COLUMNS = 3
EXAMPLE_KEY = key_family("images.example", range(1, images.EXAMPLE_COUNT + 1))


def _use_example() -> None:
    """Copy the chosen example into the prompt box (a callback: it runs before the box is drawn)."""
    number = IMAGES_EXAMPLE.value()
    if number:
        IMAGES_PROMPT.set(tr(EXAMPLE_KEY(number)))
        IMAGES_EXAMPLE.set(None)


def _reuse_prompt(prompt: str) -> None:
    IMAGES_PROMPT.set(prompt)
    page = state.of(ImagesPage)
    page.focus_scripts_drawn += 1
    page.focus_script = page.focus_scripts_drawn


# The gallery is below the fold (on a phone, far below): a prompt put back into the box is
# brought into view and focused, so the user sees it and can edit it at once. The script is
# numbered: the same element drawn again in the next run would not run again.
_FOCUS_SCRIPT = """<script>
(() => {{  // reuse {number}
  const box = document.querySelector('.st-key-images_prompt textarea');
  if (!box) return;
  box.scrollIntoView({{block: 'center'}});
  box.focus({{preventScroll: true}});
}})();
</script>"""


def prompt_form(client: ReshiClient) -> tuple[str, int, bool]:
    """Prompt, examples, count and estimate. Returns (prompt, count, generate clicked)."""
    st.pills(
        tr("images.examples"),
        range(1, images.EXAMPLE_COUNT + 1),
        key=IMAGES_EXAMPLE.key,
        format_func=labels(EXAMPLE_KEY),
        on_change=_use_example,
    )
    prompt = st.text_area(
        tr("images.prompt"),
        key=IMAGES_PROMPT.key,
        placeholder=tr("images.prompt_placeholder"),
        max_chars=MAX_PROMPT_CHARS[IMAGES],
        height=100,
    )
    page = state.of(ImagesPage)
    number, page.focus_script = page.focus_script, None
    if number:
        st.html(_FOCUS_SCRIPT.format(number=number), unsafe_allow_javascript=True)
    count_col, estimate_col, button_col = st.columns([2, 3, 1.2], vertical_alignment="bottom")
    count = count_col.segmented_control(
        tr("images.count"), list(range(1, images.MAX_IMAGES + 1)), default=1, required=True, key="images_count"
    )
    estimate_col.caption(
        tr(
            "images.estimate",
            credits=images.estimate_credits(client, count),
            count=count,
            each=images.estimate_credits(client, 1),
        )
    )
    clicked = button_col.button(
        tr("images.generate"), type="primary", icon=":material/auto_awesome:", key="images_generate", width="stretch"
    )
    return prompt, count, clicked


def generate_batch(store: Store, user: str, client: ReshiClient, prompt: str, count: int) -> None:
    """Request `count` images at once, show each as it arrives, save it, then rerun to the gallery."""
    page = state.of(ImagesPage)
    page.failures = None
    failures: list[errors.ReshiError] = []
    with st.status(tr("images.progress", count=count), expanded=True) as status:
        bar = st.progress(0.0)
        slots = [column.empty() for column in st.columns(count)]
        for number, slot in enumerate(slots, 1):
            slot.info(tr("images.waiting", number=number), icon=":material/hourglass_top:")
        for done, (index, outcome) in enumerate(images.generate_concurrently(client, prompt, count), 1):
            if isinstance(outcome, errors.ReshiError):
                failures.append(outcome)
                slots[index].error(explain(outcome, current_lang()), icon=":material/error:")
            else:
                images.save_image(store, user, prompt, outcome)
                slots[index].image(outcome.data, width="stretch")
            bar.progress(done / count, text=tr("images.progress_count", done=done, count=count))
        status.update(
            label=tr("images.done", ok=count - len(failures), count=count),
            state="error" if failures else "complete",
            expanded=bool(failures),
        )
    if failures:
        page.failures = BatchFailures(prompt, count, failures)
    st.rerun()


def show_failures(store: Store, user: str, client: ReshiClient) -> None:
    """The last batch's failures, one message per kind, with a retry of the failed ones."""
    last = state.of(ImagesPage).failures
    if not last:
        return
    st.warning(tr("images.failed_some", failed=len(last.failures), count=last.count), icon=":material/warning:")
    retry = False
    for position, exc in enumerate(images.distinct_errors(last.failures)):
        retry = show_error(exc, retry_key=f"images_retry_{position}") or retry
    if retry:
        generate_batch(store, user, client, last.prompt, len(last.failures))


def gallery(store: Store, user: str, client: ReshiClient) -> None:
    st.subheader(tr("images.gallery"))
    page = state.of(ImagesPage)
    window = page.gallery_pages * GALLERY_PAGE
    items = store.list_media(user, limit=window)
    if not items:
        st.info(tr("images.gallery_empty"), icon=":material/photo_library:")
        return
    # Row by row: a phone stacks columns one under another, and three tall columns read as
    # images 1, 4, 7, 2, 5, … instead of newest first.
    for start in range(0, len(items), GRID_COLUMNS):
        for column, item in zip(st.columns(GRID_COLUMNS), items[start : start + GRID_COLUMNS]):
            with column:
                _card(store, user, client, item)
    more = store.count_media(user) - len(items)
    if more > 0 and st.button(
        tr("images.show_more", count=more), icon=":material/expand_more:", key="images_show_more"
    ):
        page.gallery_pages += 1
        st.rerun()


def _card(store: Store, user: str, client: ReshiClient, item: Media) -> None:
    data = store.get_media_bytes(user, item.id)
    if data is None:  # deleted in another tab since the list was read
        return
    with st.container(border=True, key=f"images_card_{item.id}"):
        st.image(data, width="stretch")
        st.markdown(markdown_literal(item.prompt))
        meta = tr("images.meta", time=local_time(item.created_at), credits=item.credits)
        if item.width and item.height:
            meta += f" · {item.width}×{item.height}"
        if item.meta.get("source_url"):
            meta += " · " + tr("images.via_url")
        st.caption(meta)
        _actions(store, user, client, item, data)
        _link(item)


def _actions(store: Store, user: str, client: ReshiClient, item: Media, data: bytes) -> None:
    """Download, a labelled menu of the rest, and Delete apart, asked twice (six icons in a row,
    Delete beside Share and alike, were guessed at; issue 31)."""
    page = state.of(ImagesPage)
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.download_button(
        tr("images.download"),
        data=data,
        file_name=images.download_name(item),
        mime=item.mime,
        icon=":material/download:",
        key=f"images_download_{item.id}",
        on_click="ignore",
    )
    with row.popover(tr("images.more"), icon=":material/more_horiz:"):
        st.button(
            tr("images.reuse"),
            icon=":material/edit_note:",
            key=f"images_reuse_{item.id}",
            on_click=partial(_reuse_prompt, item.prompt),
            use_container_width=True,
        )
        link = st.button(
            tr("images.get_link"), icon=":material/link:", key=f"images_link_{item.id}", use_container_width=True
        )
        to_chat = st.button(
            tr("images.to_chat"),
            icon=":material/add_comment:",
            help=tr("images.use_in_chat"),
            key=f"images_chat_{item.id}",
            use_container_width=True,
        )
        share_button(IMAGE, lambda: image_snapshot(item, data), f"images_share_{item.id}")
    row.button(
        tr("images.delete"),
        icon=":material/delete:",
        type="tertiary",
        key=f"images_delete_{item.id}",
        on_click=setattr,
        args=(page, "delete_asked", item.id),
    )
    if page.delete_asked == item.id:
        _confirm_delete(store, user, item)
    if to_chat:
        state.of(Outbox).attach(images.download_name(item), data)
        set_open_conversation(store, user, None)
        st.switch_page(PAGES_DIR / "chat.py")
    if link:
        _upload_for_link(store, user, client, item, data)


def _confirm_delete(store: Store, user: str, item: Media) -> None:
    st.warning(tr("images.delete_confirm"), icon=":material/delete_forever:")
    row = st.container(horizontal=True, gap="small")
    if row.button(
        tr("images.delete_for_good"),
        icon=":material/delete_forever:",
        type="primary",
        key=f"images_delete_confirm_{item.id}",
    ):
        state.of(ImagesPage).delete_asked = None
        store.delete_media(user, item.id)
        toast_after_rerun(tr("images.deleted"), ":material/delete:")
        st.rerun()
    row.button(
        tr("chat.cancel_send"),
        icon=":material/close:",
        key=f"images_delete_cancel_{item.id}",
        on_click=setattr,
        args=(state.of(ImagesPage), "delete_asked", None),
    )


def _upload_for_link(store: Store, user: str, client: ReshiClient, item: Media, data: bytes) -> None:
    """Send the image through the upload endpoint; remember the link on the image."""
    checked = check_image(data, images.download_name(item))
    if not checked.ok:
        st.error(checked.reason(current_lang()), icon=":material/error:")
        return
    try:
        upload = send(client, store, user, checked)
    except errors.ReshiError as exc:
        show_error(exc)
        return
    item.meta.update(upload_url=upload.url, upload_expire_at=upload.expire_at.isoformat() if upload.expire_at else None)
    store.update_media_meta(user, item.id, item.meta)


def _link(item: Media) -> None:
    """The link the image was uploaded to, with its countdown; only the countdown once expired."""
    url = item.meta.get("upload_url")
    if not url:
        return
    expire_at = item.meta.get("upload_expire_at")
    expire_at = datetime.fromisoformat(expire_at) if expire_at else None
    now = utcnow()
    st.caption(tr("images.link", expiry=expiry_text(expire_at, now, current_lang())))
    if not is_expired(expire_at, now):
        st.code(url, language=None, wrap_lines=True)
