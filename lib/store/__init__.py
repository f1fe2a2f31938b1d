"""The playground's database: conversations, messages, settings, the usage ledger, media,
uploads, video tasks, price overrides, quota holds, login state, workbench runs, shares, votes and ballots, and the prompt
library.

One SQLAlchemy URL decides where it lives: by default a SQLite file under data/, but the same
code runs on PostgreSQL (`postgresql+psycopg://...`), so nothing here may be SQLite-only SQL.
Only the store runs SQL: everything else calls its methods.

Every method that touches user data takes `user` first and filters by it, so one user can never
read or change another's rows by guessing ids. Only `admin_*` methods read across users.
Callers get dataclasses, dicts or DataFrames, never sessions or rows. All times are aware UTC.

One module per aggregate, each holding its tables, the types it returns and its methods; the
`Store` below puts them together. This module names the public surface.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from lib.store.adoption import Adoption
from lib.store.conversations import Conversation, ConversationRecords, Message
from lib.store.engine import PROJECT_ROOT, default_url, open_engine
from lib.store.holds import Holding, QuotaHolds
from lib.store.ledger import (
    CUBE_COLUMNS,
    CUBE_KEY_COUNT,
    ERROR,
    NO_CONNECTION,
    OK,
    OUTCOMES,
    REFUND,
    STOPPED,
    UsageLedger,
)
from lib.store.ledger_records import LedgerRecords
from lib.store.logins import LoginFailures, LoginRecords
from lib.store.media import Media, MediaRecords, UploadRecord
from lib.store.prompts import DuplicatePromptName, Prompt, PromptRecords, PromptVersion, StalePrompt
from lib.store.settings import SettingRecords
from lib.store.shares import Share, ShareInfo, ShareRecords
from lib.store.spill import UsageSpill, spill_path
from lib.store.tables import utcnow
from lib.store.videos import VideoTaskRecord, VideoTaskRecords
from lib.store.votes import Ballot, TeamVote, VoteRecord, VoteRecords
from lib.store.workbench import WorkbenchRuns

__all__ = [
    "Store",
    "default_url",
    "utcnow",
    "Conversation",
    "Message",
    "Media",
    "UploadRecord",
    "VideoTaskRecord",
    "LoginFailures",
    "Holding",
    "Share",
    "ShareInfo",
    "Ballot",
    "TeamVote",
    "VoteRecord",
    "Prompt",
    "PromptVersion",
    "StalePrompt",
    "DuplicatePromptName",
    "UsageLedger",
    "CUBE_COLUMNS",
    "CUBE_KEY_COUNT",
    "NO_CONNECTION",
    "OK",
    "STOPPED",
    "ERROR",
    "REFUND",
    "OUTCOMES",
]


class Store(
    ConversationRecords,
    MediaRecords,
    VideoTaskRecords,
    LedgerRecords,
    QuotaHolds,
    SettingRecords,
    LoginRecords,
    WorkbenchRuns,
    ShareRecords,
    VoteRecords,
    PromptRecords,
    Adoption,
):
    """All persistence. Thread-safe: each method runs in its own short transaction."""

    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = open_engine(url)
        self.spill = UsageSpill(spill_path(url, PROJECT_ROOT / "data"))
        self.replay_spilled_usage()  # what a database that failed last time did not take

    def dispose(self) -> None:
        self.engine.dispose()
