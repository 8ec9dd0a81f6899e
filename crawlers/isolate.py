"""Crawl one source in a child process and read back what it found, storing nothing.

Twisted's reactor cannot be restarted, so every crawl runs ``python -m crawlers.child``
in a fresh process with a working folder; the items come back as JSON lines. Both the
runner (which ingests them) and ``grantradar validate-source`` (which only reports on
them) go through :func:`crawl_source`.
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
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from config.settings import Settings
from crawlers.child import INVALID_FILE, ITEMS_FILE, JOB_FILE, RESULT_FILE
from crawlers.fetch import CrawlResult
from crawlers.settings import build_scrapy_settings
from crawlers.sources import SourceConfig
from indexer.store import FetchState

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CrawledSource:
    """A finished crawl subprocess: its outcome and the items it wrote, until closed."""

    def __init__(self, result: CrawlResult, job_dir: tempfile.TemporaryDirectory[str]) -> None:
        self.result = result
        self._job_dir = job_dir

    def items(self) -> Iterator[dict[str, Any]]:
        """Yield the items the crawl wrote, in crawl order (readable until :meth:`close`)."""
        return read_items(Path(self._job_dir.name) / ITEMS_FILE)

    def close(self) -> None:
        """Remove the crawl's working folder."""
        self._job_dir.cleanup()

    def __enter__(self) -> CrawledSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def crawl_source(
    source: SourceConfig,
    *,
    settings: Settings,
    now: datetime,
    fetch_state: FetchState | None = None,
    scrapy_overrides: Mapping[str, Any] | None = None,
) -> CrawledSource:
    """Crawl one source in its own subprocess and hand back its outcome and items.

    Nothing is stored: the caller reads :meth:`CrawledSource.items` and then closes it.
    Without ``fetch_state`` the request is unconditional (the page is always fetched).

    :raises CrawlConfigError: when the crawl would be anonymous.
    """
    job_dir = tempfile.TemporaryDirectory(prefix=f"grantradar-{source.key}-")
    try:
        result = crawl_in_subprocess(
            source,
            Path(job_dir.name),
            settings=settings,
            now=now,
            fetch_state=fetch_state or FetchState(),
            scrapy_overrides=scrapy_overrides,
        )
    except BaseException:
        job_dir.cleanup()
        raise
    return CrawledSource(result, job_dir)


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
