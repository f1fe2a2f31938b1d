"""Times shown in the browser's own time zone (UTC when the browser does not say)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st


def browser_zone() -> ZoneInfo | timezone:
    try:
        return ZoneInfo(st.context.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def local_time(moment: datetime) -> str:
    return moment.astimezone(browser_zone()).strftime("%Y-%m-%d %H:%M")
