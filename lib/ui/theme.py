"""Light, dark or the system's: each user's choice, kept with their settings (`theme`) and
applied in every browser they sign in from.

Streamlit has no per-session theme API. `.streamlit/config.toml` defines a light and a dark
theme ([theme.light], [theme.dark]), so the browser may show either; which one is its own
choice, kept in localStorage under `stActiveTheme-<path the page was loaded at>-v2` as "System",
"Light" or "Dark" and read once, when the page loads. So a script in the page writes the user's
choice under every page's key and, when the page shows the other theme (a browser new to the
user, a choice just made), reloads it once. Pinned by e2e `test_theme`.
"""

from __future__ import annotations

import json

import streamlit as st

from lib.i18n import key_family
from lib.ui import state
from lib.ui.config import app_settings
from lib.ui.resources import get_store
from lib.ui.session import current_user, labels, tr
from lib.ui.state.shell import SavedChoices
from lib.ui.store_status import remember_setting

THEMES = ("system", "light", "dark")
SETTING = "theme"
THEME_KEY = key_family("theme", THEMES)

# `%(want)s` is what Streamlit's frontend keeps ("System", "Light", "Dark"), `%(pages)s` the
# pages' URL paths. The app's base path is the page's path without a page's name at its end.
# The theme shown is read from the app's background. A reload is tried once per choice in a tab
# (sessionStorage), so a browser that keeps nothing (storage off) is never reloaded in a loop.
# In login mode it waits (2 s at most) for the login cookie, which a script of the same run
# writes: a reload without it would sign the user out.
_SCRIPT = """<script>
(() => {
  const want = %(want)s, pages = %(pages)s, cookie = %(cookie)s;
  let base = window.location.pathname.replace(/\\/+$/, "");
  if (pages.includes(base.slice(base.lastIndexOf("/") + 1))) base = base.slice(0, base.lastIndexOf("/"));
  try {
    for (const page of ["", ...pages]) localStorage.setItem(`stActiveTheme-${base}/${page}-v2`, JSON.stringify(want));
    if (base) localStorage.setItem(`stActiveTheme-${base}-v2`, JSON.stringify(want));
  } catch (error) { return; }
  const app = document.querySelector("[data-testid=stApp]");
  if (!app) return;
  const [r, g, b] = getComputedStyle(app).backgroundColor.match(/\\d+/g).map(Number);
  const shownDark = 0.299 * r + 0.587 * g + 0.114 * b < 128;
  const dark = want === "Dark" || (want === "System" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  if (dark === shownDark) { sessionStorage.removeItem("reshiThemeReload"); return; }
  if (sessionStorage.getItem("reshiThemeReload") === want) return;
  sessionStorage.setItem("reshiThemeReload", want);
  let tries = 0;
  const signedIn = () => !cookie || document.cookie.split("; ").some(c => c.startsWith(cookie + "="));
  const reload = () => (signedIn() || ++tries > 40) ? window.location.reload() : setTimeout(reload, 50);
  setTimeout(reload, 0);
})();
</script>"""


def chosen_theme() -> str:
    """The signed-in user's theme, read from the store once per session and user."""
    user, saved_choices = current_user(), state.of(SavedChoices)
    if saved_choices.theme_read_for != user:
        saved = get_store().get_setting(user, SETTING)
        saved_choices.theme = saved if saved in THEMES else "system"
        saved_choices.theme_read_for = user
    return saved_choices.theme


def theme_switch(page_paths: list[str]) -> None:
    """System / Light / Dark in the sidebar; a pick is saved as the user's and shown at once."""
    theme = chosen_theme()
    # Words, no icons: with them the three did not fit on one line of the sidebar.
    choice = st.segmented_control(
        tr("theme.label"),
        THEMES,
        default=theme,
        key="theme_switch",
        required=True,
        format_func=labels(THEME_KEY),
        label_visibility="collapsed",
    )
    if choice and choice != theme:
        state.of(SavedChoices).theme = theme = choice
        remember_setting(get_store(), current_user(), SETTING, choice)
    apply_theme(theme, page_paths)


def apply_theme(theme: str, page_paths: list[str]) -> None:
    auth = app_settings().auth
    st.html(
        _SCRIPT
        % {
            "want": json.dumps(theme.title()),
            "pages": json.dumps([p for p in page_paths if p]),
            "cookie": json.dumps(auth.cookie_name if auth else ""),
        },
        unsafe_allow_javascript=True,
    )
