"""The Prompts page's editor: a prompt's next version (templates, variables, settings, test
cases), saved or refused when others saved first; a version read only; the toast after a rerun.
The page is lib/ui/prompts/view.py; the rules are in lib/prompts/__init__.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from lib import chat, prompts
from lib.client import ReshiClient
from lib.i18n import key_family
from lib.safe_text import markdown_literal
from lib.store import DuplicatePromptName, Prompt, PromptVersion, StalePrompt, Store
from lib.ui import state
from lib.ui.chat.view import model_ids
from lib.ui.clock import local_time
from lib.ui.session import labels, tr
from lib.ui.state.prompts import STALE_KEEP, STALE_LOAD, PromptsState

KIND_KEY = key_family("prompts.kind", prompts.VARIABLE_KINDS)


def say_next_run(text: str) -> None:
    state.of(PromptsState).notice = text
    st.rerun()


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
    st.caption(
        tr(
            "prompts.settings_line",
            model=content["settings"].get("model", ""),
            params=", ".join(chat.request_params(chat.merged_settings(content["settings"]))) or "—",
        )
    )


def reload_editor(prompt_id: int, base: int) -> None:
    """The editor starts again from version `base`."""
    state.of(PromptsState).editor(prompt_id).start_again(base)


def _variables_frame(specs: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{**s, "choices": "\n".join(s["choices"])} for s in specs],
        columns=["name", "kind", "default", "description", "choices"],
    )


def editor(
    store: Store, user: str, client: ReshiClient, admin: bool, prompt: Prompt, by_number: dict[int, PromptVersion]
) -> None:
    editing = state.of(PromptsState).editor(prompt.id)
    if editing.base is None:
        editing.base = prompt.head_version
    base = editing.base
    start = by_number[base].content

    def key(name: str) -> str:
        return editing.widget(prompt.id, name).key

    if base != prompt.head_version:
        st.caption(tr("prompts.editing_from", number=base, newest=prompt.head_version))
    name = st.text_input(tr("prompts.name"), value=prompt.name, max_chars=prompts.MAX_NAME_CHARS, key=key("name"))
    system = st.text_area(
        tr("prompts.system"), value=start["system"], height=160, key=key("system"), help=tr("prompts.variables_help")
    )
    user_text = st.text_area(
        tr("prompts.user"), value=start["user"], height=90, key=key("user"), help=tr("prompts.user_help")
    )
    st.markdown(f"**{tr('prompts.variables')}**")
    used = prompts.used_variables({"system": system, "user": user_text})
    # What the tables held last run: a new {{variable}} in a template makes a new table, which
    # starts from them, so descriptions and cases typed before are kept.
    kept = editing.kept or {"variables": start["variables"], "cases": start.get("cases") or []}
    declared = list(kept["variables"]) + [
        prompts.variable(n) for n in used if n not in {v["name"] for v in kept["variables"]}
    ]
    table = st.data_editor(
        _variables_frame(declared),
        num_rows="dynamic",
        hide_index=True,
        use_container_width=True,
        key=key(f"variables_{'_'.join(used)}"),
        column_config={
            **_variable_columns(),
            "name": st.column_config.TextColumn(tr("prompts.var_name"), required=True),
            "kind": st.column_config.SelectboxColumn(
                tr("prompts.var_kind"),
                options=list(prompts.VARIABLE_KINDS),
                required=True,
                default=prompts.SHORT,
                format_func=labels(KIND_KEY),
            ),
        },
    )
    settings = _settings_editor(client, start["settings"], key)
    tags = st.text_input(
        tr("prompts.tags"), value=", ".join(start["tags"]), key=key("tags"), placeholder=tr("prompts.tags_placeholder")
    )
    names = [str(n) for n in table["name"].fillna("") if str(n).strip()]
    st.markdown(f"**{tr('prompts.cases')}**")
    cases = st.data_editor(
        pd.DataFrame(kept["cases"], columns=names),
        num_rows="dynamic",
        hide_index=True,
        use_container_width=True,
        key=key(f"cases_{'_'.join(names)}"),
    )
    st.caption(tr("prompts.cases_note"))
    content = {
        "system": system,
        "user": user_text,
        "variables": _specs_from(table),
        "settings": settings,
        "tags": prompts.parse_tags(tags),
        "cases": _cases_from(cases, names),
    }
    editing.kept = {"variables": content["variables"], "cases": content["cases"]}
    problems = prompts.problems(content) or ([p] if (p := prompts.name_problem(name)) else [])
    for problem in problems:
        st.warning(tr(problem.key, **problem.fields), icon=":material/warning:")
    note_col, save_col = st.columns([4, 1.3], vertical_alignment="bottom")
    note = note_col.text_input(
        tr("prompts.note"),
        max_chars=prompts.MAX_NOTE_CHARS,
        key=key("note"),
        placeholder=tr("prompts.note_placeholder"),
    )
    if save_col.button(
        tr("prompts.save", number=base + 1),
        icon=":material/save:",
        type="primary",
        key=key("save"),
        disabled=bool(problems),
        use_container_width=True,
    ):
        _save(store, user, admin, prompt, name.strip(), content, base, note.strip())
    _stale_notice(store, user, prompt, base, content)


def _settings_editor(client: ReshiClient, saved: dict[str, Any], key: Callable[[str], str]) -> dict[str, Any]:
    """The model and the Chat page's parameters; settings other features keep are carried over as
    they are (shown, not edited here: the Chat page edits them)."""
    settings = chat.merged_settings(saved)
    models = model_ids(client)
    if settings["model"] not in models:
        models = [settings["model"], *models]
    model = st.selectbox(tr("prompts.model"), models, index=models.index(settings["model"]), key=key("model"))
    rows = pd.DataFrame(
        [
            {"param": p.name, "on": settings["params"][p.name]["on"], "value": str(settings["params"][p.name]["value"])}
            for p in chat.PARAMS
        ]
    )
    edited = st.data_editor(
        rows,
        hide_index=True,
        use_container_width=True,
        key=key("params"),
        disabled=["param"],
        column_config={
            "param": tr("prompts.param"),
            "on": st.column_config.CheckboxColumn(tr("prompts.param_on")),
            "value": tr("prompts.param_value"),
        },
    )
    params = {}
    for param, row in zip(chat.PARAMS, edited.to_dict("records")):
        params[param.name] = {"on": bool(row["on"]), "value": _param_value(param, row["value"])}
    others = {k: v for k, v in saved.items() if k not in ("model", "params")}
    if others:
        with st.expander(tr("prompts.other_settings")):
            st.json(others)
    return {**saved, "model": model, "params": params}


def _param_value(param: chat.Param, text: Any) -> float | int | str:
    """The typed value, kept within the parameter's range; what is not a number keeps the default."""
    if isinstance(param.default, str):
        return str(text or "")
    try:
        number = type(param.default)(float(text))
    except (TypeError, ValueError):
        return param.default
    if param.low is not None:
        number = max(number, param.low)
    return number if param.high is None else min(number, param.high)


def _variable_columns() -> dict[str, Any]:
    return {
        "name": tr("prompts.var_name"),
        "kind": tr("prompts.var_kind"),
        "default": tr("prompts.var_default"),
        "description": tr("prompts.var_description"),
        "choices": st.column_config.TextColumn(tr("prompts.var_choices"), help=tr("prompts.var_choices_help")),
    }


def _specs_from(table: pd.DataFrame) -> list[dict[str, Any]]:
    specs = []
    for row in table.fillna("").to_dict("records"):
        if not str(row["name"]).strip():
            continue
        kind = row["kind"] if row["kind"] in prompts.VARIABLE_KINDS else prompts.SHORT
        specs.append(
            prompts.variable(
                str(row["name"]).strip(),
                kind,
                str(row["default"]),
                str(row["description"]),
                prompts.parse_choices(str(row["choices"])) if kind == prompts.CHOICE else [],
            )
        )
    return specs


def _cases_from(table: pd.DataFrame, names: list[str]) -> list[dict[str, str]]:
    rows = table.fillna("").to_dict("records")
    return [{n: str(row.get(n, "")) for n in names} for row in rows if any(str(v).strip() for v in row.values())]


def _save(
    store: Store, user: str, admin: bool, prompt: Prompt, name: str, content: dict[str, Any], base: int, note: str
) -> None:
    try:
        if name != prompt.name:
            store.rename_prompt(user, prompt.id, name, admin=admin)
        saved = store.save_prompt_version(user, prompt.id, content, base, note, admin=admin)
    except DuplicatePromptName:
        st.warning(tr("prompts.duplicate_name", name=name), icon=":material/warning:")
        return
    except StalePrompt as stale:
        state.of(PromptsState).editor(prompt.id).stale_since = [v.number for v in stale.since]
        return
    if saved is None:
        st.error(tr("prompts.not_yours"), icon=":material/block:")
        return
    reload_editor(prompt.id, saved.number)
    say_next_run(tr("prompts.saved", name=name, number=saved.number))


def _stale_notice(store: Store, user: str, prompt: Prompt, base: int, draft: dict[str, Any]) -> None:
    """A save refused because others saved since `base`: who saved what, what differs from the
    draft, and two ways on (the draft stays in the editor either way until one is chosen)."""
    since = state.of(PromptsState).editor(prompt.id).stale_since
    if not since:
        return
    newest = store.get_prompt_version(user, prompt.id, max(since))
    if newest is None:  # the prompt is gone (deleted meanwhile): no newer version to show
        return
    lines = [
        tr(
            "prompts.stale_version",
            number=v.number,
            user=v.user,
            when=local_time(v.created_at),
            note=markdown_literal(v.note) or "—",
        )
        for v in (store.get_prompt_version(user, prompt.id, n) for n in since)
        if v
    ]
    changed = prompts.changed_parts(draft, newest.content)
    st.error(
        "\n\n".join(
            [
                tr("prompts.stale", base=base, count=len(since)),
                *lines,
                tr("prompts.stale_changed", parts=", ".join(changed) or "—"),
            ]
        ),
        icon=":material/sync_problem:",
    )
    keep_col, load_col = st.columns(2)
    keep_col.button(
        tr("prompts.stale_keep_mine", number=newest.number + 1),
        icon=":material/save_as:",
        key=STALE_KEEP(prompt.id).key,
        use_container_width=True,
        on_click=_rebase_draft,
        args=(prompt.id, newest.number),
    )
    load_col.button(
        tr("prompts.stale_load", number=newest.number),
        icon=":material/sync:",
        key=STALE_LOAD(prompt.id).key,
        use_container_width=True,
        on_click=reload_editor,
        args=(prompt.id, newest.number),
    )


def _rebase_draft(prompt_id: int, newest: int) -> None:
    """Keep the draft as typed, to be saved after the newest version (the user has seen what changed)."""
    editing = state.of(PromptsState).editor(prompt_id)
    editing.base, editing.stale_since = newest, None
