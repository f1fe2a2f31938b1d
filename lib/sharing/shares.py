"""Read-only share links to a conversation, a comparison, an image or a video. Streamlit-free.

A share is a snapshot: the messages, metrics and media bytes are copied into it when it is
made, so later edits, deletions or a revoked upload link never change what the link shows.

The link carries a random token (256 bits from `secrets`); the store keeps only its SHA-256,
looks a share up by that hash and the match is confirmed with `hmac.compare_digest`. Guessing
is limited like passwords: each unknown token counts a failure against the client's address
(scope "share" in the login-failure records), and a client past the limit is refused before
any lookup, for the same doubling lock-out as a login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from PIL import Image

from lib import chat
from lib.accounts.auth import LONGEST_LOCKOUT, lock_left
from lib.i18n import t
from lib.store import Conversation, Media, Message, Share, ShareInfo, Store, VideoTaskRecord, utcnow

CONVERSATION, COMPARISON, IMAGE, VIDEO = "conversation", "comparison", "image", "video"
# A Workbench run, and two runs compared (their snapshots: lib/workbench/sharing.py).
WORKBENCH_RUN, WORKBENCH_COMPARISON = "workbench_run", "workbench_comparison"
KINDS = (CONVERSATION, COMPARISON, IMAGE, VIDEO, WORKBENCH_RUN, WORKBENCH_COMPARISON)
EXPIRIES = {"1d": timedelta(days=1), "7d": timedelta(days=7), "never": None}
DEFAULT_EXPIRY = "7d"
LIVE, REVOKED, EXPIRED, MISSING, LOCKED = "live", "revoked", "expired", "missing", "locked"

QUERY_PARAM = "share"
TOKEN_BYTES = 32  # 256 bits: the issue asks for at least 128
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")
LIMIT_SCOPE = "share"
MAX_NOTE_CHARS = 500
MAX_TITLE_CHARS = 200
# What a shared reply shows under it; request ids, prompt tokens and the like stay private.
SHARED_IMAGE_SIDE = 1280  # a shared conversation's images: copies this size at most
MAX_SHARED_IMAGES = 20
SHARED_IMAGE_PREFIXES = ("data:image/jpeg;base64,", "data:image/png;base64,")
SHARED_META = (
    "model",
    "ttft",
    "elapsed",
    "tps",
    "tokens",
    "credits",
    "incomplete",
    "stopped",
    "failed",
    "error",
    "compare_group",
    "column",
    "tool_calls",
    "tool_call_id",
    "name",
    "thinking",
    "thinking_seconds",
    "first_thinking",
    "reasoning_tokens",
    "structured",
    "logprobs",
)


@dataclass(frozen=True)
class Snapshot:
    kind: str
    title: str
    payload: dict
    media: bytes | None = None
    media_mime: str | None = None


@dataclass(frozen=True)
class GuessLimit:
    """Unknown tokens a client may try before it is locked out (the login's [auth] numbers)."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass
class Opened:
    """What a share link leads to: `status` is LIVE, REVOKED, EXPIRED, MISSING or LOCKED."""

    status: str
    share: Share | None = None
    wait: timedelta | None = field(default=None)


# --- tokens and expiry ------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expires_at(choice: str, now: datetime) -> datetime | None:
    lifetime = EXPIRIES[choice]
    return None if lifetime is None else now + lifetime


def status_of(share: ShareInfo, now: datetime) -> str:
    if share.revoked_at is not None:
        return REVOKED
    if share.expires_at is not None and share.expires_at <= now:
        return EXPIRED
    return LIVE


def share_link(app_url: str | None, token: str) -> str:
    """The app's own address with `?share=TOKEN`; a relative link when the address is unknown."""
    parts = urlsplit(app_url or "")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode({QUERY_PARAM: token}), ""))


# --- snapshots ------------------------------------------------------------------------------


def _shared_meta(meta: dict, image_of: Callable[[dict], bytes | None]) -> dict:
    kept = {key: meta[key] for key in SHARED_META if key in meta}
    attachments = [_shared_attachment(a, image_of) for a in meta.get("attachments") or [] if isinstance(a, dict)]
    return {**kept, "attachments": attachments} if attachments else kept


def _shared_attachment(attachment: dict, image_of: Callable[[dict], bytes | None]) -> str | dict:
    """A copy of the image (its name only when it can no longer be read)."""
    name = str(attachment.get("name") or "")
    data = image_of(attachment)
    image = shared_image(data) if data else None
    return {"name": name, "image": image} if image else name


def shared_image(data: bytes) -> str | None:
    """An image as a share keeps it: at most SHARED_IMAGE_SIDE px a side, a JPEG (a PNG when
    it has transparency), as a data URL; None for bytes that are not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((SHARED_IMAGE_SIDE, SHARED_IMAGE_SIDE))
            clear = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            out, kind = io.BytesIO(), "png" if clear else "jpeg"
            image.convert("RGBA" if clear else "RGB").save(out, format=kind.upper())
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return f"data:image/{kind};base64,{base64.b64encode(out.getvalue()).decode()}"


def shared_image_bytes(entry: object) -> bytes | None:
    """The bytes of an image a share kept (`shared_image`), or None for a name alone."""
    if not isinstance(entry, dict) or not str(entry.get("image") or "").startswith(SHARED_IMAGE_PREFIXES):
        return None
    try:
        return base64.b64decode(entry["image"].partition(",")[2], validate=True)
    except ValueError:
        return None


def _limited(image_of: Callable[[dict], bytes | None] | None) -> Callable[[dict], bytes | None]:
    """At most MAX_SHARED_IMAGES images copied into one share; the rest keep their names."""
    copied = 0

    def read(attachment: dict) -> bytes | None:
        nonlocal copied
        if image_of is None or copied >= MAX_SHARED_IMAGES:
            return None
        data = image_of(attachment)
        copied += bool(data)
        return data

    return read


def conversation_snapshot(
    conversation: Conversation, messages: list[Message], image_of: Callable[[dict], bytes | None] | None = None
) -> Snapshot:
    """`image_of`: an attachment's image bytes (None when gone), copied into the share."""
    settings = chat.merged_settings(conversation.settings)
    read = _limited(image_of)
    entries = [{"role": m.role, "content": m.content, "meta": _shared_meta(m.meta or {}, read)} for m in messages]
    return Snapshot(
        CONVERSATION,
        conversation.title[:MAX_TITLE_CHARS],
        {"system": settings["system"], "params": chat.request_params(settings), "messages": entries},
    )


def turns(messages: list[dict]) -> list[list[dict]]:
    """A snapshot's messages grouped as the Chat page shows them (a comparison's replies together)."""
    grouped = chat.group_turns([SimpleNamespace(**m) for m in messages])
    return [[vars(m) for m in group] for group in grouped]


def comparison_snapshot(conversation: Snapshot) -> Snapshot | None:
    """A conversation snapshot's latest comparison: prompt, system prompt, parameters, columns."""
    groups = turns(conversation.payload["messages"])
    position = next((i for i in range(len(groups) - 1, -1, -1) if "compare_group" in groups[i][0]["meta"]), None)
    if position is None:
        return None
    prompt = next((g[0]["content"] for g in reversed(groups[:position]) if g[0]["role"] == "user"), "")
    columns = [{"content": m["content"], "meta": m["meta"]} for m in groups[position]]
    return Snapshot(
        COMPARISON,
        chat.title_from(prompt)[:MAX_TITLE_CHARS] or conversation.title,
        {
            "prompt": prompt,
            "system": conversation.payload["system"],
            "params": conversation.payload["params"],
            "columns": columns,
        },
    )


def image_snapshot(item: Media, data: bytes) -> Snapshot:
    return Snapshot(
        IMAGE,
        chat.title_from(item.prompt)[:MAX_TITLE_CHARS],
        {"prompt": item.prompt, "width": item.width, "height": item.height},
        media=bytes(data),
        media_mime=item.mime,
    )


def video_snapshot(task: VideoTaskRecord, data: bytes, mime: str) -> Snapshot:
    return Snapshot(
        VIDEO,
        chat.title_from(task.prompt)[:MAX_TITLE_CHARS],
        {"prompt": task.prompt, "model": task.model, "duration": task.duration, "aspect_ratio": task.aspect_ratio},
        media=bytes(data),
        media_mime=mime,
    )


# --- making, opening, revoking --------------------------------------------------------------


def create_share(
    store: Store, user: str, snapshot: Snapshot, expiry: str, note: str = "", now: datetime | None = None
) -> tuple[str, Share]:
    """Store the snapshot; returns the token (shown once: only its hash is kept) and the share."""
    token = new_token()
    share = store.add_share(
        user,
        token_hash=token_hash(token),
        kind=snapshot.kind,
        title=snapshot.title,
        note=note.strip()[:MAX_NOTE_CHARS],
        payload=snapshot.payload,
        media=snapshot.media,
        media_mime=snapshot.media_mime,
        expires_at=expires_at(expiry, now or utcnow()),
    )
    return token, share


def open_share(
    store: Store,
    token: str,
    client: str | None,
    limit: GuessLimit,
    *,
    first_visit: bool = True,
    now: datetime | None = None,
) -> Opened:
    """Look the token up for a viewer at `client` (None: unknown, not limited).

    `first_visit` is False on a rerun of a page already shown for this token: it neither counts
    another view nor another failure."""
    now = now or utcnow()
    wait = guess_lock(store, client, limit, now)
    if wait:
        return Opened(LOCKED, wait=wait)
    share = _find(store, token)
    if share is None:
        if first_visit and client:
            record_wrong_guess(store, client, now)
        return Opened(MISSING)
    status = status_of(share, now)
    if status == LIVE and first_visit:
        store.count_share_view(share.id)
    return Opened(status, share)


def _find(store: Store, token: str) -> Share | None:
    return find_by_token(token, store.share_by_token_hash)


def find_by_token(token: str, lookup: Callable[[str], Any]) -> Any:
    """What `lookup` finds by the token's hash (a share, a ballot), confirmed in constant time."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    digest = token_hash(token)
    found = lookup(digest)
    return found if found is not None and hmac.compare_digest(found.token_hash, digest) else None


def guess_lock(
    store: Store, client: str | None, limit: GuessLimit, now: datetime, scope: str = LIMIT_SCOPE
) -> timedelta | None:
    """How long `client` is still locked out for guessing links of `scope` (None: not locked)."""
    if not client:
        return None
    return lock_left(store.get_login_failures(scope, client[:255]), limit.max_failures, limit.lockout, now)


def record_wrong_guess(store: Store, client: str, now: datetime, scope: str = LIMIT_SCOPE) -> None:
    # A valid link must not reset the count (one real token would let a guesser start over),
    # so instead a client quiet for the longest lock-out starts again from zero.
    record = store.get_login_failures(scope, client[:255])
    if record is not None and now - record.last_failure_at > LONGEST_LOCKOUT:
        store.clear_login_failures(scope, client[:255])
    store.record_login_failure(scope, client[:255], at=now)


# --- rendering data ---------------------------------------------------------------------------


def metrics_line(meta: dict, lang: str, *, with_model: bool = True) -> str:
    """A reply's model, time to first token (a reasoning model's: to its first thinking and its
    first answer token), speed, tokens and credits in `lang`."""
    parts = [meta.get("model") or ""] if with_model else []
    thought = meta.get("first_thinking") is not None
    if thought:
        parts.append(t("thinking.meta_first", lang, seconds=meta["first_thinking"]))
    if meta.get("ttft") is not None:
        parts.append(t("thinking.meta_answer" if thought else "chat.meta_ttft", lang, seconds=meta["ttft"]))
    if meta.get("tps"):
        parts.append(t("chat.meta_tps", lang, rate=meta["tps"]))
    if meta.get("tokens") is not None:
        parts.append(t("chat.meta_tokens", lang, count=meta["tokens"]))
    if meta.get("reasoning_tokens"):
        parts.append(t("thinking.meta", lang, count=meta["reasoning_tokens"]))
    parts.append(t("chat.meta_credits", lang, credits=meta.get("credits") or 0))
    return " · ".join(p for p in parts if p)
