"""Schema set-up for everything the app stores: the store's tables and the web app's own."""

from __future__ import annotations

from webapp.services import Services
from webapp.stores.schema import upgrade_schema


def init_db(services: Services) -> None:
    """Create or upgrade every table and make the search index ready (idempotent)."""
    services.store.create_schema()
    upgrade_schema(services.store.engine)
    services.backend.ensure_ready()
