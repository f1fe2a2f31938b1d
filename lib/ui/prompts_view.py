"""The Prompts page: the team's prompt library, its editor, history, diff, sharing, export/import.

Rules (what a prompt holds, checks, diffs, the file format) are in lib/prompts.py; who may do
what, versions and the stale-save refusal in lib/store/prompts.py; opening a prompt in Chat or
the Workbench in lib/ui/prompt_use.py.
"""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from lib import chat, prompts
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.safe_text import markdown_literal
from lib.store import DuplicatePromptName, Prompt, PromptVersion, StalePrompt, Store
from lib.ui.chat_view import model_ids
from lib.ui.clock import local_time
from lib.ui.picker import file_picker
from lib.ui.prompt_use import display_name, open_in_chat, open_in_workbench, owner_label
from lib.ui.session import current_lang, labels, tr

OPEN = "prompts_open"  # the id of the prompt shown
SEARCH = "prompts_search"
NOTICE = "prompts_notice"  # a toast said in the next run (after a st.rerun)
NEW_POPOVER, IMPORT_POPOVER = "prompts_new_popover", "prompts_import_popover"
POPOVERS = (NEW_POPOVER, IMPORT_POPOVER)
KIND_KEY = key_family("prompts.kind", prompts.VARIABLE_KINDS)
_DIFF_COLOURS = {prompts.CHANGED: "#fff4ce", prompts.ADDED: "#dff6dd", prompts.REMOVED: "#fde7e9"}


def prompts_page(store: Store, user: str, client: ReshiClient, admin: bool) -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.toast(notice, icon=":material/check_circle:")
        for popover in POPOVERS:  # what was done in one is done: set before they are drawn, it closes them
            st.session_state[popover] = False
    st.title(tr("prompts.title"))
    st.caption(tr("prompts.intro"))
    entries = store.list_prompts(user)
    search_col, new_col, import_col = st.columns([4, 1.4, 1.4], vertical_alignment="bottom")
    query = search_col.text_input(tr("prompts.search"), key=SEARCH, placeholder=tr("prompts.search_placeholder"))
    _new_prompt_popover(new_col, store, user)
    _import_popover(import_col, store, user)
    found = [(p, v) for p, v in entries if prompts.matches(query, p.name, v.content)]
    list_col, detail_col = st.columns([1, 2.5], gap="medium")
    with list_col:
        _prompt_list(found, user, bool(entries))
    opened = next((p for p, _ in entries if p.id == st.session_state.get(OPEN)), None)
    with detail_col:
        if opened is None:
            st.info(tr("prompts.pick_one"), icon=":material/bookmarks:")
        else:
            _prompt_detail(store, user, client, admin, opened)


def _say_next_run(text: str) -> None:
    st.session_state[NOTICE] = text
    st.rerun()


# ---------------------------------------------------------------- the list

def status_line(prompt: Prompt, user: str) -> str:
    """"★ Recommended · Shared · by alice · v2": how a prompt stands, in one line."""
    parts = [f":material/star: {tr('prompts.recommended')}"] if prompt.recommended else []
    parts.append(f":material/group: {tr('prompts.shared')}" if prompt.shared else f":material/lock: {tr('prompts.private')}")
    parts.append(owner_label(prompt, user))
    return " · ".join(parts)


def _prompt_list(found: list[tuple[Prompt, PromptVersion]], user: str, any_prompts: bool) -> None:
    if not found:
        st.caption(tr("prompts.nothing_found" if any_prompts else "prompts.none_yet"))
    for prompt, version in found:
        is_open = st.session_state.get(OPEN) == prompt.id
        with st.container(border=True):
            st.button(f"{display_name(prompt)} · v{prompt.current_version}", key=f"prompts_pick_{prompt.id}",
                      type="primary" if is_open else "tertiary", on_click=st.session_state.__setitem__,
                      args=(OPEN, prompt.id))
            st.caption(status_line(prompt, user))
            if version.content["tags"]:
                st.caption(" ".join(f"`{markdown_literal(t)}`" for t in version.content["tags"]))


def _new_prompt_popover(container, store: Store, user: str) -> None:
    with container.popover(tr("prompts.new"), icon=":material/add:", use_container_width=True, key=NEW_POPOVER,
                           on_change="rerun"):
        with st.form("prompts_new_form", border=False, clear_on_submit=True):
            name = st.text_input(tr("prompts.name"), max_chars=prompts.MAX_NAME_CHARS, key="prompts_new_name")
            system = st.text_area(tr("prompts.system"), key="prompts_new_system", height=120)
            if st.form_submit_button(tr("prompts.create"), icon=":material/add:", type="primary"):
                content = prompts.new_content(system=system, user="" if system.strip() else "{{input}}")
                _create(store, user, name, content)


def _create(store: Store, user: str, name: str, content: dict) -> None:
    problem = prompts.name_problem(name) or next(iter(prompts.problems(content)), None)
    if problem:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
        return
    try:
        prompt = store.create_prompt(user, name.strip(), content, tr("prompts.first_note"))
    except DuplicatePromptName:
        st.warning(tr("prompts.duplicate_name", name=name.strip()), icon=":material/warning:")
        return
    st.session_state[OPEN] = prompt.id
    _say_next_run(tr("prompts.created", name=prompt.name))


def _import_popover(container, store: Store, user: str) -> None:
    uploads = st.session_state.setdefault("prompts_import_n", 0)
    with container.popover(tr("prompts.import"), icon=":material/upload_file:", use_container_width=True,
                           key=IMPORT_POPOVER, on_change="rerun"):
        file = file_picker(tr("prompts.import_label"), box="prompts_import_picker", button=tr("picker.browse"),
                           note=tr("prompts.import_note"), max_mb=prompts.MAX_IMPORT_BYTES // 1_000_000,
                           type=["json"], key=f"prompts_import_file_{uploads}")
        if file is None or not st.button(tr("prompts.import_go"), icon=":material/upload:", key="prompts_import_go",
                                         type="primary"):
            return
        try:
            imported = prompts.parse_import(file.getvalue())
            prompt = store.import_prompt(user, imported.name, imported.versions, imported.pinned_version)
        except prompts.ImportProblem as problem:
            st.error(tr("prompts.import_refused", reason=_import_reason(problem)), icon=":material/block:")
            return
        except DuplicatePromptName as clash:
            st.error(tr("prompts.import_refused", reason=tr("prompts.duplicate_name", name=clash.name)),
                     icon=":material/block:")
            return
        st.session_state["prompts_import_n"] += 1
        st.session_state[OPEN] = prompt.id
        _say_next_run(tr("prompts.imported", name=prompt.name, count=prompt.head_version))


def _import_reason(problem: prompts.ImportProblem) -> str:
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
    st.caption(status_line(prompt, user) + " · " + tr(
        "prompts.pinned_note" if prompt.pinned_version else "prompts.newest_note", number=prompt.current_version))
    actions = st.container(horizontal=True, gap="small")
    if actions.button(tr("prompts.open_in_chat"), icon=":material/chat:", key="prompts_to_chat", type="primary"):
        open_in_chat(prompt, current)
    if actions.button(tr("prompts.test_in_workbench", number=prompt.head_version), icon=":material/science:",
                      key="prompts_to_workbench", help=tr("prompts.test_in_workbench_help")):
        open_in_workbench(prompt, by_number[prompt.head_version])
    actions.download_button(tr("prompts.export"), lambda: prompts.to_json(prompt.name, prompt.pinned_version, versions),
                            file_name=f"prompt-{prompt.id}.json", mime="application/json",
                            icon=":material/download:", key="prompts_export", on_click="ignore")
    edit_tab, history_tab, compare_tab, team_tab = st.tabs([
        tr("prompts.tab_edit" if editable else "prompts.tab_view"), tr("prompts.tab_history", count=len(versions)),
        tr("prompts.tab_compare"), tr("prompts.tab_team")])
    with edit_tab:
        if editable:
            _editor(store, user, client, admin, prompt, by_number)
        else:
            st.info(tr("prompts.read_only", owner=owner_label(prompt, user)), icon=":material/lock:")
            version_view(current)
    with history_tab:
        _history(store, user, admin, prompt, versions, editable)
    with compare_tab:
        _compare(versions)
    with team_tab:
        _team(store, user, admin, prompt, editable)


def version_view(version: PromptVersion) -> None:
    """One version, read only: its templates, variables and settings."""
    content = version.content
    st.markdown(f"**{tr('prompts.system')}**")
    st.code(content["system"] or " ", language=None, wrap_lines=True)
    if content["user"]:
        st.markdown(f"**{tr('prompts.user')}**")
        st.code(content["user"], language=None, wrap_lines=True)
    if content["variables"]:
        shown = _variables_frame(content["variables"])
        shown["kind"] = shown["kind"].map(lambda kind: tr(KIND_KEY(kind)) if kind in prompts.VARIABLE_KINDS else kind)
        st.dataframe(shown, hide_index=True, use_container_width=True, column_config=_variable_columns())
    st.caption(tr("prompts.settings_line", model=content["settings"].get("model", ""),
                  params=", ".join(chat.request_params(chat.merged_settings(content["settings"]))) or "—"))


# ---------------------------------------------------------------- the editor

def _editor_key(prompt_id: int, name: str) -> str:
    """Widget keys of the editor: a new generation (after a save, or on "load the newest")
    starts them afresh; a refused save keeps them, so nothing typed is lost."""
    return f"prompts_{prompt_id}_g{st.session_state.get(f'prompts_gen_{prompt_id}', 0)}_{name}"


def _base_key(prompt_id: int) -> str:
    return f"prompts_base_{prompt_id}"


def _reload(prompt_id: int, base: int) -> None:
    st.session_state[_base_key(prompt_id)] = base
    st.session_state[f"prompts_gen_{prompt_id}"] = st.session_state.get(f"prompts_gen_{prompt_id}", 0) + 1
    st.session_state.pop(f"prompts_stale_{prompt_id}", None)


def _variables_frame(specs: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{**s, "choices": "\n".join(s["choices"])} for s in specs],
                        columns=["name", "kind", "default", "description", "choices"])


def _editor(store: Store, user: str, client: ReshiClient, admin: bool, prompt: Prompt,
            by_number: dict[int, PromptVersion]) -> None:
    base = st.session_state.setdefault(_base_key(prompt.id), prompt.head_version)
    start = by_number[base].content
    key = lambda name: _editor_key(prompt.id, name)  # noqa: E731
    if base != prompt.head_version:
        st.caption(tr("prompts.editing_from", number=base, newest=prompt.head_version))
    name = st.text_input(tr("prompts.name"), value=prompt.name, max_chars=prompts.MAX_NAME_CHARS, key=key("name"))
    system = st.text_area(tr("prompts.system"), value=start["system"], height=160, key=key("system"),
                          help=tr("prompts.variables_help"))
    user_text = st.text_area(tr("prompts.user"), value=start["user"], height=90, key=key("user"),
                             help=tr("prompts.user_help"))
    st.markdown(f"**{tr('prompts.variables')}**")
    used = prompts.used_variables({"system": system, "user": user_text})
    # What the tables held last run: a new {{variable}} in a template makes a new table, which
    # starts from them, so descriptions and cases typed before are kept.
    kept = st.session_state.get(key("kept"), {"variables": start["variables"], "cases": start.get("cases") or []})
    declared = list(kept["variables"]) + [prompts.variable(n) for n in used
                                          if n not in {v["name"] for v in kept["variables"]}]
    table = st.data_editor(_variables_frame(declared), num_rows="dynamic", hide_index=True, use_container_width=True,
                           key=key(f"variables_{'_'.join(used)}"), column_config={
                               **_variable_columns(),
                               "name": st.column_config.TextColumn(tr("prompts.var_name"), required=True),
                               "kind": st.column_config.SelectboxColumn(
                                   tr("prompts.var_kind"), options=list(prompts.VARIABLE_KINDS), required=True,
                                   default=prompts.SHORT, format_func=labels(KIND_KEY))})
    settings = _settings_editor(client, start["settings"], key)
    tags = st.text_input(tr("prompts.tags"), value=", ".join(start["tags"]), key=key("tags"),
                         placeholder=tr("prompts.tags_placeholder"))
    names = [str(n) for n in table["name"].fillna("") if str(n).strip()]
    st.markdown(f"**{tr('prompts.cases')}**")
    cases = st.data_editor(pd.DataFrame(kept["cases"], columns=names), num_rows="dynamic",
                           hide_index=True, use_container_width=True, key=key(f"cases_{'_'.join(names)}"))
    st.caption(tr("prompts.cases_note"))
    content = {"system": system, "user": user_text, "variables": _specs_from(table), "settings": settings,
               "tags": prompts.parse_tags(tags), "cases": _cases_from(cases, names)}
    st.session_state[key("kept")] = {"variables": content["variables"], "cases": content["cases"]}
    problems = prompts.problems(content) or ([p] if (p := prompts.name_problem(name)) else [])
    for problem in problems:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
    note_col, save_col = st.columns([4, 1.3], vertical_alignment="bottom")
    note = note_col.text_input(tr("prompts.note"), max_chars=prompts.MAX_NOTE_CHARS, key=key("note"),
                               placeholder=tr("prompts.note_placeholder"))
    if save_col.button(tr("prompts.save", number=base + 1), icon=":material/save:", type="primary",
                       key=key("save"), disabled=bool(problems), use_container_width=True):
        _save(store, user, admin, prompt, name.strip(), content, base, note.strip())
    _stale_notice(store, user, prompt, base, content)


def _settings_editor(client: ReshiClient, saved: dict, key) -> dict:
    """The model and the Chat page's parameters; settings other features keep are carried over as
    they are (shown, not edited here: the Chat page edits them)."""
    settings = chat.merged_settings(saved)
    models = model_ids(client)
    if settings["model"] not in models:
        models = [settings["model"], *models]
    model = st.selectbox(tr("prompts.model"), models, index=models.index(settings["model"]), key=key("model"))
    rows = pd.DataFrame([{"param": p.name, "on": settings["params"][p.name]["on"],
                          "value": str(settings["params"][p.name]["value"])} for p in chat.PARAMS])
    edited = st.data_editor(rows, hide_index=True, use_container_width=True, key=key("params"), disabled=["param"],
                            column_config={"param": tr("prompts.param"), "on": st.column_config.CheckboxColumn(
                                tr("prompts.param_on")), "value": tr("prompts.param_value")})
    params = {}
    for param, row in zip(chat.PARAMS, edited.to_dict("records")):
        params[param.name] = {"on": bool(row["on"]), "value": _param_value(param, row["value"])}
    others = {k: v for k, v in saved.items() if k not in ("model", "params")}
    if others:
        with st.expander(tr("prompts.other_settings")):
            st.json(others)
    return {**saved, "model": model, "params": params}


def _param_value(param: chat.Param, text) -> float | int | str:
    """The typed value, kept within the parameter's range; what is not a number keeps the default."""
    if isinstance(param.default, str):
        return str(text or "")
    try:
        number = type(param.default)(float(text))
    except (TypeError, ValueError):
        return param.default
    return min(max(number, param.low), param.high)


def _variable_columns() -> dict:
    return {"name": tr("prompts.var_name"), "kind": tr("prompts.var_kind"), "default": tr("prompts.var_default"),
            "description": tr("prompts.var_description"),
            "choices": st.column_config.TextColumn(tr("prompts.var_choices"), help=tr("prompts.var_choices_help"))}


def _specs_from(table: pd.DataFrame) -> list[dict]:
    specs = []
    for row in table.fillna("").to_dict("records"):
        if not str(row["name"]).strip():
            continue
        kind = row["kind"] if row["kind"] in prompts.VARIABLE_KINDS else prompts.SHORT
        specs.append(prompts.variable(str(row["name"]).strip(), kind, str(row["default"]), str(row["description"]),
                                      prompts.parse_choices(str(row["choices"])) if kind == prompts.CHOICE else []))
    return specs


def _cases_from(table: pd.DataFrame, names: list[str]) -> list[dict]:
    rows = table.fillna("").to_dict("records")
    return [{n: str(row.get(n, "")) for n in names} for row in rows if any(str(v).strip() for v in row.values())]


def _save(store: Store, user: str, admin: bool, prompt: Prompt, name: str, content: dict, base: int,
          note: str) -> None:
    try:
        if name != prompt.name:
            store.rename_prompt(user, prompt.id, name, admin=admin)
        saved = store.save_prompt_version(user, prompt.id, content, base, note, admin=admin)
    except DuplicatePromptName:
        st.warning(tr("prompts.duplicate_name", name=name), icon=":material/warning:")
        return
    except StalePrompt as stale:
        st.session_state[f"prompts_stale_{prompt.id}"] = [v.number for v in stale.since]
        return
    if saved is None:
        st.error(tr("prompts.not_yours"), icon=":material/block:")
        return
    _reload(prompt.id, saved.number)
    _say_next_run(tr("prompts.saved", name=name, number=saved.number))


def _stale_notice(store: Store, user: str, prompt: Prompt, base: int, draft: dict) -> None:
    """A save refused because others saved since `base`: who saved what, what differs from the
    draft, and two ways on (the draft stays in the editor either way until one is chosen)."""
    since = st.session_state.get(f"prompts_stale_{prompt.id}")
    if not since:
        return
    newest = store.get_prompt_version(user, prompt.id, max(since))
    lines = [tr("prompts.stale_version", number=v.number, user=v.user, when=local_time(v.created_at),
                note=markdown_literal(v.note) or "—")
             for v in (store.get_prompt_version(user, prompt.id, n) for n in since) if v]
    changed = prompts.changed_parts(draft, newest.content)
    st.error("\n\n".join([tr("prompts.stale", base=base, count=len(since)), *lines,
                          tr("prompts.stale_changed", parts=", ".join(changed) or "—")]), icon=":material/sync_problem:")
    keep_col, load_col = st.columns(2)
    keep_col.button(tr("prompts.stale_keep_mine", number=newest.number + 1), icon=":material/save_as:",
                    key=f"prompts_stale_keep_{prompt.id}", use_container_width=True,
                    on_click=_rebase_draft, args=(prompt.id, newest.number))
    load_col.button(tr("prompts.stale_load", number=newest.number), icon=":material/sync:",
                    key=f"prompts_stale_load_{prompt.id}", use_container_width=True,
                    on_click=_reload, args=(prompt.id, newest.number))


def _rebase_draft(prompt_id: int, newest: int) -> None:
    """Keep the draft as typed, to be saved after the newest version (the user has seen what changed)."""
    st.session_state[_base_key(prompt_id)] = newest
    st.session_state.pop(f"prompts_stale_{prompt_id}", None)


# ---------------------------------------------------------------- history

def _history(store: Store, user: str, admin: bool, prompt: Prompt, versions: list[PromptVersion],
             editable: bool) -> None:
    rows = [{"version": f"v{v.number}", "by": v.user or tr("prompts.shipped_owner"), "when": local_time(v.created_at),
             "note": v.note, "": _marker(prompt, v.number)} for v in reversed(versions)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True, column_config={
        "version": tr("prompts.col_version"), "by": tr("prompts.col_by"), "when": tr("prompts.col_when"),
        "note": tr("prompts.col_note"), "": tr("prompts.col_state")})
    numbers = [v.number for v in reversed(versions)]
    shown = {n: f"v{n} · {_marker(prompt, n) or versions[n - 1].note}" for n in numbers}  # in this run's language
    chosen = st.selectbox(tr("prompts.pick_version"), numbers, key=f"prompts_history_pick_{prompt.id}_{current_lang()}",
                          format_func=shown.get)
    version = versions[chosen - 1]
    row = st.container(horizontal=True, gap="small")
    if row.button(tr("prompts.open_version_in_chat", number=chosen), icon=":material/chat:", key="prompts_hist_chat"):
        open_in_chat(prompt, version)
    if row.button(tr("prompts.test_in_workbench", number=chosen), icon=":material/science:", key="prompts_hist_wb"):
        open_in_workbench(prompt, version)
    if editable:
        if row.button(tr("prompts.pin", number=chosen), icon=":material/push_pin:", key="prompts_pin",
                      disabled=prompt.pinned_version == chosen):
            store.pin_prompt_version(user, prompt.id, chosen, admin=admin)
            _say_next_run(tr("prompts.pinned", number=chosen))
        if prompt.pinned_version and row.button(tr("prompts.unpin"), icon=":material/push_pin:", key="prompts_unpin"):
            store.pin_prompt_version(user, prompt.id, None, admin=admin)
            _say_next_run(tr("prompts.unpinned"))
        if row.button(tr("prompts.restore", number=chosen), icon=":material/history:", key="prompts_restore",
                      disabled=chosen == prompt.head_version):
            _restore(store, user, admin, prompt, version)
    with st.expander(tr("prompts.version_content", number=chosen)):
        version_view(version)


def _marker(prompt: Prompt, number: int) -> str:
    if number == prompt.pinned_version:
        return tr("prompts.marker_pinned")
    return tr("prompts.marker_current") if number == prompt.current_version else ""


def _restore(store: Store, user: str, admin: bool, prompt: Prompt, version: PromptVersion) -> None:
    try:
        saved = store.save_prompt_version(user, prompt.id, version.content, prompt.head_version,
                                          tr("prompts.restored_note", number=version.number), admin=admin)
    except StalePrompt:
        st.warning(tr("prompts.restore_stale"), icon=":material/sync_problem:")
        return
    if saved:
        _reload(prompt.id, saved.number)
        _say_next_run(tr("prompts.restored", number=version.number, new=saved.number))


# ---------------------------------------------------------------- compare two versions

def _compare(versions: list[PromptVersion]) -> None:
    if len(versions) < 2:
        st.caption(tr("prompts.compare_one"))
        return
    numbers = [v.number for v in versions]
    left_col, right_col = st.columns(2)
    # keyed by the prompt and its newest version: a new version is compared with the one before it
    key = f"prompts_cmp_{versions[0].prompt_id}_{len(numbers)}"
    left = left_col.selectbox(tr("prompts.compare_left"), numbers, index=len(numbers) - 2, key=f"{key}_left",
                              format_func=lambda n: f"v{n}")
    right = right_col.selectbox(tr("prompts.compare_right"), numbers, index=len(numbers) - 1, key=f"{key}_right",
                                format_func=lambda n: f"v{n}")
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
    st.dataframe(pd.DataFrame([{"setting": k, f"v{left}": _shown(a), f"v{right}": _shown(b)} for k, a, b in changes]),
                 hide_index=True, use_container_width=True, column_config={"setting": tr("prompts.col_setting")})


def _shown(value) -> str:
    return "—" if value is None else str(value)


def diff_table(rows: list[tuple[str, str, str]], left: str, right: str) -> str:
    """Two columns of lines, changed ones tinted; every line escaped (it is the user's text)."""
    cells = "".join(
        f"<tr style='background:{_DIFF_COLOURS.get(kind, 'transparent')}'>"
        f"<td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for kind, a, b in rows)
    return ("<table style='width:100%;table-layout:fixed;border-collapse:collapse;font-family:monospace;"
            "font-size:0.85rem;white-space:pre-wrap;word-break:break-word'>"
            f"<tr><th style='text-align:left'>{left}</th><th style='text-align:left'>{right}</th></tr>{cells}</table>")


# ---------------------------------------------------------------- team: sharing, recommending, deleting

def _team(store: Store, user: str, admin: bool, prompt: Prompt, editable: bool) -> None:
    if not editable:
        st.caption(tr("prompts.read_only", owner=owner_label(prompt, user)))
    shared = st.toggle(tr("prompts.share_toggle"), value=prompt.shared, key=f"prompts_share_{prompt.id}",
                       disabled=not editable or (prompt.shared and prompt.user != user), help=tr("prompts.share_help"))
    if shared != prompt.shared:
        try:
            store.share_prompt(user, prompt.id, shared, admin=admin)
        except DuplicatePromptName:
            st.warning(tr("prompts.duplicate_shared", name=prompt.name), icon=":material/warning:")
            return
        _say_next_run(tr("prompts.now_shared" if shared else "prompts.now_private", name=prompt.name))
    if admin:
        recommended = st.toggle(tr("prompts.recommend_toggle"), value=prompt.recommended, disabled=not prompt.shared,
                                key=f"prompts_recommend_{prompt.id}", help=tr("prompts.recommend_help"))
        if recommended != prompt.recommended:
            store.admin_recommend_prompt(prompt.id, recommended)
            st.rerun()
    if editable:
        st.divider()
        if st.button(tr("prompts.delete"), icon=":material/delete:", key=f"prompts_delete_{prompt.id}"):
            st.session_state["prompts_delete_asked"] = prompt.id
        if st.session_state.get("prompts_delete_asked") == prompt.id:
            st.warning(tr("prompts.delete_confirm", name=markdown_literal(prompt.name)), icon=":material/delete_forever:")
            if st.button(tr("prompts.delete_for_good"), icon=":material/delete_forever:", type="primary",
                         key=f"prompts_delete_go_{prompt.id}"):
                store.delete_prompt(user, prompt.id, admin=admin)
                st.session_state.pop(OPEN, None)
                _say_next_run(tr("prompts.deleted", name=prompt.name))
