"""Function calling on the Chat page: each call of a reply drawn as a card (its arguments checked
against the schema, a result typed or mocked), Continue, the chain answered with mocks, and the
calls as a share or a slide shows them. The Tools dialog is lib/ui/chat/tools_editor.py.

The logic is lib/chat/tools.py; what is stored: an assistant reply's `meta["tool_calls"]` (as the
API sent them) and one `tool` message per result, `meta["tool_call_id"]` naming its call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import streamlit as st

from lib.chat import tools
from lib.client import ChatStream
from lib.safe_text import markdown_literal
from lib.store import Message, Store
from lib.ui import state
from lib.ui.session import tr
from lib.ui.state import Widget
from lib.ui.state.chat import TOOL_RESULT, TOOLS_CONTINUE, ChatPanels

SendAgain = Callable[[list[int]], None]  # lib/ui/chat/view.py `request_retry`


# ---------------------------------------------------------------- calls while they stream


def streaming_calls(stream: ChatStream) -> str:
    """The calls of a reply still streaming, as Markdown under its text."""
    return "".join(
        f"\n\n:material/function: **{markdown_literal(c.name)}**\n```json\n{c.arguments}\n```"
        for c in stream.tool_calls
    )


# ---------------------------------------------------------------- a reply's calls as cards


def results_of(history: list[Message]) -> dict[str, Message]:
    """tool_call_id -> the tool message answering it."""
    return {cast(str, m.meta.get("tool_call_id")): m for m in history if m.role == "tool" and m.meta}


def call_cards(
    store: Store,
    user: str,
    message: Message,
    settings_tools: list[dict[str, Any]],
    results: dict[str, Message],
    open_calls: bool,
    send_again: SendAgain,
) -> None:
    """Each call of the reply: its function, its arguments checked, and its result (typed,
    mocked, or the one sent). `open_calls`: the last reply, whose calls still wait for results."""
    meta = message.meta or {}
    calls = meta.get("tool_calls") or []
    missing = state.of(ChatPanels).missing_results.get(message.id, [])
    for call in calls:
        _card(
            message,
            call,
            tools.find(settings_tools, call["function"]["name"]),
            results.get(call.get("id")),
            open_calls,
            call.get("id") in missing,
        )
    if open_calls and any(call.get("id") not in results for call in calls):
        st.button(
            tr("tools.continue"),
            icon=":material/play_arrow:",
            type="primary",
            key=TOOLS_CONTINUE(message.id).key,
            help=tr("tools.continue_help"),
            on_click=_continue,
            args=(store, user, message, settings_tools, results, send_again),
        )
    elif open_calls:  # every result sent, but no reply came (stopped, or failed): send again
        st.button(
            tr("tools.continue"),
            icon=":material/play_arrow:",
            type="primary",
            key=TOOLS_CONTINUE(message.id).key,
            on_click=send_again,
            args=([],),
        )
    if meta.get("chain_limit"):
        st.warning(tr("tools.chain_limit", count=meta["chain_limit"]), icon=":material/block:")


def _card(
    message: Message,
    call: dict[str, Any],
    tool: dict[str, Any] | None,
    result: Message | None,
    open_calls: bool,
    missing: bool,
) -> None:
    name, arguments = call["function"]["name"], call["function"].get("arguments") or ""
    with st.container(border=True):
        st.markdown(f":material/function: {tr('tools.call_title', name=markdown_literal(name))}")
        parsed = _parsed(arguments)
        if parsed is _NOT_JSON:
            st.code(arguments or " ", language="text", wrap_lines=True)
            st.error(tr("tools.args_not_json"), icon=":material/data_object:")
        else:
            st.code(json.dumps(parsed, indent=2, ensure_ascii=False), language="json", wrap_lines=True)
            for path, why in tools.argument_problems(tool, parsed):
                st.warning(tr("tools.args_mismatch", path=path, reason=markdown_literal(why)), icon=":material/rule:")
        if tool is None:
            st.warning(tr("tools.call_unknown", name=markdown_literal(name)), icon=":material/help:")
        if result is not None:
            st.caption(tr("tools.result_sent"))  # (wrapped: a Compare column is narrow)
            st.code(
                result.content or " ",
                language="json" if _parsed(result.content) is not _NOT_JSON else "text",
                wrap_lines=True,
            )
        elif open_calls:
            _result_input(message, call, tool, parsed, missing)


def _result_input(
    message: Message, call: dict[str, Any], tool: dict[str, Any] | None, parsed: Any, missing: bool
) -> None:
    box = TOOL_RESULT(message.id, call.get("id"))
    st.text_area(tr("tools.result_label"), key=box.key, height=80, placeholder=tr("tools.result_placeholder"))
    mock = tool["mock"].strip() if tool else ""
    st.button(
        tr("tools.use_mock"),
        icon=":material/auto_fix_high:",
        key=f"{box.key}_mock",
        disabled=not mock,
        help=None if mock else tr("tools.no_mock"),
        on_click=_use_mock,
        args=(box, tool["mock"] if tool and mock else "", {} if parsed is _NOT_JSON else parsed),
    )
    if missing and not (box.value() or "").strip():
        st.error(tr("tools.result_empty"), icon=":material/edit_note:")


def _use_mock(box: Widget[str], template: str, arguments: Any) -> None:
    box.set(tools.fill_mock(template, arguments))


_NOT_JSON = object()


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return _NOT_JSON


def _continue(
    store: Store,
    user: str,
    message: Message,
    settings_tools: list[dict[str, Any]],
    results: dict[str, Message],
    send_again: SendAgain,
) -> None:
    """Each call's result becomes a `tool` message and the replies are asked for again; a call
    left without a result stops it, with what was typed kept in the boxes."""
    waiting = [c for c in (message.meta or {})["tool_calls"] if c.get("id") not in results]
    typed = {c["id"]: TOOL_RESULT(message.id, c["id"]).value() or "" for c in waiting}
    missing = [call_id for call_id, text in typed.items() if not text.strip()]
    state.of(ChatPanels).missing_results[message.id] = missing
    if missing:
        return
    for call in waiting:
        _add_result(store, user, message, call, tools.result_text(typed[call["id"]]))
    send_again([])


def _add_result(store: Store, user: str, message: Message, call: dict[str, Any], content: str) -> None:
    meta = message.meta or {}
    column = {"column": meta["column"]} if "column" in meta else {}
    store.add_message(
        user,
        message.conversation_id,
        "tool",
        content,
        {"tool_call_id": call["id"], "name": call["function"]["name"], **column},
    )


# ---------------------------------------------------------------- answered with mocks


def answered_by_mocks(store: Store, user: str, conversation_id: int, settings: dict) -> int:
    """With "answer with mocks automatically" on: the calls of each column's latest reply get
    their tools' mock results, and how many were added (not 0) says to ask for the next replies.
    A reply is left to the user when it was stopped or cut, calls a tool that has no mock, or
    its chain reached the step limit (noted on the reply, and shown under it)."""
    if not settings.get("auto_mock"):
        return 0
    history = store.list_messages(user, conversation_id)
    answered = set(results_of(history))
    added = 0
    for reply in tools.latest_replies(history).values():
        calls = reply.meta.get("tool_calls") or []
        if (
            not calls
            or reply.meta.get("stopped")
            or reply.meta.get("incomplete")
            or any(c.get("id") in answered for c in calls)
        ):
            continue
        if tools.chain_steps(history, reply.meta.get("column", 0)) > settings["auto_steps"]:
            store.update_message(user, reply.id, meta={**reply.meta, "chain_limit": settings["auto_steps"]})
            continue
        mocks = [tools.find(settings["tools"], c["function"]["name"]) for c in calls]
        if not all(tool and tool["mock"].strip() for tool in mocks):
            continue
        for call, tool in zip(calls, mocks):
            mock = tool["mock"] if tool else ""  # (each has one: checked above)
            arguments = _parsed(call["function"].get("arguments") or "")
            _add_result(
                store,
                user,
                reply,
                call,
                tools.result_text(tools.fill_mock(mock, {} if arguments is _NOT_JSON else arguments)),
            )
        added += len(calls)
    return added


# ---------------------------------------------------------------- read-only (shares, presentation)


def read_only_calls(steps: tuple[tools.CallStep, ...]) -> None:
    """A chain's calls and their results, as a share link or a slide shows them."""
    for step in steps:
        with st.container(border=True):
            st.markdown(f":material/function: {tr('tools.call_title', name=markdown_literal(step.name))}")
            parsed = _parsed(step.arguments)
            st.code(
                step.arguments or " " if parsed is _NOT_JSON else json.dumps(parsed, indent=2, ensure_ascii=False),
                language="json",
                wrap_lines=True,
            )
            if step.result is not None:
                st.caption(tr("tools.result_sent"))
                st.code(
                    step.result or " ",
                    language="json" if _parsed(step.result) is not _NOT_JSON else "text",
                    wrap_lines=True,
                )
            else:
                st.caption(tr("tools.result_none"))


def shared_results(messages: list[dict]) -> dict[str, str]:
    """tool_call_id -> result, of a share snapshot's messages."""
    return {m["meta"].get("tool_call_id"): m["content"] for m in messages if m["role"] == "tool"}
