"""The admins' quota editor on the Usage page: each user's daily and monthly credits on the
preset connection, everyone's default, and what each has used against them (lib/credits/quotas.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import formats
from lib.accounts.users import list_users
from lib.credits import quotas
from lib.store import Store
from lib.store.settings import QUOTA_DEFAULT, Quota
from lib.ui.config import app_settings
from lib.ui.session import current_lang, tr


def render_quota_editor(store: Store) -> None:
    """One row per user and one for everyone's default; 0 is no limit. Only in login mode."""
    settings = app_settings().auth
    if settings is None:
        st.caption(tr("quota.editor_single_user"))
        return
    users = [QUOTA_DEFAULT] + [user["username"] for user in list_users(settings.users_file)]
    table = pd.DataFrame([_row(store, user) for user in users])
    st.caption(tr("quota.editor_help"))
    # Each edit reruns the page, which says what is not saved yet: a Save clicked at once after
    # typing could go without the last edit while the grid still held it back (in a form, the
    # grid hands its edits over after a moment, and nothing showed whether it had).
    edited = st.data_editor(
        table,
        hide_index=True,
        key="quota_editor",
        disabled=["user", "today", "month"],
        column_config={
            "user": tr("usage.col.user"),
            "daily": st.column_config.NumberColumn(tr("quota.col_daily"), min_value=0.0),
            "monthly": st.column_config.NumberColumn(tr("quota.col_monthly"), min_value=0.0),
            "today": tr("quota.col_today"),
            "month": tr("quota.col_month"),
        },
    )
    changed = [
        after
        for before, after in zip(table.to_dict("records"), edited.fillna(0.0).to_dict("records"))
        if (before["daily"], before["monthly"]) != (after["daily"], after["monthly"])
    ]
    if not st.button(tr("quota.save"), icon=":material/save:", key="quota_save"):
        if changed:
            st.caption(tr("quota.unsaved", count=len(changed)))
        return
    for after in changed:
        user = QUOTA_DEFAULT if after["user"] == tr("quota.everyone") else after["user"]
        store.admin_set_quota(user, float(after["daily"]), float(after["monthly"]))
    st.success(tr("quota.saved"), icon=":material/check_circle:")


def _row(store: Store, user: str) -> dict:
    """A user's own limits and what they spent on the preset connection (with a quota or not);
    the default's row has no spending ("—")."""
    own = store.get_quota(user) or Quota(daily=0, monthly=0)
    spent = quotas.preset_spend(store, user) if user != QUOTA_DEFAULT else None
    today, month = (formats.number(value, current_lang()) for value in spent) if spent else ("—", "—")
    return {
        "user": tr("quota.everyone") if user == QUOTA_DEFAULT else user,
        "daily": float(own.get("daily") or 0),
        "monthly": float(own.get("monthly") or 0),
        "today": today,
        "month": month,
    }
