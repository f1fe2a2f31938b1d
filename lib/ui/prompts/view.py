"""The Prompts page: the team's prompt library, its editor, history, diff, sharing, export/import.

Rules (what a prompt holds, checks, diffs) are in lib/prompts/__init__.py, its file in lib/prompts/files.py;
who may do what, versions and the stale-save refusal in lib/store/prompts.py; opening a prompt in Chat or
the Workbench in lib/ui/prompts/use.py. The editor is lib/ui/prompts/editor.py, the History and
Compare tabs lib/ui/prompts/history.py.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from lib import prompts
from lib.client import ReshiClient
from lib.prompts import files
from lib.safe_text import markdown_literal
from lib.store import DuplicatePromptName, Prompt, PromptVersion, Store
from lib.ui import state
from lib.ui.picker import file_picker
from lib.ui.prompts.editor import editor, say_next_run, version_view
from lib.ui.prompts.history import compare, history
from lib.ui.prompts.use import display_name, open_in_chat, open_in_workbench, owner_label
from lib.ui.session import tr
from lib.ui.state.prompts import (
    DELETE,
    DELETE_GO,
    EXPORT,
    IMPORT_BOX,
    IMPORT_FILE,
    IMPORT_GO,
    IMPORT_POPOVER,
    NEW_FORM,
    NEW_NAME,
    NEW_POPOVER,
    NEW_SYSTEM,
    PICK,
    POPOVERS,
    RECOMMEND,
    SEARCH,
    SHARE,
    TO_CHAT,
    TO_WORKBENCH,
    PromptsState,
)


def prompts_page(store: Store, user: str, client: ReshiClient, admin: bool) -> None:
    page = state.of(PromptsState)
    notice, page.notice = page.notice, None
    if notice:
        st.toast(notice, icon=":material/check_circle:")
        for popover in POPOVERS:  # what was done in one is done: set before they are drawn, it closes them
            popover.set(False)
    st.title(tr("prompts.title"))
    st.caption(tr("prompts.intro"))
    entries = store.list_prompts(user)
    search_col, new_col, import_col = st.columns([4, 1.4, 1.4], vertical_alignment="bottom")
    query = search_col.text_input(tr("prompts.search"), key=SEARCH.key, placeholder=tr("prompts.search_placeholder"))
    _new_prompt_popover(new_col, store, user)
    _import_popover(import_col, store, user)
    found = [(p, v) for p, v in entries if prompts.matches(query, p.name, v.content)]
    list_col, detail_col = st.columns([1, 2.5], gap="medium")
    with list_col:
        _prompt_list(found, user, bool(entries))
    opened = next((p for p, _ in entries if p.id == page.open), None)
    with detail_col:
        if opened is None:
            st.info(tr("prompts.pick_one"), icon=":material/bookmarks:")
        else:
            _prompt_detail(store, user, client, admin, opened)


# ---------------------------------------------------------------- the list


def status_line(prompt: Prompt, user: str) -> str:
    """ "★ Recommended · Shared · by alice · v2": how a prompt stands, in one line."""
    parts = [f":material/star: {tr('prompts.recommended')}"] if prompt.recommended else []
    parts.append(
        f":material/group: {tr('prompts.shared')}" if prompt.shared else f":material/lock: {tr('prompts.private')}"
    )
    parts.append(owner_label(prompt, user))
    return " · ".join(parts)


def _prompt_list(found: list[tuple[Prompt, PromptVersion]], user: str, any_prompts: bool) -> None:
    if not found:
        st.caption(tr("prompts.nothing_found" if any_prompts else "prompts.none_yet"))
    page = state.of(PromptsState)
    for prompt, version in found:
        with st.container(border=True):
            st.button(
                f"{display_name(prompt)} · v{prompt.current_version}",
                key=PICK(prompt.id).key,
                type="primary" if page.open == prompt.id else "tertiary",
                on_click=setattr,
                args=(page, "open", prompt.id),
            )
            st.caption(status_line(prompt, user))
            if version.content["tags"]:
                st.caption(" ".join(f"`{markdown_literal(t)}`" for t in version.content["tags"]))


def _new_prompt_popover(container: DeltaGenerator, store: Store, user: str) -> None:
    with container.popover(
        tr("prompts.new"), icon=":material/add:", use_container_width=True, key=NEW_POPOVER.key, on_change="rerun"
    ):
        with st.form(NEW_FORM.key, border=False, clear_on_submit=True):
            name = st.text_input(tr("prompts.name"), max_chars=prompts.MAX_NAME_CHARS, key=NEW_NAME.key)
            system = st.text_area(tr("prompts.system"), key=NEW_SYSTEM.key, height=120)
            if st.form_submit_button(tr("prompts.create"), icon=":material/add:", type="primary"):
                content = prompts.new_content(system=system, user="" if system.strip() else "{{input}}")
                _create(store, user, name, content)


def _create(store: Store, user: str, name: str, content: dict[str, Any]) -> None:
    problem = prompts.name_problem(name) or next(iter(prompts.problems(content)), None)
    if problem:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
        return
    try:
        prompt = store.create_prompt(user, name.strip(), content, tr("prompts.first_note"))
    except DuplicatePromptName:
        st.warning(tr("prompts.duplicate_name", name=name.strip()), icon=":material/warning:")
        return
    state.of(PromptsState).open = prompt.id
    say_next_run(tr("prompts.created", name=prompt.name))


def _import_popover(container: DeltaGenerator, store: Store, user: str) -> None:
    page = state.of(PromptsState)
    with container.popover(
        tr("prompts.import"),
        icon=":material/upload_file:",
        use_container_width=True,
        key=IMPORT_POPOVER.key,
        on_change="rerun",
    ):
        file = file_picker(
            tr("prompts.import_label"),
            box=IMPORT_BOX.key,
            button=tr("picker.browse"),
            note=tr("prompts.import_note"),
            max_mb=files.MAX_IMPORT_BYTES // 1_000_000,
            type=["json"],
            key=IMPORT_FILE(page.imports).key,
        )
        if not isinstance(file, UploadedFile) or not st.button(
            tr("prompts.import_go"), icon=":material/upload:", key=IMPORT_GO.key, type="primary"
        ):
            return
        try:
            imported = files.parse_import(file.getvalue())
            prompt = store.import_prompt(user, imported.name, imported.versions, imported.pinned_version)
        except files.ImportProblem as problem:
            st.error(tr("prompts.import_refused", reason=_import_reason(problem)), icon=":material/block:")
            return
        except DuplicatePromptName as clash:
            st.error(
                tr("prompts.import_refused", reason=tr("prompts.duplicate_name", name=clash.name)),
                icon=":material/block:",
            )
            return
        page.imports += 1
        page.open = prompt.id
        say_next_run(tr("prompts.imported", name=prompt.name, count=prompt.head_version))


def _import_reason(problem: files.ImportProblem) -> str:
    fields = dict(problem.fields)
    if "reason_key" in fields:  # a version's content breaks a rule: say which version and which rule
        reason = tr(fields.pop("reason_key"), **{k: v for k, v in fields.items() if k != "number"})
        return tr(problem.key, number=fields["number"], reason=reason)
    return tr(problem.key, **fields)


# ---------------------------------------------------------------- one prompt


def _prompt_detail(store: Store, user: str, client: ReshiClient, admin: bool, prompt: Prompt) -> None:
    versions = store.prompt_versions(user, prompt.id)
    by_number = {v.number: v for v in versions}
    current = by_number[prompt.current_version]
    editable = store.can_edit_prompt(user, prompt, admin)
    st.subheader(f"{display_name(prompt)} · v{prompt.current_version}")
    st.caption(
        status_line(prompt, user)
        + " · "
        + tr("prompts.pinned_note" if prompt.pinned_version else "prompts.newest_note", number=prompt.current_version)
    )
    actions = st.container(horizontal=True, gap="small")
    if actions.button(tr("prompts.open_in_chat"), icon=":material/chat:", key=TO_CHAT.key, type="primary"):
        open_in_chat(prompt, current)
    if actions.button(
        tr("prompts.test_in_workbench", number=prompt.head_version),
        icon=":material/science:",
        key=TO_WORKBENCH.key,
        help=tr("prompts.test_in_workbench_help"),
    ):
        open_in_workbench(prompt, by_number[prompt.head_version])
    actions.download_button(
        tr("prompts.export"),
        lambda: files.to_json(prompt.name, prompt.pinned_version, versions),
        file_name=f"prompt-{prompt.id}.json",
        mime="application/json",
        icon=":material/download:",
        key=EXPORT.key,
        on_click="ignore",
    )
    edit_tab, history_tab, compare_tab, team_tab = st.tabs(
        [
            tr("prompts.tab_edit" if editable else "prompts.tab_view"),
            tr("prompts.tab_history", count=len(versions)),
            tr("prompts.tab_compare"),
            tr("prompts.tab_team"),
        ]
    )
    with edit_tab:
        if editable:
            editor(store, user, client, admin, prompt, by_number)
        else:
            st.info(tr("prompts.read_only", owner=owner_label(prompt, user)), icon=":material/lock:")
            version_view(current)
    with history_tab:
        history(store, user, admin, prompt, versions, editable)
    with compare_tab:
        compare(versions)
    with team_tab:
        _team(store, user, admin, prompt, editable)


# ---------------------------------------------------------------- team: sharing, recommending, deleting


def _team(store: Store, user: str, admin: bool, prompt: Prompt, editable: bool) -> None:
    if not editable:
        st.caption(tr("prompts.read_only", owner=owner_label(prompt, user)))
    shared = st.toggle(
        tr("prompts.share_toggle"),
        value=prompt.shared,
        key=SHARE(prompt.id).key,
        disabled=not editable or (prompt.shared and prompt.user != user),
        help=tr("prompts.share_help"),
    )
    if shared != prompt.shared:
        try:
            store.share_prompt(user, prompt.id, shared, admin=admin)
        except DuplicatePromptName:
            st.warning(tr("prompts.duplicate_shared", name=prompt.name), icon=":material/warning:")
            return
        say_next_run(tr("prompts.now_shared" if shared else "prompts.now_private", name=prompt.name))
    if admin:
        recommended = st.toggle(
            tr("prompts.recommend_toggle"),
            value=prompt.recommended,
            disabled=not prompt.shared,
            key=RECOMMEND(prompt.id).key,
            help=tr("prompts.recommend_help"),
        )
        if recommended != prompt.recommended:
            store.admin_recommend_prompt(prompt.id, recommended)
            st.rerun()
    if editable:
        st.divider()
        page = state.of(PromptsState)
        if st.button(tr("prompts.delete"), icon=":material/delete:", key=DELETE(prompt.id).key):
            page.delete_asked = prompt.id
        if page.delete_asked == prompt.id:
            st.warning(
                tr("prompts.delete_confirm", name=markdown_literal(prompt.name)), icon=":material/delete_forever:"
            )
            if st.button(
                tr("prompts.delete_for_good"),
                icon=":material/delete_forever:",
                type="primary",
                key=DELETE_GO(prompt.id).key,
            ):
                store.delete_prompt(user, prompt.id, admin=admin)
                page.open = None
                say_next_run(tr("prompts.deleted", name=prompt.name))
