"""The ``html_listing`` source type: any HTML listing of calls, driven by selectors alone.

The option keys (``start_urls``, ``item``, ``title``, ``link``, ``deadline``, ``summary``,
``next_page``, ``max_pages``, ``detail``, ``deadline_tz``, ``key_pattern``) are documented
in :mod:`crawlers.parsers.html_listing`. Example::

    [sources.euraxess-funding]
    type = "html_listing"
    url = "https://euraxess.ec.europa.eu/jobs/search?f%5B0%5D=offer_type%3Afunding"
    item = "article.ecl-content-item"
    title = "h3 a ::text"
    link = "h3 a::attr(href)"
    deadline = ".id-Application-Deadline"
    summary = ".ecl-content-block__description"
    next_page = ".ecl-pagination__item--next a::attr(href)"
    key_pattern = "/jobs/(\\d+)"
    detail = { description = "xpath://h2[@id='offer-description']/following-sibling::*[1]" }

An item selector that matches nothing on the first page fails the run (the layout
changed); a detail page that cannot be fetched keeps the fields from the listing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.normalize import html_to_text
from crawlers.parsers.html_listing import (
    ListingConfig,
    ListingConfigError,
    next_page_url,
    parse_detail,
    parse_listing,
)
from crawlers.spiders.base import OpportunitySpider
from crawlers.textfacts import facts_from_text


class HtmlListingSpider(OpportunitySpider):
    """Read listing pages with configured selectors; optionally follow each call's page."""

    source_type = "html_listing"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config: ListingConfig | None = None
        self.config_error: str | None = None
        try:
            self.config = ListingConfig.from_options(self.source.options)
        except ListingConfigError as exc:
            self.config_error = str(exc)
        self.seen: set[str] = set()

    def initial_requests(self) -> Iterator[Request]:
        """Request every start URL (or fail at once when the selectors are unusable)."""
        if self.config is None:
            self.fail(f"bad html_listing options: {self.config_error}")
            return
        start_urls = self.source.options.get("start_urls") or [self.source.url]
        for url in start_urls:
            yield self.request(str(url), callback=self.parse, cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int = 1, **kwargs: Any) -> Iterator[Any]:
        """Yield the page's calls (or their detail requests) and the next page request."""
        config = self._config()
        records = parse_listing(response, config)
        if not records and page == 1:
            self.fail(f"item selector {config.item!r} matched no call on {response.url}")
            return
        for fields in records:
            if fields["source_key"] in self.seen:
                continue
            self.seen.add(fields["source_key"])
            yield self.detail_request(fields) if config.detail else self.listing_item(fields)
        following = next_page_url(response, config)
        if following and page < config.max_pages:
            yield self.request(
                following, callback=self.parse, cb_kwargs={"page": page + 1}, critical=False
            )

    def detail_request(self, fields: dict[str, Any]) -> Request:
        """Build the request for a call's own page; on failure the listing fields are kept."""
        request = self.request(
            fields["url"], callback=self.parse_detail, cb_kwargs={"fields": fields}, critical=False
        )
        return request.replace(errback=self.detail_failed)

    def parse_detail(self, response: Response, fields: dict[str, Any]) -> Iterator[Any]:
        """Yield the call with the detail page's fields over the listing's."""
        yield self.listing_item({**fields, **parse_detail(response, self._config())})

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        """Record the failed detail fetch as a warning and keep the listing fields."""
        self.on_error(failure)
        yield self.listing_item(failure.request.cb_kwargs["fields"])  # type: ignore[attr-defined]

    def listing_item(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Build the item, adding eligibility and amounts stated in the page's prose."""
        prose = " ".join(str(fields.get(k) or "") for k in ("title", "summary", "description_html"))
        facts = facts_from_text(
            html_to_text(prose), country_groups=self.source.options.get("country_groups")
        )
        return self.make_item(**{**facts, **fields})

    def _config(self) -> ListingConfig:
        if self.config is None:  # initial_requests stops before any response
            raise ListingConfigError(self.config_error or "no configuration")
        return self.config
