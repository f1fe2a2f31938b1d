"""Checks judged by a model: a rubric (the case's `{{variables}}` and the reply as `{{output}}`)
sent to a judge model, which answers with a score from 0 to 1, pass and a reason.

The judge is asked for JSON through structured output (`response_format` with a JSON schema);
a server that refuses structured output is asked again without it, and the answer is read from
whatever JSON it holds (a parse fallback). An answer with no usable score is "nonsense": the
check fails with that reason and nothing is cached. A usable verdict is cached by (rubric filled
with the case, output, judge model), so a re-run or another check pays for a judgement once.
Judge calls go through the client under the ledger's own source, `pricing.JUDGE`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from lib import errors
from lib.chat import structured
from lib.client import ChatResult, ReshiClient
from lib.credits import pricing
from lib.prompts import templating
from lib.workbench.prompt import OUTPUT, Check, Verdict

if TYPE_CHECKING:  # (importing the store at run time would import pandas with it)
    from lib.store import Store
    from lib.store.workbench import CachedVerdict

NONSENSE, FAILED = "judge_nonsense", "judge_failed"  # a Verdict's `problem` when the judge gave no verdict
PROBLEMS = (NONSENSE, FAILED)
INSTRUCTIONS = (
    "You are a strict grader. Grade the reply described below against the rubric. "
    'Answer with one JSON object only: {"score": a number from 0 to 1, "pass": true or false, '
    '"reason": one short sentence}.'
)
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "pass": {"type": "boolean"},
        "reason": {"type": "string"},
    },
    "required": ["score", "pass", "reason"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True, "schema": VERDICT_SCHEMA}}
MAX_REASON_CHARS = 500


class JudgeCache(Protocol):
    """Where verdicts are kept: `{"score", "reason"}` by key (the store's table, or memory)."""

    def get(self, key: str) -> CachedVerdict | None: ...

    def put(self, key: str, verdict: CachedVerdict) -> None: ...

    def known(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` that have a verdict (for the estimate: asking them again is free)."""
        ...


class MemoryJudgeCache:
    """A cache for one process (the command line, which has no database)."""

    def __init__(self) -> None:
        self._verdicts: dict[str, CachedVerdict] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedVerdict | None:
        with self._lock:
            return self._verdicts.get(key)

    def put(self, key: str, verdict: CachedVerdict) -> None:
        with self._lock:
            self._verdicts[key] = verdict

    def known(self, keys: Collection[str]) -> set[str]:
        with self._lock:
            return set(keys) & self._verdicts.keys()


class StoreJudgeCache:
    """The user's verdicts in the store: they outlive the process (a restart, another replica)."""

    def __init__(self, store: Store, user: str) -> None:
        self.store, self.user = store, user

    def get(self, key: str) -> CachedVerdict | None:
        return self.store.workbench_judgement(self.user, key)

    def put(self, key: str, verdict: CachedVerdict) -> None:
        self.store.save_workbench_judgement(self.user, key, verdict["score"], verdict["reason"])

    def known(self, keys: Collection[str]) -> set[str]:
        return self.store.workbench_judged(self.user, keys)


def judge_messages(check: Check, case: dict[str, Any], output: str) -> list[dict[str, Any]]:
    # One pass over the rubric: a {{...}} inside the output or a case value is not filled again.
    rubric = templating.fill(check.rubric, {**case, OUTPUT: output})
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": rubric}]


def cache_key(check: Check, case: dict[str, Any], output: str) -> str:
    rubric = templating.fill(check.rubric, {k: v for k, v in case.items() if k != OUTPUT})
    return hashlib.sha256(json.dumps([rubric, output, check.model], ensure_ascii=False).encode()).hexdigest()


def parse_verdict(text: str) -> tuple[float, str] | None:
    """(score, reason) from a judge's answer: its JSON, or the first JSON object in its text;
    None when it holds no score from 0 to 1 (nor a pass to make one of)."""
    answer = _json_object(structured.unfenced(text)) or _first_object_in(text)
    if answer is None:
        return None
    score, passed = answer.get("score"), answer.get("pass")
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        score = None if not isinstance(passed, bool) else float(passed)
    if score is None or not 0 <= score <= 1:
        return None
    reason = answer.get("reason")
    return float(score), (reason if isinstance(reason, str) else "")[:MAX_REASON_CHARS]


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _first_object_in(text: str) -> dict[str, Any] | None:
    """The first JSON object inside prose ("Sure! {...} Hope this helps")."""
    decoder = json.JSONDecoder()
    for start in (m.start() for m in re.finditer(r"\{", text)):
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


class _KeyLocks:
    """One lock per cache key while a judgement is being asked for: repeats of a cell run at
    once and often give the same output, and the second should wait for the first's verdict
    instead of paying for its own."""

    def __init__(self) -> None:
        self._locks: dict[str, list[Any]] = {}  # key -> [lock, holders]
        self._guard = threading.Lock()

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[key]


_asking = _KeyLocks()


def judge(
    client: ReshiClient, check: Check, case: dict[str, Any], output: str, cache: JudgeCache
) -> tuple[Verdict, float]:
    """The check's verdict on `output`, and the credits its judge call cost (0 when cached)."""
    key = cache_key(check, case, output)
    with _asking.held(key):
        return _judge_once(client, check, case, output, cache, key)


def _judge_once(
    client: ReshiClient, check: Check, case: dict[str, Any], output: str, cache: JudgeCache, key: str
) -> tuple[Verdict, float]:
    cached = cache.get(key)
    if cached is not None:
        return _verdict(check, cached["score"], cached["reason"]), 0.0
    messages = judge_messages(check, case, output)
    try:
        result = _ask(client, check.model, messages)
    except errors.ReshiError as exc:
        return Verdict(False, reason=exc.kind, problem=FAILED), 0.0
    parsed = parse_verdict(result.text)
    if parsed is None:
        return Verdict(False, reason=result.text[:200], problem=NONSENSE), result.credits
    cache.put(key, {"score": parsed[0], "reason": parsed[1]})
    return _verdict(check, *parsed), result.credits


def _ask(client: ReshiClient, model: str, messages: list[dict[str, Any]]) -> ChatResult:
    """Structured output first; a server that refuses it (400) is asked for plain JSON."""
    try:
        return client.chat.create(model, messages, source=pricing.JUDGE, temperature=0, response_format=RESPONSE_FORMAT)
    except errors.BadRequestError:
        return client.chat.create(model, messages, source=pricing.JUDGE, temperature=0)


def _verdict(check: Check, score: float, reason: str) -> Verdict:
    return Verdict(score >= check.threshold, round(score, 3), reason)
