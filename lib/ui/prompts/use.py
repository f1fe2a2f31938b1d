"""The prompt library where prompts are used: opening a version in Chat (a new chat, or the open
one) or in the Workbench, the Chat page's Prompts popover, the "Support triage v4" label, and the
input of one typed `{{variable}}`.

The page of the library itself is lib/ui/prompts/view.py; the rules are in lib/prompts/__init__.py.
"""

from __future__ import annotations

import streamlit as st

from lib import chat, prompts
from lib.safe_text import markdown_literal
from lib.store import DuplicatePromptName, Prompt, PromptVersion, StalePrompt, Store
from lib.ui import state
from lib.ui.chat.view import keep_settings
from lib.ui.feedback import toast_after_rerun
from lib.ui.session import PAGES_DIR, current_lang, is_admin, tr
from lib.ui.state import WidgetFamily
from lib.ui.state.chat import (
    PROMPT_MESSAGE,
    PROMPT_NAME,
    PROMPT_NOTE,
    PROMPT_PICK,
    PROMPT_SAVE_VERSION,
    PROMPT_USE,
    PROMPT_VERSION,
    ChatPanels,
    settings_widgets,
)
from lib.ui.workbench.editors import load_prompt_draft

SHIPPED_OWNER = ""  # the owner of the prompts carried over from the shipped presets


def owner_label(prompt: Prompt, user: str) -> str:
    if prompt.user == user:
        return tr("prompts.by_you")
    return tr("prompts.by", owner=prompt.user) if prompt.user != SHIPPED_OWNER else tr("prompts.shipped_owner")


def display_name(prompt: Prompt) -> str:
    """A prompt's name; a shipped one's in the user's language."""
    label = prompts.shipped_label(prompt.user, prompt.name)
    return tr(label) if label else prompt.name


def reference_of(prompt: Prompt, version: PromptVersion) -> dict:
    """What a conversation records of the version it uses, the name as the user sees it."""
    return prompts.reference(prompt.id, display_name(prompt), version.number, version.content)


# ---------------------------------------------------------------- Chat


def open_in_chat(prompt: Prompt, version: PromptVersion) -> None:
    """A new chat with this version: the Chat page takes it before it reads its settings."""
    state.of(ChatPanels).prompt_opening = (prompt.id, version.number)
    st.switch_page(PAGES_DIR / "chat.py")


def take_opened_prompt(store: Store, user: str, open_new_chat) -> None:
    """On the Chat page, before anything reads the settings: a version sent by the Prompts page
    becomes a new chat's settings (`open_new_chat` opens a new chat)."""
    panels = state.of(ChatPanels)
    opening, panels.prompt_opening = panels.prompt_opening, None
    if opening is None:
        return
    prompt, version = store.get_prompt(user, opening[0]), store.get_prompt_version(user, *opening)
    if prompt is None or version is None:  # deleted or unshared meanwhile
        st.toast(tr("prompts.gone"), icon=":material/block:")
        return
    open_new_chat()
    settings = prompts.applied(chat.default_settings(), reference_of(prompt, version), version.content)
    keep_settings(None, dict(settings))
    settings_widgets(None).forget_all()  # widgets keep their own state: they show the settings just put in place
    st.toast(tr("prompts.opened", label=prompts.version_label(settings["prompt"])), icon=":material/bookmark_added:")


def prompt_caption(container, settings: dict) -> None:
    """ "Support triage v4" under the title: the prompt version this conversation was opened with."""
    ref = settings.get("prompt")
    if ref:
        container.caption(
            f":material/bookmarks: {markdown_literal(prompts.version_label(ref))}", help=tr("prompts.caption_help")
        )


def prompt_message_button(settings: dict, queue_message) -> None:
    """The prompt's own message (its user template), sent through the chat's checks and
    `{{variables}}` form by `queue_message`."""
    text = (settings.get("prompt") or {}).get("user") or ""
    if text.strip():
        st.button(
            tr("prompts.send_user_template"),
            icon=":material/send:",
            key=PROMPT_MESSAGE.key,
            help=markdown_literal(text[:300]),
            on_click=queue_message,
            args=(text,),
        )


def prompts_popover(container, store: Store, user: str, settings: dict, widget: str) -> None:
    """Use a prompt (the current version or a chosen one) in this chat; save these settings as a
    new prompt, or as a new version of the prompt this chat was opened with."""
    with container.popover(tr("prompts.chat_button"), icon=":material/bookmarks:", use_container_width=True):
        entries = store.list_prompts(user)
        if entries:
            _use_a_prompt(store, user, settings, widget, entries)
        else:
            st.caption(tr("prompts.none_yet"))
        st.page_link(PAGES_DIR / "prompts.py", label=tr("prompts.manage"), icon=":material/library_books:")
        st.divider()
        _save_as_prompt(store, user, settings)


def _use_a_prompt(
    store: Store, user: str, settings: dict, widget: str, entries: list[tuple[Prompt, PromptVersion]]
) -> None:
    by_id = {p.id: p for p, _ in entries}
    # keyed per language: a selectbox keeps the option labels it was made with
    shown = {i: _entry_label(p) for i, p in by_id.items()}  # labels made in the run, in its language
    chosen_id = st.selectbox(
        tr("prompts.pick"), list(by_id), key=PROMPT_PICK(current_lang()).key, format_func=lambda i: shown[i]
    )
    prompt = by_id[chosen_id if chosen_id is not None else entries[0][0].id]
    numbers = list(range(prompt.head_version, 0, -1))
    current = f" · {tr('prompts.marker_current')}"  # made in the run, in its language
    number = st.selectbox(
        tr("prompts.pick_version"),
        numbers,
        index=numbers.index(prompt.current_version),
        key=PROMPT_VERSION(prompt.id, current_lang()).key,
        format_func=lambda n: f"v{n}" + (current if n == prompt.current_version else ""),
    )
    version = store.get_prompt_version(user, prompt.id, number or prompt.current_version)
    if version is None:  # deleted or unshared meanwhile
        st.caption(tr("prompts.gone"))
        return
    st.caption(markdown_literal(version.content["system"][:300]) or tr("chat.preset_no_system"))
    if st.button(
        tr("prompts.use"),
        icon=":material/download_done:",
        type="primary",
        key=PROMPT_USE.key,
        use_container_width=True,
    ):
        new = prompts.applied(settings, reference_of(prompt, version), version.content)
        settings.clear()
        settings.update(new)
        WidgetFamily(widget).forget_all()  # the settings widgets show the settings just put in place
        toast_after_rerun(tr("prompts.opened", label=prompts.version_label(new["prompt"])), ":material/bookmark_added:")
        st.rerun()


def _entry_label(prompt: Prompt) -> str:
    star = "★ " if prompt.recommended else ""
    return f"{star}{display_name(prompt)} · v{prompt.current_version}"


def _save_as_prompt(store: Store, user: str, settings: dict) -> None:
    ref = settings.get("prompt")
    prompt = store.get_prompt(user, ref["id"]) if ref else None
    content = prompts.new_content(settings, system=settings["system"], user=(ref or {}).get("user", ""))
    if ref and prompt:  # the declarations of the version this chat came from, with any new variables
        content = prompts.with_declared_variables(
            {**content, "variables": [v for v in ref["variables"] if v["name"] in prompts.used_variables(content)]}
        )
    if prompt and store.can_edit_prompt(user, prompt, is_admin()):
        note = st.text_input(tr("prompts.note"), key=PROMPT_NOTE.key, max_chars=prompts.MAX_NOTE_CHARS)
        if st.button(
            tr("prompts.save_version_of", name=prompt.name), icon=":material/save:", key=PROMPT_SAVE_VERSION.key
        ):
            _save_version(store, user, settings, prompt, content, note.strip())
    with st.form("chat_prompt_form", border=False, clear_on_submit=True):
        name = st.text_input(
            tr("prompts.save_as_new"),
            key=PROMPT_NAME.key,
            max_chars=prompts.MAX_NAME_CHARS,
            placeholder=tr("prompts.name_placeholder"),
        )
        if st.form_submit_button(tr("prompts.create"), icon=":material/bookmark_add:"):
            _create_from_chat(store, user, settings, name.strip(), content)


def _save_version(store: Store, user: str, settings: dict, prompt: Prompt, content: dict, note: str) -> None:
    problem = next(iter(prompts.problems(content)), None)
    if problem:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
        return
    try:
        saved = store.save_prompt_version(
            user, prompt.id, content, settings["prompt"]["version"], note, admin=is_admin()
        )
    except StalePrompt as stale:
        st.warning(
            tr(
                "prompts.stale_from_chat",
                number=settings["prompt"]["version"],
                newest=stale.since[-1].number if stale.since else prompt.head_version,
                who=", ".join(sorted({v.user for v in stale.since})) or "—",
            ),
            icon=":material/sync_problem:",
        )
        return
    if saved:
        settings["prompt"] = reference_of(prompt, saved)
        toast_after_rerun(tr("prompts.saved", name=prompt.name, number=saved.number), ":material/save:")
        st.rerun()


def _create_from_chat(store: Store, user: str, settings: dict, name: str, content: dict) -> None:
    problem = prompts.name_problem(name) or next(iter(prompts.problems(content)), None)
    if problem:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
        return
    try:
        prompt = store.create_prompt(user, name, content, tr("prompts.from_chat_note"))
    except DuplicatePromptName:
        st.warning(tr("prompts.duplicate_name", name=name), icon=":material/warning:")
        return
    first = store.get_prompt_version(user, prompt.id, 1)
    if first is not None:  # (just made)
        settings["prompt"] = reference_of(prompt, first)
    toast_after_rerun(tr("prompts.created", name=name), ":material/bookmark_added:")
    st.rerun()


def variable_input(name: str, settings: dict, value: str, key: str) -> None:
    """One `{{variable}}`'s input in the Chat page's form, as the prompt declares it: a line, a
    box, or a choice list, with its description as help (a plain line when none is declared)."""
    spec = next((v for v in ((settings.get("prompt") or {}).get("variables") or []) if v["name"] == name), None)
    help_text = (spec or {}).get("description") or None
    if spec and spec["kind"] == prompts.CHOICE and spec["choices"]:
        choices = spec["choices"]
        st.selectbox(name, choices, index=choices.index(value) if value in choices else 0, key=key, help=help_text)
    elif spec and spec["kind"] == prompts.LONG:
        st.text_area(name, value=value, key=key, help=help_text, height=100)
    else:
        st.text_input(name, value=value, key=key, help=help_text)


# ---------------------------------------------------------------- Workbench


def workbench_source_caption(ref: dict | None) -> None:
    """ "From the prompt Support triage v3" over the Workbench's editors, while its draft is one
    (`ref`: the draft's prompt version)."""
    if ref:
        st.caption(tr("prompts.workbench_source", label=markdown_literal(prompts.version_label(ref))))


def open_in_workbench(prompt: Prompt, version: PromptVersion) -> None:
    """A Workbench draft with this version's templates, model, parameters and saved test cases
    (or one case of the defaults); the runs made from it record the version."""
    content = version.content
    settings = chat.merged_settings(content["settings"])
    load_prompt_draft(
        reference_of(prompt, version),
        system=content["system"],
        user=content["user"],
        models=[settings["model"]],
        params=settings["params"],
        cases=content.get("cases") or [prompts.values_for(content)],
    )
    st.switch_page(PAGES_DIR / "workbench.py")
