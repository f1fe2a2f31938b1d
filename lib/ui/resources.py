"""Process-wide resources, made once per server process with `st.cache_resource`."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.sandbox import RunningSandbox, start_sandbox
from lib.store import Store, default_url
from lib.store.engine import PROJECT_ROOT
from lib.store.schema import SchemaTooNewError
from lib.ui.config import app_settings
from lib.ui.session import tr

SWEEP_SECONDS = 30

_log = logging.getLogger("reshi.app")


def sandbox_files_dir() -> Path:
    """Where the embedded sandbox keeps its uploads and images (data/ is git-ignored)."""
    return PROJECT_ROOT / (app_settings().sandbox.files_dir or Path("data") / "sandbox-files")


@st.cache_resource(show_spinner=False)
def embedded_sandbox() -> RunningSandbox:
    """The offline demo API: one per process, on a loopback port that stays the same across
    restarts (`[sandbox] port`, 8765 by default), so the links it gave out (uploads, images,
    videos, View code's base URL) still point at it; on any free port when that one is taken."""
    port = app_settings().sandbox.port
    try:
        return start_sandbox(port=port, files_dir=sandbox_files_dir())
    except OSError:
        _log.warning(
            "port %s is taken: the embedded sandbox uses a free port, so its links change at the next restart", port
        )
        return start_sandbox(files_dir=sandbox_files_dir())


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def get_store() -> Store:
    return _store(app_settings().store.url or default_url())


def open_store_or_stop() -> None:
    """Opens the store (migrating it) before any page runs; a database this release must not
    touch stops the run with a message instead of a traceback."""
    try:
        get_store()
    except SchemaTooNewError as exc:
        logging.getLogger("reshi.store").error("refused to open the database: %s", exc)
        st.error(tr("store.too_new", found=exc.found, head=exc.head), icon=":material/database:")
        st.stop()


@st.cache_resource(show_spinner=False)
def log_api_calls() -> None:
    """lib.client logs one INFO line per API call on "reshi.api"; without a handler Python drops
    everything below WARNING. Once per process, so reruns add no second handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("reshi.api")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


class ClosedSessionSweeper:
    """Frees what Streamlit keeps for a closed tab once its session can no longer resume.

    Streamlit keeps a disconnected session for `server.disconnectedSessionTTL` seconds so a
    dropped websocket can pick it up again; when that time is up it only forgets the session
    and never shuts it down, so the files uploaded in it and the media it showed (images,
    videos, download buttons' bytes) stay in memory for the life of the process: about the
    file's size per closed tab that had picked one (tests/e2e/test_closed_sessions.py).
    A sweep releases them, through the runtime's own managers, for each session that has been
    disconnected longer than the TTL. (A tab that drops and resumes twice between two sweeps
    may lose a picked file early: it then picks it again.)
    """

    def __init__(self, runtime: Runtime, ttl_seconds: float):
        self._runtime, self._ttl = runtime, ttl_seconds
        self._disconnected_since: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def track(self, session_id: str) -> None:
        with self._lock:
            self._disconnected_since.setdefault(session_id, None)

    def sweep(self, now: float) -> None:
        with self._lock:
            tracked = list(self._disconnected_since.items())
        for session_id, since in tracked:
            if self._runtime.is_active_session(session_id):
                since = None
            elif since is None:
                since = now  # the sweep sees it gone at most one interval after it went
            elif now - since > self._ttl:
                self._release(session_id)
                continue
            with self._lock:
                self._disconnected_since[session_id] = since

    def _release(self, session_id: str) -> None:
        """What AppSession.shutdown releases, minus the parts for a live session."""
        self._runtime.uploaded_file_mgr.remove_session_files(session_id)
        self._runtime.media_file_mgr.clear_session_refs(session_id)
        self._runtime.media_file_mgr.remove_orphaned_files()
        self._runtime.dataframe_source_mgr.clear_all_for_session(session_id)
        with self._lock:
            del self._disconnected_since[session_id]

    def run_forever(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            self.sweep(time.monotonic())


@st.cache_resource(show_spinner=False)
def _session_sweeper() -> ClosedSessionSweeper | None:
    if not Runtime.exists():  # AppTest runs scripts without a server
        return None
    ttl = st.get_option("server.disconnectedSessionTTL")
    sweeper = ClosedSessionSweeper(Runtime.instance(), ttl)
    interval = min(SWEEP_SECONDS, max(ttl / 2, 1))
    threading.Thread(target=sweeper.run_forever, args=(interval,), name="closed-session-sweeper", daemon=True).start()
    return sweeper


def release_closed_sessions() -> None:
    """Has this session's leftovers freed once it is closed for good; call on every run."""
    sweeper, context = _session_sweeper(), get_script_run_ctx()
    if sweeper is not None and context is not None:
        sweeper.track(context.session_id)
