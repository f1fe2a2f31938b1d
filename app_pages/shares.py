"""My shares: every read-only link this user made, with its views, and Revoke."""

from lib.ui.resources import get_store
from lib.ui.session import current_user
from lib.ui.sharing.links import my_shares

my_shares(get_store(), current_user())
