"""Run the web app's migrations on the connection handed over by ``upgrade_schema``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from webapp.stores.schema import VERSION_TABLE, metadata


def run_migrations_online() -> None:
    """Apply migrations inside the caller's transaction."""
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
