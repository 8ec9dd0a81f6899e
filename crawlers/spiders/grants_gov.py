"""The ``grants_gov`` source type: Grants.gov search2, then fetchOpportunity per hit.

Source options (search2 filters; lists or ``|``-joined strings):

``keyword``             free text (default empty: everything)
``statuses``            default ``forecasted|posted``
``eligibilities``       applicant type codes, e.g. ``["25", "99"]`` for calls that may be
                        open to non-US organisations
``agencies``            agency codes, e.g. ``["NSF", "DOS-KGZ"]``
``funding_categories``  category codes; ``aln`` an assistance listing number
``rows``                hits per page (default 100); ``max_records`` cap (default 1000)
``fetch_details``       follow each hit with fetchOpportunity (default true)
``fetch_url``           fetchOpportunity endpoint (default: the source ``url`` with
                        ``search2`` replaced by ``fetchOpportunity``)

The source ``url`` is the search2 endpoint, ``https://api.grants.gov/v1/api/search2``.
A hit whose details cannot be fetched is still stored from the search fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.parsers.grants_gov import (
    FETCH_URL,
    next_start,
    parse_opportunity,
    parse_search_response,
)
from crawlers.spiders.base import OpportunitySpider

DEFAULT_ROWS = 100
DEFAULT_MAX_RECORDS = 1000
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def build_search_body(options: Mapping[str, Any], start: int, rows: int) -> dict[str, Any]:
    """Build the search2 JSON body from source options (``keyword``, ``eligibilities``...)."""
    return {
        "keyword": str(options.get("keyword", "")),
        "oppStatuses": _pipe(options.get("statuses", "forecasted|posted")),
        "eligibilities": _pipe(options.get("eligibilities", "")),
        "agencies": _pipe(options.get("agencies", "")),
        "fundingCategories": _pipe(options.get("funding_categories", "")),
        "aln": str(options.get("aln", "")),
        "rows": rows,
        "startRecordNum": start,
    }


def _pipe(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return str(value or "")


class GrantsGovSpider(OpportunitySpider):
    """Search Grants.gov page by page and fetch each opportunity's full record."""

    source_type = "grants_gov"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = self.source.options
        self.rows = int(options.get("rows", DEFAULT_ROWS))
        self.max_records = int(options.get("max_records", DEFAULT_MAX_RECORDS))
        self.fetch_details = bool(options.get("fetch_details", True))
        default_fetch = (
            self.source.url.replace("search2", "fetchOpportunity")
            if "search2" in self.source.url
            else FETCH_URL
        )
        self.fetch_url = str(options.get("fetch_url") or default_fetch)
        self.seen: set[str] = set()

    def initial_requests(self) -> Iterator[Request]:
        """Ask for the first page of search hits."""
        yield self.search_request(0)

    def search_request(self, start: int) -> Request:
        """Build the search2 POST for the hits from ``start`` on."""
        body = build_search_body(self.source.options, start, self.rows)
        return self.request(
            self.source.url,
            callback=self.parse,
            method="POST",
            body=json.dumps(body),
            headers=_JSON_HEADERS,
            cb_kwargs={"start": start},
            critical=start == 0,
            dont_filter=True,
        )

    def parse(self, response: Response, start: int = 0, **kwargs: Any) -> Iterator[Any]:
        """Yield a detail request (or an item) per new hit, then the next search page."""
        data = self._json(response)
        if data is None:
            return
        if not isinstance(data.get("data"), Mapping) or "oppHits" not in data["data"]:
            self.fail(f"unexpected search2 answer: {data.get('msg') or 'no data.oppHits'}")
            return
        for hit in parse_search_response(data):
            if hit["source_key"] in self.seen:
                continue
            self.seen.add(hit["source_key"])
            yield self.detail_request(hit) if self.fetch_details else self.make_item(**hit)
        following = next_start(data, start, self.rows)
        if following is not None and following < self.max_records:
            yield self.search_request(following)

    def detail_request(self, hit: dict[str, Any]) -> Request:
        """Build the fetchOpportunity POST for one hit; on failure the hit is kept."""
        request = self.request(
            self.fetch_url,
            callback=self.parse_detail,
            method="POST",
            body=json.dumps({"opportunityId": int(hit["source_key"])}),
            headers=_JSON_HEADERS,
            cb_kwargs={"hit": hit},
            critical=False,
            dont_filter=True,
        )
        return request.replace(errback=self.detail_failed)

    def parse_detail(self, response: Response, hit: dict[str, Any]) -> Iterator[Any]:
        """Yield the full record, or the search fields when the details are unusable."""
        data = self._json(response, critical=False)
        fields = parse_opportunity(data) if data else None
        if fields is None:
            self.warn(f"no usable details for opportunity {hit['source_key']}; search fields kept")
            fields = hit
        yield self.make_item(**fields)

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        """Record the failed detail fetch as a warning and keep the search fields."""
        self.on_error(failure)
        hit = failure.request.cb_kwargs["hit"]  # type: ignore[attr-defined]
        yield self.make_item(**hit)

    def _json(self, response: Response, *, critical: bool = True) -> dict[str, Any] | None:
        try:
            data = json.loads(response.text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
        message = f"not JSON: Grants.gov answered {response.url} with something else"
        if critical:
            self.fail(message)
        else:
            self.warn(message)
        return None
