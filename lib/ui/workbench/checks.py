"""The Workbench page's checks: each check's kind, must or should, its value (a judge: rubric,
model and threshold; a tool check: the tool and its arguments), added and removed. What a check
does is lib/workbench/prompt.py; the draft they belong to is lib/ui/workbench/editors.py's."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import chat, workbench
from lib.chat import tools
from lib.i18n import key_family
from lib.ui.session import current_lang, labels, tr
from lib.ui.state.workbench import ADD_CHECK
from lib.ui.workbench.editors import editor_key, session_draft

CHECK_KEY = key_family("workbench.check", workbench.CHECK_KINDS)
VALUE_LABEL_KEY = key_family("workbench.value_label", ("text", "reference", "credits", "seconds", "characters", "tool"))
JUDGE_EXAMPLE = "Is this reply accurate, kind and easy for {{audience}} to follow?\n\nReply:\n{{output}}"


def checks_editor(models: list[str]) -> list[workbench.Check]:
    """Checks run on every reply; their values may hold the case's `{{variables}}`. `models`:
    the chat models a judge may be."""
    draft = session_draft()
    with st.expander(tr("workbench.checks_title"), icon=":material/rule:", expanded=bool(draft.checks)):
        for row in draft.checks:
            _check_row(row, models)
        st.button(tr("workbench.add_check"), key=ADD_CHECK.key, icon=":material/add:", on_click=_add_check)
        st.caption(tr("workbench.checks_help"))
    return workbench.checks_from(draft.checks)


def _check_row(row: dict[str, Any], models: list[str]) -> None:
    """One check: its kind, must or should, its text (a judge: rubric, model and threshold) and
    a remove button."""
    kind_col, must_col, value_col, remove_col = st.columns([1.6, 1, 3, 0.5], vertical_alignment="bottom")
    row["kind"] = kind_col.selectbox(
        tr("workbench.check_kind"),
        workbench.CHECK_KINDS,
        index=workbench.CHECK_KINDS.index(row["kind"]),
        format_func=labels(CHECK_KEY),
        # keyed per language: a selectbox keeps the option labels it was made with
        key=editor_key(f"check_kind_{current_lang()}_{row['id']}"),
    )
    row["must"] = must_col.toggle(
        tr("workbench.must"),
        value=row.get("must", True),
        key=editor_key(f"check_must_{row['id']}"),
        help=tr("workbench.must_help"),
    )
    kind = row["kind"]
    if kind == workbench.JSON_SCHEMA:
        row["value"] = value_col.text_area(
            tr("workbench.check_schema"),
            value=row["value"],
            height=100,
            key=editor_key(f"check_value_{row['id']}"),
            placeholder='{"type": "object"}',
        )
    elif kind in workbench.TOOL_KINDS:
        names = [t["name"].strip() for t in tools.valid_tools(session_draft().tools["tools"])]
        options = list(dict.fromkeys([*names, *([row["value"]] if row["value"] else [])]))
        row["value"] = (
            value_col.selectbox(
                tr(VALUE_LABEL_KEY("tool")),
                options,
                index=options.index(row["value"]) if row["value"] in options else None,
                key=editor_key(f"check_tool_{row['id']}"),
                accept_new_options=True,
                placeholder=tr("workbench.tool_placeholder"),
            )
            or ""
        )
    elif kind != workbench.JUDGE:
        row["value"] = value_col.text_input(
            tr(VALUE_LABEL_KEY(_value_label(kind))),
            value=row["value"],
            disabled=kind == workbench.IS_JSON,
            key=editor_key(f"check_value_{row['id']}"),
        )
    remove_col.button(
        "",
        icon=":material/delete:",
        key=editor_key(f"check_remove_{row['id']}"),
        help=tr("workbench.remove_check"),
        on_click=_remove_check,
        args=(row["id"],),
    )
    if kind == workbench.JUDGE:
        _judge_inputs(row, models)
    if kind == workbench.TOOL_ARGUMENTS:
        row["arguments"] = st.text_area(
            tr("workbench.tool_arguments"),
            value=row.get("arguments", ""),
            height=80,
            key=editor_key(f"check_arguments_{row['id']}"),
            placeholder='{"city": "{{city}}"}',
            help=tr("workbench.tool_arguments_help"),
        )
    if kind in workbench.THRESHOLD_KINDS:
        row["threshold"] = st.slider(
            tr("workbench.threshold"),
            0.0,
            1.0,
            float(row.get("threshold", 0.7)),
            0.05,
            key=editor_key(f"check_threshold_{row['id']}"),
            help=tr("workbench.threshold_help"),
        )


def _value_label(kind: str) -> str:
    return {
        workbench.SIMILAR: "reference",
        workbench.MAX_CREDITS: "credits",
        workbench.MAX_SECONDS: "seconds",
        workbench.MIN_LENGTH: "characters",
        workbench.MAX_LENGTH: "characters",
    }.get(kind, "text")


def _judge_inputs(row: dict[str, Any], models: list[str]) -> None:
    row["rubric"] = st.text_area(
        tr("workbench.rubric"),
        value=row.get("rubric") or JUDGE_EXAMPLE,
        height=100,
        key=editor_key(f"check_rubric_{row['id']}"),
        help=tr("workbench.rubric_help"),
    )
    options = list(dict.fromkeys([row.get("model") or chat.DEFAULT_MODEL, *models]))
    row["model"] = st.selectbox(
        tr("workbench.judge_model"),
        options,
        index=options.index(row.get("model") or chat.DEFAULT_MODEL),
        key=editor_key(f"check_judge_model_{row['id']}"),
        accept_new_options=True,
    )


def _add_check() -> None:
    checks = session_draft().checks
    checks.append(
        {
            "id": max((c["id"] for c in checks), default=0) + 1,
            "kind": workbench.CONTAINS,
            "value": "",
            "must": True,
            "rubric": "",
            "model": "",
            "threshold": 0.7,
            "arguments": "",
        }
    )


def _remove_check(check_id: int) -> None:
    draft = session_draft()
    draft.checks = [c for c in draft.checks if c["id"] != check_id]
