"""Crawl one source in this process: ``python -m crawlers.child JOB_DIR``.

Twisted's reactor cannot be restarted, so every source run gets a fresh process. The
parent (:mod:`crawlers.runner`) writes ``JOB_DIR/job.json``::

    {"source": SourceConfig.to_dict(), "now": ISO 8601, "fetch_state": {"etag", "last_modified"},
     "scrapy_settings": {...}}

and this module writes the items to ``items.jsonl`` (path from the Scrapy settings),
invalid items to ``invalid.jsonl`` and a :class:`~crawlers.fetch.CrawlResult` to
``result.json``. The exit status is 0 when the crawl succeeded or was not modified.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawlers.fetch import CrawlResult
from crawlers.sources import SourceConfig
from crawlers.spiders import SPIDERS

logger = logging.getLogger(__name__)

JOB_FILE = "job.json"
RESULT_FILE = "result.json"
ITEMS_FILE = "items.jsonl"
INVALID_FILE = "invalid.jsonl"


def read_invalid(path: Path) -> list[tuple[str, str]]:
    """Return (key, reason) for every item the validation pipeline dropped."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(str(r["key"]), str(r["reason"])) for r in rows]


def count_lines(path: Path) -> int:
    """Return the number of non-empty lines of a file (0 when it does not exist)."""
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def crawl(job: dict[str, Any]) -> CrawlResult:
    """Run the spider of the job's source type to completion and return what it saw."""
    source = SourceConfig.from_dict(job["source"])
    spider_cls = SPIDERS.get(source.type)
    if spider_cls is None:
        return CrawlResult(error=f"no spider for source type {source.type!r}")
    scrapy_settings = job["scrapy_settings"]
    process = CrawlerProcess(settings=scrapy_settings)
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, source=source, now=job["now"], fetch_state=job.get("fetch_state"))
    process.start()
    spider = crawler.spider
    result: CrawlResult = getattr(spider, "result", None) or CrawlResult(
        error="the spider did not start"
    )
    result.items = count_lines(Path(scrapy_settings["GRANTRADAR_ITEMS_PATH"]))
    result.invalid = read_invalid(Path(scrapy_settings["GRANTRADAR_INVALID_PATH"]))
    if result.error is None and result.http_status is None and not result.not_modified:
        result.fail("no response received (the request was dropped)")
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the job in the folder named on the command line; write its result."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m crawlers.child JOB_DIR\n")
        return 2
    job_dir = Path(args[0])
    try:
        result = crawl(json.loads((job_dir / JOB_FILE).read_text(encoding="utf-8")))
    except Exception as exc:  # the parent needs a reason whatever went wrong
        logger.exception("Crawl job %s crashed", job_dir)
        result = CrawlResult()
        result.fail(f"crawl crashed: {type(exc).__name__}: {exc}")
    (job_dir / RESULT_FILE).write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return 0 if result.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
