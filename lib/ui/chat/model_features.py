"""The Chat page's model features on screen: their settings (reasoning effort, response format
and schema editor, probabilities, extra parameters) and what a reply shows of them (its
thinking, its JSON checked against the schema, its tokens shaded by probability).

The rules are in lib/chat/features.py, lib/chat/structured.py and lib/chat/extra_params.py; this module only
draws them. Nothing typed is ever thrown away: a schema or extra parameters that are refused stay
in their box with the reason under it, and the message waits until they are fixed.
"""

from __future__ import annotations

import html
import json
import math

import streamlit as st

from lib.chat import extra_params, features, structured
from lib.i18n import key_family
from lib.safe_text import images_as_links, markdown_literal
from lib.ui import state
from lib.ui.session import tr
from lib.ui.state import Widget
from lib.ui.state.chat import ChatPanels

EFFORT_KEY = key_family("features.effort", features.EFFORTS)
FORMAT_KEY = key_family("features.format", structured.RESPONSE_FORMATS)
STARTER_KEY = key_family("features.starter", structured.STARTER_SCHEMAS)
PROBLEM_KEY = key_family(
    "problem",
    (
        structured.NOT_JSON,
        structured.NOT_AN_OBJECT,
        structured.NOT_A_SCHEMA,
        extra_params.RESERVED_KEYS,
        structured.MISMATCH,
    ),
)
BLOCKED_KEY = key_family("features.blocked", ("schema", "extra"))
SCHEMA_HEIGHT = 180


def problem_text(problem: structured.Problem) -> str:
    """A refusal in the user's words: where (line and column, or a path) and why."""
    return tr(
        PROBLEM_KEY(problem.kind), line=problem.line, column=problem.column, path=problem.path, reason=problem.reason
    )


def blocked_text(settings: dict) -> str | None:
    """Why a message cannot go with these settings, or None."""
    found = features.options_problem(settings)
    if found is None:
        return None
    what, problem = found
    return tr(BLOCKED_KEY(what), problem=problem_text(problem))


# ---------------------------------------------------------------- settings


def keep_setting(settings: dict, field: str, widget_key: str) -> None:
    """A settings widget's on_change: its new value is in `settings` before the page runs."""
    settings[field] = Widget(widget_key).value()


def settings_section(settings: dict, widget: str) -> None:
    """The model-feature settings, in the Settings popover under the sampling parameters."""
    st.divider()
    st.caption(tr("features.section"))
    key = f"{widget}_effort"
    st.segmented_control(
        tr("features.effort"),
        features.EFFORTS,
        format_func=lambda e: tr(EFFORT_KEY(e)),
        default=settings["reasoning_effort"],
        key=key,
        help=tr("features.effort_help"),
        required=True,
        on_change=keep_setting,
        args=(settings, "reasoning_effort", key),
    )
    key = f"{widget}_format"
    st.segmented_control(
        tr("features.format"),
        structured.RESPONSE_FORMATS,
        format_func=lambda f: tr(FORMAT_KEY(f)),
        default=settings["response_format"],
        key=key,
        help=tr("features.format_help"),
        required=True,
        on_change=keep_setting,
        args=(settings, "response_format", key),
    )
    if settings["response_format"] == structured.JSON_SCHEMA:
        _schema_editor(settings, widget)
    key = f"{widget}_logprobs"
    st.toggle(
        tr("features.logprobs"),
        value=settings["logprobs"],
        key=key,
        help=tr("features.logprobs_help"),
        on_change=keep_setting,
        args=(settings, "logprobs", key),
    )
    if settings["logprobs"]:
        key = f"{widget}_top_logprobs"
        st.number_input(
            tr("features.top_logprobs"),
            0,
            features.MAX_TOP_LOGPROBS,
            settings["top_logprobs"],
            key=key,
            on_change=keep_setting,
            args=(settings, "top_logprobs", key),
        )
    key = f"{widget}_extra"
    st.text_area(
        tr("features.extra"),
        value=settings["extra"],
        key=key,
        height=90,
        help=tr("features.extra_help"),
        placeholder='{"n": 1, "top_k": 40}',
        on_change=keep_setting,
        args=(settings, "extra", key),
    )
    parsed = extra_params.parse_extra(settings["extra"])
    if parsed.problem:
        st.error(problem_text(parsed.problem), icon=":material/error:")
    elif parsed.values:
        st.caption(tr("features.extra_ok", keys=", ".join(f"`{k}`" for k in parsed.values)))


def _schema_editor(settings: dict, widget: str) -> None:
    """The schema box, checked as it is typed (line and reason, or path and reason), with
    starter schemas and a schema inferred from an example."""
    key = f"{widget}_schema"
    _follow(settings, "schema", key)
    st.text_area(
        tr("features.schema"),
        key=key,
        height=SCHEMA_HEIGHT,
        placeholder=tr("features.schema_placeholder"),
        on_change=keep_setting,
        args=(settings, "schema", key),
    )
    if not settings["schema"].strip():
        st.caption(tr("features.schema_empty"))
    else:
        problem = structured.schema_problem(settings["schema"])
        if problem:
            st.error(problem_text(problem), icon=":material/error:")
        else:
            st.caption(f":material/check_circle: {tr('features.schema_ok')}")
    row = st.columns([3, 2], vertical_alignment="bottom")
    name_key, strict_key = f"{widget}_schema_name", f"{widget}_schema_strict"
    _follow(settings, "schema_name", name_key)
    row[0].text_input(
        tr("features.schema_name"),
        key=name_key,
        max_chars=64,
        on_change=keep_setting,
        args=(settings, "schema_name", name_key),
    )
    row[1].toggle(
        tr("features.schema_strict"),
        value=settings["schema_strict"],
        key=strict_key,
        help=tr("features.schema_strict_help"),
        on_change=keep_setting,
        args=(settings, "schema_strict", strict_key),
    )
    starter_key = f"{widget}_starter"
    st.selectbox(
        tr("features.starter"),
        list(structured.STARTER_SCHEMAS),
        index=None,
        key=starter_key,
        format_func=lambda s: tr(STARTER_KEY(s)),
        placeholder=tr("features.starter_placeholder"),
        on_change=_use_starter,
        args=(settings, starter_key),
    )
    with st.expander(tr("features.infer"), icon=":material/auto_fix_high:"):
        example_key = f"{widget}_example"
        st.text_area(tr("features.example"), key=example_key, height=100, placeholder='{"title": "Dune", "year": 1965}')
        st.button(
            tr("features.infer_button"),
            key=f"{widget}_infer",
            icon=":material/schema:",
            on_click=_infer,
            args=(settings, example_key),
        )
        problem = state.of(ChatPanels).example_problems.get(example_key)
        if problem:
            st.error(problem_text(problem), icon=":material/error:")


def _follow(settings: dict, field: str, key: str) -> None:
    """A box that a button may fill (a starter, an inferred schema) shows the setting's value."""
    box = Widget[str](key)
    if box.value() != settings[field]:
        box.set(settings[field])


def _use_starter(settings: dict, key: str) -> None:
    starter = Widget[str | None](key)
    name = starter.value()
    if name:
        settings["schema"] = structured.pretty(structured.STARTER_SCHEMAS[name])
        settings["schema_name"] = name
    starter.set(None)


def _infer(settings: dict, example_key: str) -> None:
    """A schema from the example, in the schema box; an example that is not JSON stays where it
    is with the reason."""
    schema, problem = structured.infer_schema(Widget[str](example_key).value() or "")
    state.of(ChatPanels).example_problems[example_key] = problem
    if schema is not None:
        settings["schema"] = structured.pretty(schema)
        st.toast(tr("features.inferred"), icon=":material/schema:")


# ---------------------------------------------------------------- a reply


def thinking_seconds_label(seconds: float | None) -> str:
    return tr("thinking.done", seconds=max(1, round(seconds))) if seconds else tr("thinking.done_short")


def thinking_block(thinking: str, seconds: float | None, *, live: bool = False, opened: bool = False) -> None:
    """The model's thinking above its answer: open while it thinks ("Thinking…"), then folded
    away under "Thought for N s", reopenable (`opened`: shown open, as on a slide)."""
    if not thinking:
        return
    label = tr("thinking.live") if live else thinking_seconds_label(seconds)
    with st.expander(label, expanded=live or opened, icon=None if live else ":material/psychology:"):
        st.markdown(images_as_links(thinking))


def reply_body(content: str, meta: dict, key: str) -> None:
    """A stored reply's text: checked JSON when a format was asked for (with a raw-text switch),
    the tokens shaded by probability when they were asked for, else Markdown."""
    checked = meta.get("structured")
    if checked:
        _structured_reply(content, checked, key)
    elif meta.get("logprobs") and st.toggle(tr("probs.show"), value=True, key=f"{key}_probs"):
        probabilities(meta["logprobs"])
    else:
        st.markdown(images_as_links(content))


def _structured_reply(content: str, checked: dict, key: str) -> None:
    problems = [structured.Problem(**p) for p in checked.get("problems") or []]
    if checked.get("kind") == structured.MATCHES:
        label = tr("structured.matches") if checked.get("schema") else tr("structured.valid_json")
        st.badge(label, icon=":material/check_circle:", color="green")
    elif checked.get("kind") == structured.MISMATCH:
        st.badge(tr("structured.mismatch"), icon=":material/rule:", color="red")
        for problem in problems[:10]:
            st.markdown(f"- {markdown_literal(problem_text(problem))}")
    else:
        st.warning(
            tr("structured.not_json") + " " + (problem_text(problems[0]) if problems else ""),
            icon=":material/data_object:",
        )
    raw = checked.get("kind") == structured.NOT_JSON or st.toggle(tr("structured.raw"), key=f"{key}_raw")
    if raw:
        st.code(content, language=None, wrap_lines=True)
    else:
        st.code(structured.pretty(json.loads(structured.unfenced(content).strip())), language="json", wrap_lines=True)


_PROBS_CSS = """<style>
.tok-probs{line-height:1.9;white-space:pre-wrap;word-break:break-word;font-size:0.95rem}
.tok{position:relative;border-radius:3px;cursor:default;outline:none}
.tok .alts{display:none;position:absolute;left:0;top:1.6em;z-index:10;min-width:11em;padding:4px 8px;
 background:#fff;color:#222;border:1px solid #ccc;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.15);
 font-size:0.8rem;line-height:1.5;white-space:pre}
.tok:hover .alts,.tok:focus .alts{display:block}
</style>"""


def probabilities(entries: list[list]) -> None:
    """The reply's tokens, each shaded by how unlikely it was (darker: less likely), with its
    alternatives and their probabilities on hover or tap (focus). Text only: every token is
    escaped, nothing is loaded."""
    spans = []
    for token, logprob, alternatives in entries:
        p = math.exp(logprob)
        alts = "\n".join(f"{html.escape(repr(a)[1:-1])}  {math.exp(lp):.1%}" for a, lp in alternatives) or f"{p:.1%}"
        spans.append(
            f'<span class="tok" tabindex="0" style="background:rgba(255,140,0,{(1 - p) * 0.55:.2f})">'
            f'{html.escape(token)}<span class="alts">{alts}</span></span>'
        )
    st.html(f'{_PROBS_CSS}<div class="tok-probs">{"".join(spans)}</div>')
    st.caption(tr("probs.caption"))
