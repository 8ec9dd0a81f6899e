"""Batch jobs: the composition of store, crawlers, search backend (and later matching, mail).

The CLI and the scheduler call these; each returns a report and logs one summary line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from config.settings import Settings
from crawlers.runner import SourceRunResult, run_sources
from crawlers.sources import SourceConfig, load_sources
from indexer.backend import SearchBackend
from indexer.ingest import IngestReport, refresh_statuses
from indexer.records import Opportunity, RunStatus
from indexer.store import Store

logger = logging.getLogger(__name__)


class UnknownSourceError(LookupError):
    """A source key named on the command line is not in the registry."""


def select_sources(
    registry: dict[str, SourceConfig], keys: Sequence[str], *, everything: bool
) -> list[SourceConfig]:
    """Return the sources to crawl: the named ones, or every enabled one with ``everything``.

    :raises UnknownSourceError: naming every unknown key and the known ones.
    """
    if everything:
        return [s for s in registry.values() if s.enabled]
    unknown = [k for k in keys if k not in registry]
    if unknown:
        known = ", ".join(sorted(registry)) or "none"
        raise UnknownSourceError(f"unknown source(s): {', '.join(unknown)} (known: {known})")
    return [registry[k] for k in keys]


def crawl(
    settings: Settings,
    store: Store,
    backend: SearchBackend,
    keys: Sequence[str],
    *,
    everything: bool,
    now: datetime,
    progress: Callable[[SourceRunResult], None] | None = None,
) -> list[SourceRunResult]:
    """Crawl the chosen sources, each isolated, and ingest what they return."""
    sources = select_sources(load_sources(settings.sources), keys, everything=everything)
    started = time.monotonic()
    results = run_sources(
        sources, store=store, backend=backend, settings=settings, now=now, progress=progress
    )
    failed = sum(1 for r in results if r.status is RunStatus.FAILED)
    logger.info(
        "Completed crawl of %d source(s) in %.1f s, %d failed",
        len(results),
        time.monotonic() - started,
        failed,
        extra={"sources": len(results), "failed": failed},
    )
    return results


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """How many records the rebuilt index holds and how long it took."""

    indexed: int
    seconds: float


def reindex(
    store: Store,
    backend: SearchBackend,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ReindexReport:
    """Rebuild the search index from the store (the index is derived, never backed up)."""
    started = time.monotonic()

    def batches() -> Iterable[Sequence[Opportunity]]:
        for batch in store.iter_batches(batch_size):
            if progress is not None:
                progress(len(batch))
            yield batch

    backend.ensure_ready()
    indexed = backend.rebuild(batches())
    report = ReindexReport(indexed=indexed, seconds=time.monotonic() - started)
    logger.info(
        "Completed reindex of %d records in %.1f s",
        report.indexed,
        report.seconds,
        extra={"indexed": report.indexed},
    )
    return report


def refresh(store: Store, backend: SearchBackend, *, now: datetime) -> IngestReport:
    """Close calls whose deadlines have passed (and open forthcoming ones) everywhere."""
    return refresh_statuses(store, now=now, backend=backend)
