"""Settings from `.streamlit/secrets.toml`, read safely when the file or a section is absent."""
from __future__ import annotations

from typing import Any

import streamlit as st


def secret(section: str, key: str, default: Any = None) -> Any:
    try:
        value = st.secrets[section][key]
    except (KeyError, FileNotFoundError, AttributeError):
        return default
    except Exception:  # noqa: BLE001 - Streamlit raises its own error when no secrets file exists
        return default
    return value if value not in ("", None) else default
