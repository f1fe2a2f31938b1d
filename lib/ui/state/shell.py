"""Who this browser session is: its language (kept over a sign-out) and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lib.ui.state import FeatureState


@dataclass
class Language(FeatureState):
    """The session's language; None until the first run reads the browser's locale."""

    KEPT_AFTER_SIGN_OUT: ClassVar[bool] = True
    code: str | None = None
    # Picked on the login page: it is the user's from then on (lib/ui/sidebar saves it).
    picked_at_login: bool = False


@dataclass
class Identity(FeatureState):
    """The signed-in user, settled by app.py (lib/ui/auth) before any page runs."""

    user: str | None = None
    name: str | None = None
    is_admin: bool = False


@dataclass
class SavedChoices(FeatureState):
    """The signed-in user's saved language and theme, read from their settings once per session
    and user (lib/ui/sidebar, lib/ui/theme): whose each was read for, and the theme."""

    language_read_for: str | None = None
    theme_read_for: str | None = None
    theme: str = "system"


@dataclass
class PhoneLayout(FeatureState):
    """The Chat page's layout on a phone (lib/ui/phone_layout): its header menu, and the folding
    of the sidebar after a click in it or a page change."""

    menu_open: bool = False
    folds_asked: int = 0  # counts the clicks that asked: each is folded once
    folds_done: int = 0
    last_page: str | None = None


@dataclass
class Search(FeatureState):
    """The search dialog (lib/ui/chat/search.py): asked for by its button, and the page a clicked
    result goes to (switched to by the next run of the whole app)."""

    asked: bool = False
    go_to: str | None = None
