"""Run sources: one crawl subprocess per source, then ingest what it found.

A source that fails (time limit, HTTP error, DNS, redirect loop, garbage) fails alone:
its run is recorded FAILED with a one-line reason, the other sources still run and
nothing already stored is touched.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from config.settings import Settings
from crawlers.isolate import CrawledSource, crawl_source
from crawlers.settings import check_politeness
from crawlers.sources import SourceConfig
from indexer.backend import SearchBackend
from indexer.ingest import ingest, outcome_counts
from indexer.records import IngestOutcome, RunStatus
from indexer.store import FetchState, Store

logger = logging.getLogger(__name__)


@dataclass
class SourceRunResult:
    """How one source's run ended: status, counts per outcome and the failure reason."""

    source: str
    run_id: int
    status: RunStatus
    counts: Counter[IngestOutcome] = field(default_factory=Counter)
    error: str | None = None
    http_status: int | None = None
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one line for logs and the command line."""
        line = f"{self.source}: {self.status.value} ({outcome_counts(self.counts)})"
        line += f" in {self.seconds:.1f}s"
        return f"{line}: {self.error}" if self.error else line


def run_sources(
    sources: Mapping[str, SourceConfig] | Iterable[SourceConfig],
    *,
    store: Store,
    backend: SearchBackend | None,
    settings: Settings,
    now: datetime,
    progress: Callable[[SourceRunResult], None] | None = None,
    include_disabled: bool = False,
    parallel: int = 1,
    scrapy_overrides: Mapping[str, Any] | None = None,
) -> list[SourceRunResult]:
    """Crawl each source in its own subprocess and ingest its items; one result per source.

    Crawl subprocesses may run ``parallel`` at a time; everything touching the store
    and the search backend happens in this thread, one source after the other.

    :param progress: called with each source's result as soon as it is known.
    :param scrapy_overrides: extra Scrapy settings (tests shorten delays with it).
    :raises CrawlConfigError: before crawling anything when the crawl would be anonymous.
    """
    check_politeness(settings)
    configs = list(sources.values()) if isinstance(sources, Mapping) else list(sources)
    skipped = [c.key for c in configs if not c.enabled and not include_disabled]
    if skipped:
        logger.info("Skipping disabled sources: %s", ", ".join(skipped))
    configs = [c for c in configs if c.enabled or include_disabled]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        jobs = [
            _start_job(source, pool, store, settings, now, scrapy_overrides or {})
            for source in configs
        ]
        for job in jobs:
            result = _finish_job(job, store=store, backend=backend, now=now)
            logger.info("Crawled %s", result.summary(), extra={"source": job.source.key})
            if progress is not None:
                progress(result)
            results.append(result)
    return results


@dataclass
class _Job:
    source: SourceConfig
    run_id: int
    started: float
    crawl: Future[CrawledSource]


def _start_job(
    source: SourceConfig,
    pool: ThreadPoolExecutor,
    store: Store,
    settings: Settings,
    now: datetime,
    overrides: Mapping[str, Any],
) -> _Job:
    run_id = store.start_run(source.key, now)
    crawl = pool.submit(
        crawl_source,
        source,
        settings=settings,
        now=now,
        fetch_state=store.get_fetch_state(source.key),
        scrapy_overrides=overrides,
    )
    return _Job(source, run_id, time.monotonic(), crawl)


def _finish_job(
    job: _Job, *, store: Store, backend: SearchBackend | None, now: datetime
) -> SourceRunResult:
    """Wait for one crawl, ingest its items and close its run record."""
    key = job.source.key
    result = SourceRunResult(source=key, run_id=job.run_id, status=RunStatus.FAILED)
    try:
        with job.crawl.result() as crawled:
            _ingest_crawl(crawled, result, store=store, backend=backend, now=now)
        if result.status is not RunStatus.FAILED:
            crawl = crawled.result
            store.set_fetch_state(key, FetchState(crawl.etag, crawl.last_modified), now=now)
    except Exception as exc:  # one broken source must not stop the others
        logger.exception("Source %s failed unexpectedly", key)
        result.status = RunStatus.FAILED
        result.error = result.error or f"{type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - job.started
    store.finish_run(
        job.run_id,
        status=result.status,
        counts=result.counts,
        error=result.error,
        http_status=result.http_status,
        now=now + timedelta(seconds=result.seconds),
    )
    return result


def _ingest_crawl(
    crawled: CrawledSource,
    result: SourceRunResult,
    *,
    store: Store,
    backend: SearchBackend | None,
    now: datetime,
) -> None:
    """Ingest the crawl's items (even from a failed run: they are complete records)."""
    crawl = crawled.result
    result.http_status = crawl.http_status
    result.warnings = list(crawl.warnings)
    result.error = crawl.error
    if crawl.not_modified and crawl.error is None:
        result.status = RunStatus.NOT_MODIFIED
        return
    report = ingest(store, crawled.items(), now=now, backend=backend, run_id=result.run_id)
    result.counts = Counter(report.counts)
    result.counts[IngestOutcome.INVALID] += len(crawl.invalid)
    for key, reason in crawl.invalid[:20]:
        logger.warning("Invalid item %s from %s: %s", key, result.source, reason)
    result.status = RunStatus.FAILED if crawl.error else RunStatus.SUCCESS
