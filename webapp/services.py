"""The long-lived objects a request needs (settings, store, search backend, institution).

They are built once in :func:`webapp.create_app` and kept together in
``app.extensions["grantradar"]``; views reach them through the getters below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, abort, current_app

from config.institution import Institution
from config.settings import Settings
from indexer.backend import SearchBackend, SearchPage, SearchQuery
from indexer.records import utcnow
from indexer.store import Store

logger = logging.getLogger(__name__)

EXTENSION_KEY = "grantradar"


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the views share for the lifetime of the app."""

    settings: Settings
    store: Store
    backend: SearchBackend
    institution: Institution
    # Tests pin the clock; in production it is the wall clock (UTC).
    clock: Callable[[], datetime] = field(default=utcnow)


def init_services(app: Flask, services: Services) -> None:
    """Attach the shared objects to the app."""
    app.extensions[EXTENSION_KEY] = services


def get_services() -> Services:
    """Return the shared objects of the current app."""
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services


def get_settings() -> Settings:
    """Return the current app's settings."""
    return get_services().settings


def get_store() -> Store:
    """Return the current app's store (system of record)."""
    return get_services().store


def get_backend() -> SearchBackend:
    """Return the current app's search backend."""
    return get_services().backend


UNAVAILABLE = "The search index is not available; try again shortly."


def search_or_503(query: SearchQuery) -> SearchPage:
    """Run a search; a failing search engine is an outage (503), not a bad request."""
    try:
        return get_backend().search(query)
    except Exception:
        logger.exception("search backend failed for %r", query.text)
        abort(503, description=UNAVAILABLE)


def get_institution() -> Institution:
    """Return the institution this instance serves."""
    return get_services().institution


def get_now() -> datetime:
    """Return the current time (tz-aware UTC) from the app's clock."""
    return get_services().clock()
