"""One prompt, 1-3 models, streaming at the same time. Streamlit-free.

Each stream is read in its own worker thread, which puts its pieces (thinking or answer) on the
column's own queue; the caller (the script thread, the only one allowed to touch Streamlit elements) polls
all queues and redraws every column together. So the total time is the slowest stream's, not
the sum of all of them; and the script thread is never stuck in a read, so it can count the
seconds of a slow answer and notice a click at once.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

from lib import dialects, errors
from lib.client import ChatStream, StreamPart
from lib.store import Message, Store

_FINISHED = object()


@dataclass
class Column:
    """One model's side of the comparison, as seen by the script thread."""

    stream: ChatStream
    text: str = ""
    thinking: str = ""
    error: errors.ReshiError | None = None
    finished: bool = False
    inbox: queue.Queue = field(default_factory=queue.Queue)


class ParallelStreams:
    def __init__(self, streams: list[ChatStream]):
        self.columns = [Column(stream) for stream in streams]
        self._threads = [threading.Thread(target=self._read, args=(column,), daemon=True) for column in self.columns]
        self._arrived = threading.Event()  # set by any worker: the script thread wakes for any column

    def start(self) -> ParallelStreams:
        for thread in self._threads:
            thread.start()
        return self

    def _read(self, column: Column) -> None:
        try:
            for part in column.stream.parts():
                self._tell(column, part)
        except errors.ReshiError as exc:
            self._tell(column, exc)
        except Exception as exc:  # noqa: BLE001 - a worker must always report back, never die silently
            self._tell(column, errors.ApiConnectionError(str(exc)))
        finally:
            self._tell(column, _FINISHED)

    def _tell(self, column: Column, item) -> None:
        column.inbox.put(item)
        self._arrived.set()

    def poll(self, wait: float = 0.05) -> bool:
        """Take in what arrived on every queue, waiting up to `wait` for something to arrive on
        any of them (a comparison's first words may come from any column); True while any
        column is still streaming."""
        if not self.finished and self._arrived.wait(wait):
            self._arrived.clear()  # before draining: what arrives after is found by the next poll
        for column in self.columns:
            self._drain(column)
        return not self.finished

    @staticmethod
    def _drain(column: Column) -> None:
        while not column.finished:
            try:
                item = column.inbox.get_nowait()
            except queue.Empty:
                return
            if item is _FINISHED:
                column.finished = True
            elif isinstance(item, errors.ReshiError):
                column.error = item
            elif isinstance(item, StreamPart) and item.kind == dialects.THINKING:
                column.thinking += item.text
            elif isinstance(item, StreamPart):
                column.text += item.text

    @property
    def finished(self) -> bool:
        return all(c.finished for c in self.columns)

    def stop(self, timeout: float = 1.0) -> None:
        """Close every stream still running (a user's "stop") and wait for the workers. A closed
        stream ends at once; a worker still waiting for a server's first answer on a reused
        connection may not, but it has no text to lose and its call is already recorded."""
        for column in self.columns:
            if not column.finished:
                column.stream.close()
        for thread in self._threads:
            thread.join(timeout)
        self.poll(wait=0)


def column_meta(group_id: int, column: int) -> dict:
    return {"compare_group": group_id, "column": column}


def keep_answer(store: Store, user: str, group: list[Message], chosen_id: int) -> Message | None:
    """One column's answer becomes the conversation's reply; the other columns' answers go."""
    chosen = next((m for m in group if m.id == chosen_id), None)
    if chosen is None:
        return None
    for message in group:
        if message.id != chosen_id:
            store.delete_message(user, message.id)
    meta = {k: v for k, v in (chosen.meta or {}).items() if k not in ("compare_group", "column")}
    store.update_message(user, chosen.id, meta=meta)
    chosen.meta = meta
    return chosen
