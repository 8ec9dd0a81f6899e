"""Alembic environment for the store's tables (run through indexer.store.upgrade_schema)."""

from __future__ import annotations

from alembic import context

from indexer.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
)
with context.begin_transaction():
    context.run_migrations()
