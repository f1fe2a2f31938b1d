"""Times shown in the browser's own time zone (UTC when the browser does not say), in the
user's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from lib import formats
from lib.ui.session import current_lang


def browser_zone() -> ZoneInfo:
    return formats.zone(st.context.timezone)


def local_time(moment: datetime, pattern: str = formats.DATE_TIME) -> str:
    """`moment` on the browser's clock, as the CLDR `pattern` writes it."""
    return formats.moment(moment, current_lang(), browser_zone(), pattern)
