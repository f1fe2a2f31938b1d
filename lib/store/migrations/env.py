"""Alembic's entry point for the store's migrations (lib/store/schema.py runs it).

The caller hands over an open connection in `config.attributes["connection"]` (it holds the
migration lock on it), so nothing here opens its own engine or reads alembic.ini's logging:
fileConfig would replace the app's log handlers.
"""

from __future__ import annotations

from alembic import context

import lib.store  # noqa: F401  (every aggregate's tables join `metadata` on import)
from lib.store.schema import render_item
from lib.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: autogenerate writes batch operations, which copy the
    # table on SQLite and are plain ALTERs on PostgreSQL.
    render_as_batch=True,
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
