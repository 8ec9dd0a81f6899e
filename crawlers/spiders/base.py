"""The base spider every source type builds on.

How to write a spider for a new source type (see ``feed.py`` for a complete one)::

    class MySpider(OpportunitySpider):
        source_type = "my_type"          # the ``type`` in config/sources.toml

        def initial_requests(self):      # optional; default: GET source.url -> parse
            yield self.request(self.source.url, callback=self.parse, dont_filter=True)

        def parse(self, response):
            for row in response.css("..."):
                yield self.make_item(
                    source_key=...,      # the funder's own reference, or url_key(link)
                    url=response.urljoin(...),
                    title=...,
                    deadlines=(Deadline(...),),   # any Opportunity field, native types
                    status=OpportunityStatus.OPEN,  # the source's flag: a fallback only
                )
            # More pages or detail pages: yield self.request(url, callback=...,
            # critical=False) -- a non-critical request that fails is a warning, not a
            # failed run.

then register it in ``crawlers/spiders/__init__.py``: ``SPIDERS["my_type"] = MySpider``.

Type-specific configuration is in ``self.source.options``. Always build requests with
:meth:`request` (it wires the error handling that turns DNS errors, timeouts, HTTP
errors and redirect loops into a failed run with a one-line reason) and items with
:meth:`make_item` (id, source defaults, fetched_at, status fallback). Call
:meth:`fail` with a clear reason when the document is unusable (e.g. "not a feed").
Never block in a callback; never read the clock (use ``self.now``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from crawlers.fetch import CrawlResult, Validators, conditional_headers, validators_from_headers
from crawlers.items import build_item
from crawlers.sources import SourceConfig
from indexer.records import (
    OpportunityStatus,
)

logger = logging.getLogger(__name__)

CRITICAL = "grantradar_critical"
CONDITIONAL = "grantradar_conditional"


def describe_failure(failure: Failure) -> str:
    """Return a one-line, human-readable reason for a failed request."""
    exc = failure.value
    if failure.check(HttpError):
        response = exc.response
        return f"HTTP {response.status} from {response.url}"
    if failure.check(CannotResolveHostError, net_error.DNSLookupError):
        return f"DNS lookup failed: {' '.join(str(exc).split())}"
    if failure.check(DownloadConnectionRefusedError, net_error.ConnectionRefusedError):
        return "connection refused"
    if failure.check(DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError):
        return f"timed out ({' '.join(str(exc).split())})"
    if failure.check(IgnoreRequest):
        message = str(exc) or "request ignored"
        if "redirect" in message:
            return f"redirect loop ({message})"
        return message
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def url_key(url: str) -> str:
    """Return a stable source_key for a record whose only identity is its URL."""
    return "u" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:24]


class OpportunitySpider(scrapy.Spider):
    """Crawl one configured source and yield items in ``records.to_dict()`` form."""

    name = "opportunity"
    source_type: ClassVar[str] = ""

    def __init__(
        self,
        source: SourceConfig | Mapping[str, Any],
        now: datetime | str,
        fetch_state: Validators | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(source, SourceConfig):
            source = SourceConfig.from_dict(source)
        super().__init__(name=source.key, **kwargs)
        self.source: SourceConfig = source
        self.now: datetime = now if isinstance(now, datetime) else datetime.fromisoformat(now)
        if isinstance(fetch_state, Mapping):
            fetch_state = Validators(fetch_state.get("etag"), fetch_state.get("last_modified"))
        self.fetch_state: Validators = fetch_state or Validators()
        self.result = CrawlResult(
            etag=self.fetch_state.etag, last_modified=self.fetch_state.last_modified
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """Build the spider and listen for responses and callback errors."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_response, signal=signals.response_received)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    # --- requests ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        """Yield the requests of :meth:`initial_requests`."""
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterable[Request]:
        """Return the first requests; by default a GET of the source URL."""
        yield self.request(self.source.url, callback=self.parse, dont_filter=True)

    def request(
        self,
        url: str,
        *,
        callback: Callable[..., Any],
        critical: bool = True,
        conditional: bool = False,
        meta: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Request:
        """Build a request whose failures are recorded on :attr:`result`.

        :param critical: when False, a failure is a warning and the run can still succeed.
        :param conditional: send the stored ETag/Last-Modified; a 304 reaches the callback.
        """
        all_meta = {**(meta or {}), CRITICAL: critical, CONDITIONAL: conditional}
        all_headers = dict(headers or {})
        if conditional:
            all_headers.update(conditional_headers(self.fetch_state))
            all_meta["handle_httpstatus_list"] = [304]
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta=all_meta,
            headers=all_headers,
            **kwargs,
        )

    def is_not_modified(self, response: Response) -> bool:
        """Return True (and record it) when a conditional request got a 304."""
        if response.status != 304:
            return False
        self.result.not_modified = True
        return True

    # --- items ------------------------------------------------------------------------

    def make_item(
        self,
        *,
        source_key: str,
        url: str,
        title: str,
        status: OpportunityStatus | str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Build one item in ``records.to_dict()`` form (see :func:`crawlers.items.build_item`)."""
        return build_item(
            self.source,
            self.now,
            source_key=source_key,
            url=url,
            title=title,
            status=status,
            **fields,
        )

    # --- outcome ----------------------------------------------------------------------

    def fail(self, reason: str) -> None:
        """Mark this run failed with a one-line reason."""
        logger.warning("Source %s failed: %s", self.source.key, reason)
        self.result.fail(reason)

    def warn(self, message: str) -> None:
        """Record a problem that does not fail the run."""
        logger.warning("Source %s: %s", self.source.key, message)
        self.result.warnings.append(message)

    def on_response(self, response: Response, request: Request, spider: Any) -> None:
        """Record the HTTP status and validators of the source's own responses."""
        if spider is not self or request.meta.get("dont_obey_robotstxt"):
            return
        if not request.meta.get(CRITICAL, True):
            return
        if self.result.http_status is None or response.status >= 300:
            self.result.http_status = response.status
        if request.meta.get(CONDITIONAL) and response.status == 200:
            headers = {
                name: value.decode("latin-1")
                for name in ("ETag", "Last-Modified")
                if (value := response.headers.get(name))
            }
            state = validators_from_headers(headers, self.fetch_state)
            self.result.etag, self.result.last_modified = state.etag, state.last_modified

    def on_error(self, failure: Failure) -> None:
        """Turn a request failure into a failed run (or a warning when not critical)."""
        request = getattr(failure, "request", None)
        reason = describe_failure(failure)
        if request is not None and not request.meta.get(CRITICAL, True):
            self.warn(f"{request.url}: {reason}")
            return
        self.fail(reason)

    def on_spider_error(self, failure: Failure, response: Response, spider: Any) -> None:
        """Fail the run when a parse callback raised (a bug or a changed layout)."""
        if spider is self:
            self.fail(f"error while parsing {response.url}: {describe_failure(failure)}")
