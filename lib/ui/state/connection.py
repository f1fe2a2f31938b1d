"""The connection panel's state (lib/ui/connection): the mode picked, the typed URLs and key,
and the session's client for them. The key lives only here, in this session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lib.ui.state import FeatureState, Widget

if TYPE_CHECKING:
    from lib.client import ReshiClient
    from lib.ui.connection import Connection

BASE_URL: Widget[str] = Widget("conn_base_url")
API_KEY: Widget[str] = Widget("conn_api_key")
UPLOAD_URL: Widget[str] = Widget("conn_upload_url")


@dataclass
class ConnectionChoice(FeatureState):
    """The mode last picked in the panel (its radio is keyed per language, so the pick is kept
    here), and the client made for the connection and user it was made for."""

    mode: str | None = None
    client: ReshiClient | None = None
    client_for: tuple[Connection, str] | None = None  # what `client` was made for
