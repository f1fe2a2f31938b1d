"""Prompts: the team's prompt library, with versions, diffs, sharing, export and import."""

from lib.ui.connection import get_client
from lib.ui.prompts.view import prompts_page
from lib.ui.resources import get_store
from lib.ui.session import current_user, is_admin

prompts_page(get_store(), current_user(), get_client(), is_admin())
