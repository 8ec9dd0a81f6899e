"""Downloader middleware: retries with exponential backoff, for timeouts and 5xx only."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

MAX_BACKOFF = 60.0


class BackoffRetryMiddleware(RetryMiddleware):
    """Wait ``GRANTRADAR_RETRY_BACKOFF * 2**n`` seconds before the n-th retry.

    Scrapy's own retry middleware re-sends at once, which hammers a server that is
    already failing; RETRY_HTTP_CODES / RETRY_EXCEPTIONS decide what is retried.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("GRANTRADAR_RETRY_BACKOFF", 1.0)

    async def _wait(self, request: Request) -> None:
        retries = request.meta.get("retry_times", 0)
        if retries >= request.meta.get("max_retry_times", self.max_retry_times):
            return  # the middleware gives up now: no point in waiting
        delay = min(MAX_BACKOFF, self.backoff * 2**retries)
        if delay > 0:
            logger.debug("Backing off %.2fs before retrying %s", delay, request.url)
            await asyncio.sleep(delay)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        """Retry a 5xx response after the backoff delay."""
        if response.status in self.retry_http_codes and not request.meta.get("dont_retry"):
            await self._wait(request)
        return super().process_response(request, response)

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        """Retry a timed-out request after the backoff delay."""
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry"):
            await self._wait(request)
        return super().process_exception(request, exception)
