"""Tool calls assembled from a stream's fragments (or read from one complete reply).

Servers send a call's pieces over many chunks, several calls side by side by `index`; what
each server's pieces look like is read by `lib/dialects/tool_calls.py` (`tool_call_pieces`), so this only
puts them together: an id and a name once, the arguments' text appended, or replaced when a
server sends them whole.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from lib import dialects
from lib.client.types import ToolCall


class ToolCallAssembler:
    def __init__(self) -> None:
        self._calls: dict[int, ToolCall] = {}
        self._lock = threading.Lock()  # read by the page's thread while a worker adds to it

    def add(self, holder: dict[str, Any]) -> bool:
        """Take in the fragments of one delta (or a complete message); True if it had any."""
        pieces = dialects.tool_call_pieces(holder)
        with self._lock:
            for piece in pieces:
                call = self._calls.setdefault(piece.index, ToolCall(index=piece.index))
                call.id = call.id or piece.id
                call.name = call.name or piece.name or ""
                call.arguments = piece.arguments if piece.whole else call.arguments + piece.arguments
        return bool(pieces)

    @property
    def calls(self) -> list[ToolCall]:
        """The calls so far, in index order (a copy: safe to read while they stream)."""
        with self._lock:
            return [ToolCall(c.index, c.id, c.name, c.arguments, c.id_made) for _, c in sorted(self._calls.items())]

    def finish(self) -> list[ToolCall]:
        """The calls, each with an id: a server that sends none gets one made here, since the
        results must name the call they answer."""
        with self._lock:
            for call in self._calls.values():
                if not call.id:
                    call.id, call.id_made = f"call_{secrets.token_hex(12)}", True
        return self.calls

    def __bool__(self) -> bool:
        return bool(self._calls)
