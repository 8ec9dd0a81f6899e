"""Run sources: one crawl subprocess per source, then ingest what it found.

A source that fails (time limit, HTTP error, DNS, redirect loop, garbage) fails alone:
its run is recorded FAILED with a one-line reason, the other sources still run and
nothing already stored is touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from config.settings import Settings
from crawlers.child import INVALID_FILE, ITEMS_FILE, JOB_FILE, RESULT_FILE
from crawlers.fetch import CrawlResult
from crawlers.settings import build_scrapy_settings, check_politeness
from crawlers.sources import SourceConfig
from indexer.backend import SearchBackend
from indexer.ingest import ingest
from indexer.records import IngestOutcome, RunStatus
from indexer.store import FetchState, Store

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
        counts = ", ".join(f"{o.value} {self.counts.get(o, 0)}" for o in IngestOutcome)
        line = f"{self.source}: {self.status.value} ({counts}) in {self.seconds:.1f}s"
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
    job_dir: tempfile.TemporaryDirectory[str]
    crawl: Future[CrawlResult]


def _start_job(
    source: SourceConfig,
    pool: ThreadPoolExecutor,
    store: Store,
    settings: Settings,
    now: datetime,
    overrides: Mapping[str, Any],
) -> _Job:
    job_dir = tempfile.TemporaryDirectory(prefix=f"grantradar-{source.key}-")
    run_id = store.start_run(source.key, now)
    crawl = pool.submit(
        crawl_in_subprocess,
        source,
        Path(job_dir.name),
        settings=settings,
        now=now,
        fetch_state=store.get_fetch_state(source.key),
        scrapy_overrides=overrides,
    )
    return _Job(source, run_id, time.monotonic(), job_dir, crawl)


def _finish_job(
    job: _Job, *, store: Store, backend: SearchBackend | None, now: datetime
) -> SourceRunResult:
    """Wait for one crawl, ingest its items and close its run record."""
    key = job.source.key
    result = SourceRunResult(source=key, run_id=job.run_id, status=RunStatus.FAILED)
    try:
        crawl = job.crawl.result()
        _ingest_crawl(crawl, Path(job.job_dir.name), result, store=store, backend=backend, now=now)
        if result.status is not RunStatus.FAILED:
            store.set_fetch_state(key, FetchState(crawl.etag, crawl.last_modified), now=now)
    except Exception as exc:  # one broken source must not stop the others
        logger.exception("Source %s failed unexpectedly", key)
        result.status = RunStatus.FAILED
        result.error = result.error or f"{type(exc).__name__}: {exc}"
    finally:
        job.job_dir.cleanup()
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
    crawl: CrawlResult,
    job_dir: Path,
    result: SourceRunResult,
    *,
    store: Store,
    backend: SearchBackend | None,
    now: datetime,
) -> None:
    """Ingest the crawl's items (even from a failed run: they are complete records)."""
    result.http_status = crawl.http_status
    result.warnings = list(crawl.warnings)
    result.error = crawl.error
    if crawl.not_modified and crawl.error is None:
        result.status = RunStatus.NOT_MODIFIED
        return
    report = ingest(store, read_items(job_dir / ITEMS_FILE), now=now, backend=backend)
    result.counts = Counter(report.counts)
    result.counts[IngestOutcome.INVALID] += len(crawl.invalid)
    for key, reason in crawl.invalid[:20]:
        logger.warning("Invalid item %s from %s: %s", key, result.source, reason)
    result.status = RunStatus.FAILED if crawl.error else RunStatus.SUCCESS


def read_items(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the items of a JSON-lines file, skipping a line cut short by a kill."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                logger.warning("Skipping a truncated item line in %s", path)


def crawl_in_subprocess(
    source: SourceConfig,
    job_dir: Path,
    *,
    settings: Settings,
    now: datetime,
    fetch_state: FetchState,
    scrapy_overrides: Mapping[str, Any] | None = None,
) -> CrawlResult:
    """Run ``python -m crawlers.child`` for one source, killing it at the time limit."""
    scrapy_settings = build_scrapy_settings(
        settings,
        items_path=job_dir / ITEMS_FILE,
        invalid_path=job_dir / INVALID_FILE,
    )
    scrapy_settings.update(scrapy_overrides or {})
    job = {
        "source": source.to_dict(),
        "now": now.isoformat(),
        "fetch_state": {"etag": fetch_state.etag, "last_modified": fetch_state.last_modified},
        "scrapy_settings": scrapy_settings,
    }
    (job_dir / JOB_FILE).write_text(json.dumps(job), encoding="utf-8")
    log_path = job_dir / "crawl.log"
    with log_path.open("wb") as log:
        # A new session makes the child the leader of its own process group, so a
        # timeout kills the whole group (nothing it started survives).
        process = subprocess.Popen(
            [sys.executable, "-m", "crawlers.child", str(job_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(),
            start_new_session=True,
        )
        try:
            process.wait(timeout=settings.crawl_time_limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            killed = CrawlResult(items=_count(job_dir / ITEMS_FILE))
            killed.fail(f"time limit of {settings.crawl_time_limit:g}s exceeded; crawl killed")
            return killed
    done = _read_result(job_dir)
    if done is None:
        done = CrawlResult()
        done.fail(f"crawl process exited with {process.returncode}: {_last_line(log_path)}")
    return done


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{PROJECT_ROOT}{os.pathsep}{path}" if path else str(PROJECT_ROOT)
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read_result(job_dir: Path) -> CrawlResult | None:
    path = job_dir / RESULT_FILE
    if not path.exists():
        return None
    try:
        return CrawlResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError):
        return None


def _count(path: Path) -> int:
    return sum(1 for _ in read_items(path))


def _last_line(path: Path) -> str:
    lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln]
    return lines[-1][:300] if lines else "no output"
