"""Settings from `.streamlit/secrets.toml`. A missing file means defaults; a broken one is an error."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

_NO_SECRETS_FILE = "no-secrets-found"


def secrets_file_problem() -> str | None:
    """Why the secrets file cannot be read (say, a TOML typo), or None when it loaded or is absent.

    Streamlit raises the same error for a missing and a broken file; only a missing one is fine.
    """
    try:
        st.secrets.to_dict()
    except StreamlitSecretNotFoundError as exc:
        return None if exc.error_id == _NO_SECRETS_FILE else str(exc)
    return None


def secret_section(section: str) -> Any:
    """The section as a dict; {} when it or the file is absent; a non-table value as it is."""
    try:
        value = st.secrets[section]
    except (KeyError, FileNotFoundError):
        return {}
    return value.to_dict() if isinstance(value, Mapping) else value


def secret(section: str, key: str, default: Any = None) -> Any:
    values = secret_section(section)
    value = values.get(key) if isinstance(values, dict) else None
    return value if value not in ("", None) else default
