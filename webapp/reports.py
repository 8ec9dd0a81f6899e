"""Plain-data views of operational state, shared by the CLI, the API and the pages."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from crawlers.sources import load_sources
from indexer.store import CrawlRun, Store


def run_as_dict(run: CrawlRun) -> dict[str, Any]:
    """Return a crawl run as JSON-ready values."""
    return {
        "id": run.id,
        "status": run.status.value,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": {outcome.value: n for outcome, n in run.counts.items()},
        "error": run.error,
        "http_status": run.http_status,
    }


def source_rows(settings: Settings, store: Store) -> list[dict[str, Any]]:
    """Return each registered source with its newest run (None when never crawled)."""
    registry = load_sources(settings.sources)
    last = store.last_runs()
    return [
        {
            "key": key,
            "type": source.type,
            "url": source.url,
            "schedule": source.schedule,
            "enabled": source.enabled,
            "last_run": run_as_dict(last[key]) if key in last else None,
        }
        for key, source in registry.items()
    ]
