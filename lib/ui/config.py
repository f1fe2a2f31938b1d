"""Settings from `.streamlit/secrets.toml`, read through the one model of `lib/settings.py`.
A missing file means defaults; a file that does not parse, or a bad value in it, stops the app
with the reason (every bad key named) before any page runs: `settings_or_stop`, first thing in
`app.py`. Everything else reads `app_settings()`, typed."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from lib import settings
from lib.settings import Settings, SettingsError
from lib.ui.session import current_lang, tr

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


def app_settings() -> Settings:
    """The settings, checked (once per content of the file). Raises SettingsError, which
    `settings_or_stop` has shown at the start of the run already."""
    try:
        data = st.secrets.to_dict()
    except StreamlitSecretNotFoundError:  # no file: the defaults (a broken one stopped the run)
        data = {}
    return settings.parse(data)


def settings_or_stop() -> Settings:
    problem = secrets_file_problem()
    if problem:
        stop_app(tr("auth.secrets_broken", error=problem))
    try:
        return app_settings()
    except SettingsError as exc:
        lines = exc.lines(current_lang(), code=lambda where: f"`{where}`")
        stop_app(tr("config.invalid", count=len(lines)) + "\n\n" + "\n".join(f"- {line}" for line in lines))


def stop_app(message: str) -> NoReturn:
    """The app cannot start: `message` alone. Every run declares a navigation, this one a hidden
    page of nothing, so no page of the app is routed to while the app is stopped."""
    st.navigation([st.Page(_nothing, title=tr("app.title"), url_path="stopped")], position="hidden")
    st.error(message, icon=":material/lock:")
    st.stop()


def _nothing() -> None:
    """The one page of an app that cannot start: the error above says why."""
