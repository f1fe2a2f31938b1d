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
