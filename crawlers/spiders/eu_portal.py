"""The ``eu_portal`` source type: the EU Funding & Tenders portal search API (SEDIA).

Source options:

``programmes``     programme names or ``frameworkProgramme`` codes
                   (``["Erasmus+", "Horizon Europe"]``; empty = every programme)
``statuses``       ``open`` / ``forthcoming`` / ``closed`` or raw codes
                   (default ``["open", "forthcoming"]``)
``types``          SEDIA result types (default ``["1", "2", "8"]``)
``text``           free-text filter (default ``***``, everything)
``page_size``      results per page (default 50); ``max_pages`` cap (default 40)
``deadline_time``  ``HH:MM`` given to date-only deadlines (default ``17:00``)
``deadline_tz``    their time zone (default ``Europe/Brussels``)
``country_groups`` path of the country-groups file read for eligibility (default: the
                   one shipped in ``config/``)

The source ``url`` is the search endpoint, normally
``https://api.tech.ec.europa.eu/search-api/prod/rest/search``; ``apiKey=SEDIA``,
``text``, ``pageSize`` and ``pageNumber`` are added to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import time
from typing import Any

from scrapy.http import Request, Response
from w3lib.url import add_or_replace_parameters

from crawlers.parsers.eu_portal import (
    DEFAULT_DEADLINE_TIME,
    DEFAULT_DEADLINE_TZ,
    DEFAULT_TYPES,
    PROGRAMME_CODES,
    STATUS_CODES,
    next_page_number,
    parse_search_response,
)
from crawlers.spiders.base import OpportunitySpider
from crawlers.textfacts import make_eligibility

DEFAULT_STATUSES = ("open", "forthcoming")
DEFAULT_PAGE_SIZE = 50
DEFAULT_MAX_PAGES = 40


def programme_codes(names: Iterable[str]) -> list[str]:
    """Map programme names (or raw codes) to SEDIA ``frameworkProgramme`` codes."""
    return [PROGRAMME_CODES.get(name, name) for name in names]


def status_codes(names: Iterable[str]) -> list[str]:
    """Map status names (``open``, ``forthcoming``, ``closed``) or raw codes to SEDIA codes."""
    return [STATUS_CODES.get(name.lower(), name) for name in names]


def build_query(
    programmes: Iterable[str], statuses: Iterable[str], types: Iterable[str] = DEFAULT_TYPES
) -> dict[str, Any]:
    """Build the Elasticsearch-style bool query the ``query`` form part carries."""
    must: list[dict[str, Any]] = [{"terms": {"type": list(types)}}]
    status_list = status_codes(statuses)
    if status_list:
        must.append({"terms": {"status": status_list}})
    programme_list = programme_codes(programmes)
    if programme_list:
        must.append({"terms": {"frameworkProgramme": programme_list}})
    return {"bool": {"must": must}}


def multipart_form(parts: Mapping[str, Any]) -> tuple[bytes, str]:
    """Encode JSON form parts as ``multipart/form-data``; return the body and content type.

    SEDIA reads each part as a JSON file upload, as the portal's own page sends them.
    """
    encoded = {name: json.dumps(value, separators=(",", ":")) for name, value in parts.items()}
    digest = hashlib.sha256("".join(encoded.values()).encode("utf-8")).hexdigest()[:24]
    boundary = f"grantradar{digest}"
    chunks = []
    for name, payload in encoded.items():
        chunks.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="blob"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f"{payload}\r\n"
        )
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode("utf-8"), f"multipart/form-data; boundary={boundary}"


class EuPortalSpider(OpportunitySpider):
    """Page through SEDIA search results; one item per distinct topic identifier."""

    source_type = "eu_portal"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = self.source.options
        self.page_size = int(options.get("page_size", DEFAULT_PAGE_SIZE))
        self.max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        self.deadline_tz = str(options.get("deadline_tz", DEFAULT_DEADLINE_TZ))
        raw_time = options.get("deadline_time")
        self.deadline_time = time.fromisoformat(raw_time) if raw_time else DEFAULT_DEADLINE_TIME
        self.eligibility = make_eligibility(options.get("country_groups"))
        self.seen: set[str] = set()

    def initial_requests(self) -> Iterator[Request]:
        """Ask for the first page of results."""
        yield self.page_request(1)

    def page_request(self, page_number: int) -> Request:
        """Build the multipart POST for one page of results."""
        options = self.source.options
        query = build_query(
            options.get("programmes") or (),
            options.get("statuses", DEFAULT_STATUSES),
            options.get("types") or DEFAULT_TYPES,
        )
        body, content_type = multipart_form(
            {
                "query": query,
                "sort": {"field": "sortStatus", "order": "ASC"},
                "languages": list(options.get("languages") or ["en"]),
            }
        )
        url = add_or_replace_parameters(
            self.source.url,
            {
                "apiKey": str(options.get("api_key", "SEDIA")),
                "text": str(options.get("text", "***")),
                "pageSize": str(self.page_size),
                "pageNumber": str(page_number),
            },
        )
        return self.request(
            url,
            callback=self.parse,
            method="POST",
            body=body,
            headers={"Content-Type": content_type, "Accept": "application/json"},
            cb_kwargs={"page_number": page_number},
            critical=page_number == 1,
        )

    def parse(self, response: Response, page_number: int = 1, **kwargs: Any) -> Iterator[Any]:
        """Yield the page's new topics, then the request for the next page."""
        try:
            data = json.loads(response.text)
        except ValueError:
            self.fail(f"not JSON: the search API answered {response.url} with something else")
            return
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            self.fail("unexpected search API answer: no 'results' list")
            return
        for fields in parse_search_response(
            data,
            deadline_time=self.deadline_time,
            deadline_tz=self.deadline_tz,
            eligibility=self.eligibility,
        ):
            if fields["source_key"] in self.seen:
                continue
            self.seen.add(fields["source_key"])
            yield self.make_item(**fields)
        following = next_page_number(data, page_number, self.page_size)
        if following is not None and following <= self.max_pages:
            yield self.page_request(following)
