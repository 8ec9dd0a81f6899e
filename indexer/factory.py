"""Choose the search backend from settings: Elasticsearch when configured, else SQLite FTS5."""

from __future__ import annotations

from config.settings import Settings
from indexer.backend import SearchBackend


def make_backend(settings: Settings) -> SearchBackend:
    """Return the configured search backend (not yet checked for readiness)."""
    if settings.elasticsearch_url:
        # Imported here: the elasticsearch client is an optional extra ([es]).
        from indexer.elastic import ElasticBackend

        return ElasticBackend(
            settings.elasticsearch_url,
            index=settings.elasticsearch_index,
            plain_json=settings.elasticsearch_plain_json,
            timeout=settings.elasticsearch_timeout,
        )
    from indexer.sqlite_fts import SqliteFtsBackend

    return SqliteFtsBackend(settings.resolved_search_path())
