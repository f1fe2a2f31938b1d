"""The Upload page's building blocks: the two ways in, the per-file report, the uploads list."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib import errors
from lib.client import ReshiClient
from lib.media import imagetypes
from lib.media.upload_checks import (
    Base64Problem,
    Checked,
    check_image,
    decode_base64,
    display_name,
    expiry_text,
    human_size,
    is_expired,
)
from lib.media.uploads import Outcome, send
from lib.safe_text import markdown_literal
from lib.store import Store, UploadRecord, utcnow
from lib.ui import state
from lib.ui.auth import leave_if_signed_out
from lib.ui.clock import local_time
from lib.ui.feedback import show_error
from lib.ui.picker import file_picker
from lib.ui.session import current_lang, tr
from lib.ui.state.media import UploadPage
from lib.ui.store_status import store_errors_as_messages

_LIST_REFRESH = "60s"  # the countdowns tick by the minute


def files_form(store: Store, user: str, client: ReshiClient) -> None:
    page = state.of(UploadPage)
    files = file_picker(
        tr("upload.files_label"),
        box="upload_picker",
        button=tr("picker.browse"),
        note=tr("upload.picker_note", limit=imagetypes.MAX_UPLOAD_MB),
        max_mb=imagetypes.PICKER_CEILING_MB,
        accept_multiple_files=True,
        key=f"upload_files_{page.picker_generation}",
    )
    sent = page.sent_ids
    picked = files if isinstance(files, list) else [files] if files else []  # several: a list
    waiting = [f for f in picked if f.file_id not in sent]
    if st.button(
        tr("upload.send_files"), type="primary", icon=":material/upload:", disabled=not waiting, key="upload_send_files"
    ):
        outcomes = [_process(store, user, client, check_image(f.getvalue(), f.name)) for f in waiting]
        page.report = outcomes
        if any(o.error for o in outcomes):
            # An API failure may pass on a retry: the picker keeps the batch, and a second click
            # sends only what has not gone up yet.
            sent.update(f.file_id for f, o in zip(waiting, outcomes) if o.upload)
        else:
            # Every file went up or was refused for what it is (sending it again changes nothing):
            # a new key empties the picker, so a second click cannot upload them twice. The report
            # above the list still says what became of each.
            page.picker_generation += 1
            sent.clear()
            st.rerun()


def base64_form(store: Store, user: str, client: ReshiClient) -> None:
    text = st.text_area(tr("upload.b64_label"), key="upload_b64", placeholder=tr("upload.b64_placeholder"), height=120)
    name = st.text_input(tr("upload.b64_name"), value="image.png", key="upload_b64_name")
    if st.button(tr("upload.send_b64"), type="primary", icon=":material/upload:", key="upload_send_b64"):
        try:
            checked = check_image(decode_base64(text), name)
        except Base64Problem as problem:
            checked = Checked(name=name, data=b"", problem=problem.key)
        state.of(UploadPage).report = [_process(store, user, client, checked, as_base64=True)]


def _process(store: Store, user: str, client: ReshiClient, checked: Checked, *, as_base64: bool = False) -> Outcome:
    upload = error = None
    if checked.ok:
        try:
            upload = send(client, store, user, checked, as_base64=as_base64)
        except errors.ReshiError as exc:
            error = exc
    # The report lives in session state: with the bytes it would hold every file sent this session.
    return Outcome(replace(checked, data=b""), upload=upload, error=error)


def report() -> None:
    """One line per file of the last batch: uploaded, or why not."""
    for outcome in state.of(UploadPage).report:
        name = markdown_literal(display_name(outcome.checked.name))
        if outcome.upload:
            st.success(tr("upload.sent", name=name), icon=":material/check_circle:")
        elif outcome.error:
            st.error(tr("upload.failed", name=name), icon=":material/cloud_off:")
            show_error(outcome.error)
        else:
            st.error(
                tr("upload.refused", name=name, reason=outcome.checked.reason(current_lang())), icon=":material/block:"
            )


@st.fragment(run_every=_LIST_REFRESH)
@store_errors_as_messages()
def uploads_list(store: Store, user: str) -> None:
    leave_if_signed_out()
    st.subheader(tr("upload.list"))
    uploads = store.list_uploads(user)
    if not uploads:
        st.info(tr("upload.list_empty"), icon=":material/cloud_upload:")
    now = utcnow()
    for upload in uploads:
        _upload_card(store, user, upload, now)


def _upload_card(store: Store, user: str, upload: UploadRecord, now) -> None:
    expired = is_expired(upload.expire_at, now)
    with st.container(border=True, key=f"upload_card_{upload.id}"):
        preview, details = st.columns([1, 4], vertical_alignment="center")
        if upload.thumbnail and not expired:
            preview.image(upload.thumbnail, width="stretch")
        else:
            preview.markdown(":material/hide_image:")
        details.markdown(f"**{markdown_literal(display_name(upload.original_filename or ''))}**")
        if expired:
            details.warning(tr("upload.expired_note"), icon=":material/timer_off:")
        else:
            details.code(upload.url, language=None, wrap_lines=True)
        details.caption(_details_line(upload, now))
        if details.button(
            tr("upload.remove"), icon=":material/delete:", key=f"upload_remove_{upload.id}", type="tertiary"
        ):
            store.delete_upload(user, upload.id)
            st.rerun(scope="fragment")


def _details_line(upload: UploadRecord, now) -> str:
    countdown = expiry_text(upload.expire_at, now, current_lang())
    expiry = (
        tr("upload.expires_on", date=local_time(upload.expire_at), countdown=countdown)
        if upload.expire_at
        else countdown
    )
    size = tr(
        "upload.size_name",
        size=human_size(upload.size or 0, current_lang()),
        stored=markdown_literal(upload.stored_filename or ""),
    )
    return f"{size} · {expiry}"
