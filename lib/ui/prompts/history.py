"""The Prompts page's History and Compare tabs: the versions, each opened, pinned or restored;
two versions side by side (templates as a line diff, settings as a table)."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from lib import prompts
from lib.store import Prompt, PromptVersion, StalePrompt, Store
from lib.ui.clock import local_time
from lib.ui.prompts.editor import reload_editor, say_next_run, version_view
from lib.ui.prompts.use import open_in_chat, open_in_workbench
from lib.ui.session import current_lang, tr
from lib.ui.state.prompts import (
    COMPARED,
    HISTORY_PICK,
    HISTORY_TO_CHAT,
    HISTORY_TO_WORKBENCH,
    PIN,
    RESTORE,
    UNPIN,
)

# Tints, not colours: the text keeps the theme's colour and stays readable, light or dark.
_DIFF_COLOURS = {
    prompts.CHANGED: "rgba(240, 190, 0, .22)",
    prompts.ADDED: "rgba(40, 170, 70, .22)",
    prompts.REMOVED: "rgba(230, 60, 80, .22)",
}


def history(
    store: Store, user: str, admin: bool, prompt: Prompt, versions: list[PromptVersion], editable: bool
) -> None:
    rows = [
        {
            "version": f"v{v.number}",
            "by": v.user or tr("prompts.shipped_owner"),
            "when": local_time(v.created_at),
            "note": v.note,
            "": _marker(prompt, v.number),
        }
        for v in reversed(versions)
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        use_container_width=True,
        column_config={
            "version": tr("prompts.col_version"),
            "by": tr("prompts.col_by"),
            "when": tr("prompts.col_when"),
            "note": tr("prompts.col_note"),
            "": tr("prompts.col_state"),
        },
    )
    numbers = [v.number for v in reversed(versions)]
    shown = {n: f"v{n} · {_marker(prompt, n) or versions[n - 1].note}" for n in numbers}  # in this run's language
    chosen = st.selectbox(
        tr("prompts.pick_version"),
        numbers,
        key=HISTORY_PICK(prompt.id, current_lang()).key,
        format_func=shown.__getitem__,
    )
    version = versions[chosen - 1]
    row = st.container(horizontal=True, gap="small")
    if row.button(tr("prompts.open_version_in_chat", number=chosen), icon=":material/chat:", key=HISTORY_TO_CHAT.key):
        open_in_chat(prompt, version)
    if row.button(
        tr("prompts.test_in_workbench", number=chosen), icon=":material/science:", key=HISTORY_TO_WORKBENCH.key
    ):
        open_in_workbench(prompt, version)
    if editable:
        if row.button(
            tr("prompts.pin", number=chosen),
            icon=":material/push_pin:",
            key=PIN.key,
            disabled=prompt.pinned_version == chosen,
        ):
            store.pin_prompt_version(user, prompt.id, chosen, admin=admin)
            say_next_run(tr("prompts.pinned", number=chosen))
        if prompt.pinned_version and row.button(tr("prompts.unpin"), icon=":material/push_pin:", key=UNPIN.key):
            store.pin_prompt_version(user, prompt.id, None, admin=admin)
            say_next_run(tr("prompts.unpinned"))
        if row.button(
            tr("prompts.restore", number=chosen),
            icon=":material/history:",
            key=RESTORE.key,
            disabled=chosen == prompt.head_version,
        ):
            _restore(store, user, admin, prompt, version)
    with st.expander(tr("prompts.version_content", number=chosen)):
        version_view(version)


def _marker(prompt: Prompt, number: int) -> str:
    if number == prompt.pinned_version:
        return tr("prompts.marker_pinned")
    return tr("prompts.marker_current") if number == prompt.current_version else ""


def _restore(store: Store, user: str, admin: bool, prompt: Prompt, version: PromptVersion) -> None:
    try:
        saved = store.save_prompt_version(
            user,
            prompt.id,
            version.content,
            prompt.head_version,
            tr("prompts.restored_note", number=version.number),
            admin=admin,
        )
    except StalePrompt:
        st.warning(tr("prompts.restore_stale"), icon=":material/sync_problem:")
        return
    if saved:
        reload_editor(prompt.id, saved.number)
        say_next_run(tr("prompts.restored", number=version.number, new=saved.number))


def compare(versions: list[PromptVersion]) -> None:
    if len(versions) < 2:
        st.caption(tr("prompts.compare_one"))
        return
    numbers = [v.number for v in versions]
    left_col, right_col = st.columns(2)
    # keyed by the prompt and its newest version: a new version is compared with the one before it
    key = (versions[0].prompt_id, len(numbers))
    left = left_col.selectbox(
        tr("prompts.compare_left"),
        numbers,
        index=len(numbers) - 2,
        key=COMPARED(*key, "left").key,
        format_func=lambda n: f"v{n}",
    )
    right = right_col.selectbox(
        tr("prompts.compare_right"),
        numbers,
        index=len(numbers) - 1,
        key=COMPARED(*key, "right").key,
        format_func=lambda n: f"v{n}",
    )
    old, new = versions[left - 1].content, versions[right - 1].content
    for field, label in (("system", tr("prompts.system")), ("user", tr("prompts.user"))):
        st.markdown(f"**{label}**")
        if old[field] == new[field]:
            st.caption(tr("prompts.no_change"))
        else:
            st.html(diff_table(prompts.text_diff(old[field], new[field]), f"v{left}", f"v{right}"))
    st.markdown(f"**{tr('prompts.settings_changes')}**")
    changes = prompts.settings_diff(old, new)
    if not changes:
        st.caption(tr("prompts.no_change"))
        return
    st.dataframe(
        pd.DataFrame([{"setting": k, f"v{left}": _shown(a), f"v{right}": _shown(b)} for k, a, b in changes]),
        hide_index=True,
        use_container_width=True,
        column_config={"setting": tr("prompts.col_setting")},
    )


def _shown(value) -> str:
    return "—" if value is None else str(value)


def diff_table(rows: list[tuple[str, str, str]], left: str, right: str) -> str:
    """Two columns of lines, changed ones tinted; every line escaped (it is the user's text)."""
    cells = "".join(
        f"<tr style='background:{_DIFF_COLOURS.get(kind, 'transparent')}'>"
        f"<td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
        for kind, a, b in rows
    )
    return (
        "<table style='width:100%;table-layout:fixed;border-collapse:collapse;font-family:monospace;"
        "font-size:0.85rem;white-space:pre-wrap;word-break:break-word'>"
        f"<tr><th style='text-align:left'>{left}</th><th style='text-align:left'>{right}</th></tr>{cells}</table>"
    )
