"""st.file_uploader in the user's language.

Streamlit draws its drop zone's button ("Upload") and size note ("10MB per file") in English
whatever the browser's language, and offers no setting for either (1.67). Both are replaced
with CSS scoped to the picker's keyed container: the texts are ours, from the catalog, in the
same places. The size limit is passed to the widget, so the note and the picker's own refusal
("File must be 10.0MB or smaller") say the limit the app checks, whatever config.toml is read.
"""

from __future__ import annotations

import json

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

_DROPZONE = "[data-testid=stFileUploaderDropzone]"
_STYLE = """<style>
.st-key-{box} {dropzone} button [data-testid=stMarkdownContainer] p {{ display: none; }}
.st-key-{box} {dropzone} button [data-testid=stMarkdownContainer]::after {{ content: {button}; }}
.st-key-{box} [data-testid=stFileUploaderDropzoneInstructions] span {{ display: none; }}
.st-key-{box} [data-testid=stFileUploaderDropzoneInstructions] > div::after {{
  content: {note}; font-size: 0.875rem; opacity: 0.6; }}
</style>"""


def _css_string(text: str) -> str:
    """A CSS string literal: JSON's quoting is CSS's for text without backslash escapes, and no
    "<" can close the style element early."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")


def file_picker(
    label: str, *, box: str, button: str, note: str, max_mb: int, **uploader
) -> UploadedFile | list[UploadedFile] | None:
    """`st.file_uploader(label, max_upload_size=max_mb, **uploader)` whose drop zone says `button`
    and `note` (translated) instead of Streamlit's English. `box` keys the container the CSS is
    scoped to; the uploader's own key may change (a new key empties the picker)."""
    with st.container(key=box):
        st.html(_STYLE.format(box=box, dropzone=_DROPZONE, button=_css_string(button), note=_css_string(note)))
        return st.file_uploader(label, max_upload_size=max_mb, **uploader)
