"""The store/ingest and user-account suites again, on PostgreSQL.

The test functions are imported from their home modules (where they run on SQLite) and
collected here a second time; the fixtures below give them PostgreSQL instead.
"""

from __future__ import annotations

import pytest

from indexer.store import Store
from tests.indexer.test_ingest import *  # noqa: F403
from tests.webapp.test_users import *  # noqa: F403
from webapp.stores.schema import upgrade_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_url):
    store = Store(postgres_url)
    store.create_schema()
    yield store
    store.engine.dispose()


@pytest.fixture
def engine(postgres_url):
    store = Store(postgres_url)
    upgrade_schema(store.engine)
    yield store.engine
    store.engine.dispose()
