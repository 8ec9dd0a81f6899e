"""Build the Scrapy settings of one crawl from GrantRadar's :class:`Settings`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.settings import Settings

# Only transient failures are worth retrying: a timeout or a 5xx may pass, while DNS
# errors, refused connections and 4xx will not within one run.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524]
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadTimeoutError",
    "twisted.internet.defer.TimeoutError",
    "twisted.internet.error.TimeoutError",
    "twisted.internet.error.TCPTimedOutError",
]


class CrawlConfigError(ValueError):
    """The settings do not allow a polite crawl (e.g. no User-Agent or contact)."""


def check_politeness(settings: Settings) -> None:
    """Refuse to crawl anonymously: a User-Agent and a contact address are required.

    :raises CrawlConfigError: naming the missing setting.
    """
    if not settings.user_agent.strip():
        raise CrawlConfigError("GRANTRADAR_USER_AGENT is empty: crawlers must identify themselves")
    if not settings.contact_email.strip():
        raise CrawlConfigError("GRANTRADAR_CONTACT_EMAIL is empty: sites need a contact")


def user_agent(settings: Settings) -> str:
    """Return the User-Agent, with the contact address appended when it is not in it."""
    agent = settings.user_agent.strip()
    contact = settings.contact_email.strip()
    return agent if contact in agent else f"{agent} ({contact})"


def build_scrapy_settings(
    settings: Settings,
    *,
    items_path: Path,
    invalid_path: Path,
) -> dict[str, Any]:
    """Return the Scrapy settings dict for one source run writing to ``items_path``.

    :raises CrawlConfigError: when the crawl would be anonymous.
    """
    check_politeness(settings)
    return {
        "BOT_NAME": "grantradar",
        "USER_AGENT": user_agent(settings),
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_TIMEOUT": settings.crawl_timeout,
        "DOWNLOAD_MAXSIZE": settings.crawl_max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "RETRY_EXCEPTIONS": RETRY_EXCEPTIONS,
        "GRANTRADAR_RETRY_BACKOFF": 1.0,  # seconds before the first retry, doubling
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.BackoffRetryMiddleware": 550,
        },
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        "ITEM_PIPELINES": {
            "crawlers.pipelines.ValidateItemPipeline": 100,
            "crawlers.pipelines.JsonLinesPipeline": 900,
        },
        "GRANTRADAR_ITEMS_PATH": str(items_path),
        "GRANTRADAR_INVALID_PATH": str(invalid_path),
    }
