"""The connection panel: which API the session talks to, with which key, and the client for it.

The API key lives only in this session's state (lib/ui/state/connection); a key preset by an admin in
secrets never reaches the browser at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import streamlit as st

from lib import errors, formats, netguard
from lib.client import DEFAULT_BASE_URL, ReshiClient, derive_upload_url, mask_key
from lib.client.types import CallRecord
from lib.credits import alerts, quotas
from lib.i18n import key_family
from lib.sandbox.state import DEFAULT_KEY as SANDBOX_KEY
from lib.ui import state
from lib.ui.auth import login_required
from lib.ui.config import app_settings
from lib.ui.error_text import error_text
from lib.ui.resources import embedded_sandbox, get_store
from lib.ui.session import current_lang, current_user, is_admin, labels, tr
from lib.ui.state.connection import API_KEY, BASE_URL, UPLOAD_URL, ConnectionChoice
from lib.ui.store_status import record_call

SANDBOX, RESHI, CUSTOM, PRESET = "sandbox", "reshi123", "custom", "preset"
RESUMABLE_MODES = (SANDBOX, PRESET)  # the key comes from the app's secrets, not a session


@dataclass(frozen=True)
class Connection:
    mode: str
    base_url: str
    upload_url: str
    api_key: str = field(repr=False)

    @property
    def ready(self) -> bool:
        return bool(self.base_url and self.api_key)


def custom_urls_allowed() -> bool:
    """Admins may always type URLs for the server to call; other users only when the admin says so.
    In single-user mode the one user is the admin."""
    return is_admin() or app_settings().security.allow_custom_urls


def _modes() -> list[str]:
    preset = [PRESET] if app_settings().api.api_key else []
    return preset + [SANDBOX, RESHI] + ([CUSTOM] if custom_urls_allowed() else [])


def network_policy(conn: Connection) -> netguard.NetPolicy:
    """The `[security]` rules for this connection (`Settings.private_networks` says which private
    networks by mode); an admin-configured connection's own hosts are trusted."""
    settings = app_settings()  # a typo in a network stopped the app at its start
    policy = netguard.NetPolicy(
        allowed_networks=settings.private_networks, allowed_hosts=settings.security.allowed_hosts
    )
    return policy.trusting(conn.base_url, conn.upload_url) if conn.mode in (SANDBOX, PRESET) else policy


def _sandbox_connection() -> Connection:
    root = app_settings().sandbox.root_url
    if not root:
        root = embedded_sandbox().root_url
    base = f"{root.rstrip('/')}/api/v1"
    return Connection(SANDBOX, base, derive_upload_url(base), app_settings().sandbox.api_key or SANDBOX_KEY)


def key_is_shared(conn: Connection) -> bool:
    """In login mode the sandbox's and the admin's preset key come from secrets: every user of
    the deployment spends from the same key."""
    return login_required() and conn.mode in (SANDBOX, PRESET)


def on_embedded_sandbox(conn: Connection) -> bool:
    """The app's own sandbox (no [sandbox] root_url): its credits start afresh with the process."""
    return conn.mode == SANDBOX and not app_settings().sandbox.root_url


def connection_for(mode: str) -> Connection:
    """The connection of a mode whose key is the app's own (`RESUMABLE_MODES`)."""
    if mode == SANDBOX:
        return _sandbox_connection()
    api = app_settings().api
    base = api.base_url or DEFAULT_BASE_URL
    return Connection(PRESET, base, api.upload_url or derive_upload_url(base), api.api_key or "")


def current_connection() -> Connection:
    modes = _modes()
    mode = state.of(ConnectionChoice).mode
    mode = mode if mode in modes else modes[0]
    if mode in RESUMABLE_MODES:
        return connection_for(mode)
    base = DEFAULT_BASE_URL if mode == RESHI else (BASE_URL.value() or "").strip()
    typed_upload = (UPLOAD_URL.value() or "").strip() if custom_urls_allowed() else ""
    upload = typed_upload or (derive_upload_url(base) if base else "")
    return Connection(mode, base, upload, (API_KEY.value() or "").strip())


def get_client() -> ReshiClient:
    """The session's client for the current connection; every call lands in the user's ledger."""
    conn, user = current_connection(), current_user()
    choice = state.of(ConnectionChoice)
    if choice.client is None or choice.client_for != (conn, user):
        if choice.client is not None:
            choice.client.close()
        choice.client, choice.client_for = connection_client(conn, user), (conn, user)
    return choice.client


def connection_client(conn: Connection, user: str) -> ReshiClient:
    """A new client on `conn` whose every call lands in `user`'s ledger (the session's, or a
    background run's own, which outlives the session); on the preset connection (the admin's
    key) every paid call is checked against the admin's quotas first (lib/credits/quotas.py). With the
    admin's `[alerts] webhook_url`, a paid call that reaches 80% or 100% of a quota or of the
    user's budget (in the browser's time zone, as the banner counts it) posts an alert."""
    store, policy = get_store(), network_policy(conn)

    def record_first(record: CallRecord) -> None:
        record_call(store, user, record)

    client = ReshiClient(
        conn.base_url,
        conn.api_key,
        upload_url=conn.upload_url,
        timeout=app_settings().api.timeout,
        prices=store.get_prices(),
        policy=policy,
        connection=connection_label(conn),
        on_call=record_first,
    )
    if conn.mode == PRESET:  # each call holds what it may cost until its ledger row lands
        client.before_paid_call = lambda _endpoint, _model, most: quotas.check_quota(store, user, most)
    webhook = app_settings().alerts.webhook_url
    if webhook:  # the admin's alerts: a quota's on the preset connection, the user's budget's on any
        webhook_policy, tz = replace(policy, trusted_origins=frozenset()), st.context.timezone

        def record_and_alert(record: CallRecord) -> None:
            record_first(record)
            if record.credits:
                alerts.alert_after_paid_call(
                    store, user, webhook, webhook_policy, quota=conn.mode == PRESET, tz_name=tz
                )

        client.on_call = record_and_alert
    return client


def connection_label(conn: Connection) -> str:
    """The ledger's name for a connection: its mode for the admin's ones, else the host (never a key)."""
    if conn.mode in (PRESET, SANDBOX):
        return quotas.PRESET if conn.mode == PRESET else SANDBOX
    try:
        return urlsplit(conn.base_url).hostname or "?"
    except ValueError:  # not a URL: its calls are refused by the guard anyway
        return "?"


def reset_client() -> None:
    """Drop the session's client, e.g. after the price table changed; the next call builds anew."""
    choice = state.of(ConnectionChoice)
    if choice.client is not None:
        choice.client.close()
    choice.client = choice.client_for = None


def render_connection_panel() -> None:
    conn = current_connection()
    # Open while a key is needed or being typed, so the panel does not fold away mid-edit.
    expanded = not conn.ready or conn.mode in (RESHI, CUSTOM)
    with st.sidebar.expander(tr("conn.title"), expanded=expanded, icon=":material/cable:"):
        modes = _modes()
        # Keyed per language: its labels are translated, and a widget whose option labels
        # change under it loses its value.
        mode = st.radio(
            tr("conn.mode"),
            modes,
            index=modes.index(conn.mode),
            key=f"conn_mode_{current_lang()}",
            format_func=labels(key_family("conn.mode", (PRESET, SANDBOX, RESHI, CUSTOM))),
        )
        state.of(ConnectionChoice).mode = mode
        if mode == CUSTOM:
            st.text_input(tr("conn.base_url"), key=BASE_URL.key, placeholder="https://host/api/v1")
        if mode in (RESHI, CUSTOM):
            st.text_input(
                tr("conn.api_key"),
                key=API_KEY.key,
                type="password",
                placeholder="sk-...",
                help=tr("conn.api_key_help"),
            )
            if custom_urls_allowed():
                st.text_input(
                    tr("conn.upload_url"),
                    key=UPLOAD_URL.key,
                    placeholder=derive_upload_url(current_connection().base_url or DEFAULT_BASE_URL),
                )
        if not custom_urls_allowed():
            st.caption(tr("conn.custom_off"))
        conn = current_connection()
        _describe(conn)
        if st.button(
            tr("conn.test"), icon=":material/network_check:", use_container_width=True, disabled=not conn.ready
        ):
            _test_connection()
    if conn.mode == PRESET:  # outside the panel, which is folded on this connection
        with st.sidebar:
            _quota_left()


def render_quota_banner() -> None:
    """From 80% of the admin's quota on the preset connection, a warning on every page; at 100%,
    an error (paid calls are refused then)."""
    if current_connection().mode != PRESET:
        return
    use = quotas.quota_use(get_store(), current_user())
    nearest = use.nearest_limit() if use else None
    if nearest is None or nearest[1] < quotas.WARN_SHARE:
        return
    period, share, used, limit = nearest
    lang = current_lang()
    fields = dict(
        percent=formats.number(share * 100, lang, digits=0),
        used=formats.number(used, lang),
        limit=formats.number(limit, lang),
    )
    if share >= 1:
        st.error(
            tr("quota.full_day" if period == quotas.DAY else "quota.full_month", **fields), icon=":material/block:"
        )
    else:
        st.warning(
            tr("quota.near_day" if period == quotas.DAY else "quota.near_month", **fields), icon=":material/data_usage:"
        )


def _quota_left() -> None:
    """What the admin's quota leaves this user on the preset connection, today and this month."""
    use = quotas.quota_use(get_store(), current_user())
    if use is None:
        return
    parts = [
        tr(key, left=formats.number(use.left(period), current_lang()), limit=formats.number(limit, current_lang()))
        for key, period, limit in (
            ("quota.left_day", quotas.DAY, use.daily),
            ("quota.left_month", quotas.MONTH, use.monthly),
        )
        if limit
    ]
    st.caption(":material/data_usage: " + " · ".join(parts))


def _describe(conn: Connection) -> None:
    if conn.mode == SANDBOX:
        st.caption(tr("conn.sandbox_note"))
    if conn.mode == PRESET:
        st.caption(tr("conn.preset_note", base_url=conn.base_url))
    elif conn.base_url:
        st.caption(tr("conn.summary", base_url=conn.base_url, masked=mask_key(conn.api_key) or "—"))
    if not conn.api_key:
        st.warning(tr("conn.need_key"), icon=":material/key:")


def _test_connection() -> None:
    try:
        models = get_client().models.list()
    except errors.ReshiError as exc:
        st.error(error_text(exc, current_lang(), admin=is_admin() or not login_required()), icon=":material/error:")
        return
    st.success(tr("conn.ok", count=len(models)), icon=":material/check_circle:")
