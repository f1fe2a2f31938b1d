"""Tool calls in a conversation's history: which replies' calls are answered, which columns of a
comparison go on after tool results, how many steps a chain has taken, and the fields the API
wants on a call and its result. No Streamlit here; the tools themselves are lib/chat/tools.py's.
"""

from __future__ import annotations

from typing import Any


def with_call_fields(messages: list[dict], meta: dict, answered: set) -> None:
    """The last message, as the API wants a tool call and its result. An assistant's calls go
    only when every one has its result (the API refuses calls left unanswered: a user who typed
    a new question instead is sent the reply's text alone, or nothing when it had none); a
    result goes with the id of the call it answers, and only after that call."""
    message = messages[-1]
    calls = meta.get("tool_calls") if message["role"] == "assistant" else None
    if calls and all(call.get("id") in answered for call in calls):
        message.update(content=message["content"] or None, tool_calls=calls)
    elif calls and not message["content"]:
        messages.pop()
    elif message["role"] == "tool":
        before: dict = next((m for m in reversed(messages[:-1]) if m["role"] != "tool"), {})
        if meta.get("tool_call_id") in {call.get("id") for call in before.get("tool_calls") or []}:
            message["tool_call_id"] = meta["tool_call_id"]
        else:
            messages.pop()


def after_last_question(history: list) -> list:
    last_user = max((i for i, m in enumerate(history) if m.role == "user"), default=-1)
    return history[last_user + 1 :]


def latest_replies(history: list) -> dict[int, Any]:
    """column -> the latest reply since the last user message (one column without Compare)."""
    return {(m.meta or {}).get("column", 0): m for m in after_last_question(history) if m.role == "assistant"}


def open_reply_ids(history: list, sending: bool = False) -> set[int]:
    """The replies whose calls can still be answered (or, all answered, sent again): each
    column's latest, when it called tools. While replies are `sending`, one whose results all
    went is being answered, and is not open."""
    answered = {(m.meta or {}).get("tool_call_id") for m in history if m.role == "tool"}
    return {
        m.id
        for m in latest_replies(history).values()
        if (m.meta or {}).get("tool_calls")
        and not (sending and all(c.get("id") in answered for c in m.meta["tool_calls"]))
    }


def continuing_columns(history: list, count: int) -> list[int]:
    """Which of `count` columns a send asks: every one after a question; after tool results,
    those whose latest reply has all its results (a column that answered in text is done, and
    one whose calls still wait goes on when they are answered)."""
    if not history or history[-1].role != "tool":
        return list(range(count))
    answered = {(m.meta or {}).get("tool_call_id") for m in history if m.role == "tool"}
    latest = latest_replies(history)
    return [
        column
        for column in range(count)
        if column in latest
        and (latest[column].meta or {}).get("tool_calls")
        and all(call.get("id") in answered for call in latest[column].meta["tool_calls"])
    ]


def chain_steps(history: list, column: int = 0) -> int:
    """How many replies of the column since the last user message called tools: its chain's steps."""
    return sum(
        1
        for m in after_last_question(history)
        if m.role == "assistant" and (m.meta or {}).get("column", 0) == column and (m.meta or {}).get("tool_calls")
    )
