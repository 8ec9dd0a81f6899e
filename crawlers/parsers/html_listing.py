"""Extract calls from an HTML listing page (and optional detail pages) by configuration.

Option keys of an ``html_listing`` source (all in its ``[sources.<key>]`` table or its
``options`` sub-table):

``start_urls``  list of listing URLs (default: the source ``url``)
``item``        selector of one call on the listing page (required)
``title``       selector of the title inside an item (default: the text of the first link)
``link``        selector of the call's link inside an item (default ``a::attr(href)``)
``deadline``    selector of the deadline text inside an item
``summary``     selector of the summary text inside an item
``next_page``   selector of the next listing page's link (followed up to ``max_pages``)
``max_pages``   cap on listing pages followed (default 5)
``detail``      table of selectors applied to each call's own page, followed from the link:
                ``title``, ``deadline``, ``summary``, ``description`` (kept as sanitized HTML)
``deadline_tz`` time zone of deadlines that name none (default ``Europe/Brussels``)
``key_pattern`` regex with one group taken from the absolute link as the source key
                (default: a hash of the link)

Selectors are CSS by default; a value starting with ``xpath:`` is XPath. ``::text`` and
``::attr(name)`` work in CSS. A selector matching elements yields their whole text (or,
for ``link``, their ``href``). Relative links are resolved against the page URL.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cssselect import SelectorError
from parsel import Selector
from scrapy.exceptions import NotSupported

from crawlers.normalize import (
    find_deadlines,
    html_to_text,
    parse_datetime,
    resolve_tz,
    sanitize_html,
)
from indexer.records import Deadline

logger = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 5
DEFAULT_TZ = "Europe/Brussels"
DETAIL_KEYS = frozenset({"title", "deadline", "summary", "description"})
# EURAXESS-style "12 Apr 2026 - 23:59 (Europe/Lisbon)": an IANA zone named in brackets.
_IANA_ZONE = re.compile(r"\(\s*([A-Z][A-Za-z_]+(?:/[A-Za-z_+-]+)+)\s*\)")


class ListingConfigError(ValueError):
    """The selectors of an html_listing source are missing or malformed."""


@dataclass(frozen=True, slots=True)
class ListingConfig:
    """The selectors and limits of one html_listing source."""

    item: str
    title: str = ""
    link: str = "a::attr(href)"
    deadline: str = ""
    summary: str = ""
    next_page: str = ""
    max_pages: int = DEFAULT_MAX_PAGES
    detail: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    deadline_tz: str = DEFAULT_TZ
    key_pattern: str = ""

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ListingConfig:
        """Build the configuration from a source's options, naming what is wrong."""
        item = options.get("item")
        if not isinstance(item, str) or not item.strip():
            raise ListingConfigError("html_listing needs an 'item' selector")
        detail = options.get("detail") or {}
        if not isinstance(detail, Mapping) or not set(detail) <= DETAIL_KEYS:
            raise ListingConfigError(f"'detail' must be a table with keys {sorted(DETAIL_KEYS)}")
        try:
            max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        except (TypeError, ValueError):
            raise ListingConfigError("'max_pages' must be an integer") from None
        config = cls(
            item=item,
            title=str(options.get("title") or ""),
            link=str(options.get("link") or "a::attr(href)"),
            deadline=str(options.get("deadline") or ""),
            summary=str(options.get("summary") or ""),
            next_page=str(options.get("next_page") or ""),
            max_pages=max(1, max_pages),
            detail=MappingProxyType({k: str(v) for k, v in detail.items()}),
            deadline_tz=str(options.get("deadline_tz") or DEFAULT_TZ),
            key_pattern=str(options.get("key_pattern") or ""),
        )
        config.check()
        return config

    def check(self) -> None:
        """Raise ListingConfigError naming a selector, pattern or zone that cannot work."""
        probe = Selector(text="<html><body></body></html>")
        named = {"item": self.item, "title": self.title, "link": self.link}
        named.update(deadline=self.deadline, summary=self.summary, next_page=self.next_page)
        named.update({f"detail.{k}": v for k, v in self.detail.items()})
        for name, selector in named.items():
            try:
                if selector:
                    select(probe, selector)
            except (ValueError, SelectorError) as exc:
                raise ListingConfigError(f"bad {name!r} selector {selector!r}: {exc}") from None
        try:
            re.compile(self.key_pattern)
        except re.error as exc:
            raise ListingConfigError(f"bad 'key_pattern' {self.key_pattern!r}: {exc}") from None
        if resolve_tz(self.deadline_tz) is None:
            raise ListingConfigError(f"unknown 'deadline_tz' {self.deadline_tz!r}")


def select(node: Any, selector: str) -> Any:
    """Apply a CSS selector, or XPath when it starts with ``xpath:``; return the matches."""
    if selector.startswith("xpath:"):
        return node.xpath(selector.removeprefix("xpath:").strip())
    return node.css(selector)


def select_text(node: Any, selector: str) -> str:
    """Return the plain text of everything a selector matches, whitespace collapsed."""
    if not selector:
        return ""
    parts = []
    for match in select(node, selector):
        if isinstance(match.root, str):
            parts.append(match.root)
        else:
            parts.append(" ".join(match.xpath(".//text()").getall()))
    return " ".join(" ".join(parts).split())


def select_html(node: Any, selector: str) -> str:
    """Return the markup of everything a selector matches."""
    return "\n".join(select(node, selector).getall()) if selector else ""


def select_link(node: Any, selector: str) -> str | None:
    """Return the first link a selector matches: an attribute/text value or an ``href``."""
    for match in select(node, selector):
        if isinstance(match.root, str):
            value = match.root.strip()
        else:
            value = (match.attrib.get("href") or "").strip()
        if value:
            return value
    return None


def parse_listing(response: Any, config: ListingConfig) -> list[dict[str, Any]]:
    """Return record fields for each item on a listing page (links made absolute).

    Items whose link is no web page (``javascript:``, ``mailto:``, malformed) are skipped;
    a response that is not HTML or XML gives no items.
    """
    try:
        nodes = select(response, config.item)
    except (ValueError, NotSupported, AttributeError):
        logger.warning("%s is not an HTML page; no items read", getattr(response, "url", "?"))
        return []
    records = []
    for node in nodes:
        url = absolute_link(response, select_link(node, config.link))
        if not url:
            continue
        title = select_text(node, config.title) if config.title else _first_link_text(node)
        records.append(
            {
                "source_key": source_key(url, config.key_pattern),
                "url": url,
                "title": title,
                "summary": html_to_text(select_text(node, config.summary), limit=1000),
                "deadlines": deadlines_in(select_text(node, config.deadline), config.deadline_tz),
            }
        )
    return records


def next_page_url(response: Any, config: ListingConfig) -> str | None:
    """Return the absolute URL of the next listing page, if the page links one."""
    if not config.next_page:
        return None
    try:
        href = select_link(response, config.next_page)
    except (ValueError, NotSupported, AttributeError):
        return None
    return absolute_link(response, href)


def absolute_link(response: Any, href: str | None) -> str | None:
    """Return ``href`` made absolute when it leads to a web page, else None (logged)."""
    if not href:
        return None
    try:
        url = str(response.urljoin(href))
    except ValueError:
        url = ""
    if not url.startswith(("http://", "https://")):
        logger.warning("link %r on %s is not a web page; skipped", href[:200], response.url)
        return None
    return url


def parse_detail(response: Any, config: ListingConfig) -> dict[str, Any]:
    """Return the fields a detail page adds; only fields it actually has are returned."""
    selectors = config.detail
    fields: dict[str, Any] = {}
    try:
        select(response, "xpath:/*")
    except (ValueError, NotSupported, AttributeError):
        logger.warning("%s is not an HTML page; detail fields not read", response.url)
        return fields
    title = select_text(response, selectors.get("title", ""))
    if title:
        fields["title"] = title
    deadlines = deadlines_in(
        select_text(response, selectors.get("deadline", "")), config.deadline_tz
    )
    if deadlines:
        fields["deadlines"] = deadlines
    description = sanitize_html(select_html(response, selectors.get("description", "")))
    if description:
        fields["description_html"] = description
    summary = select_text(response, selectors.get("summary", "")) or html_to_text(description)
    if summary:
        fields["summary"] = html_to_text(summary, limit=1000)
    return fields


def deadlines_in(text: str, default_tz: str = DEFAULT_TZ) -> tuple[Deadline, ...]:
    """Return the deadlines in a snippet of deadline text (labelled or a bare date)."""
    if not text:
        return ()
    zone = _IANA_ZONE.search(text)
    if zone:
        # An unknown zone name keeps the configured default rather than falling to UTC.
        if resolve_tz(zone.group(1)) is not None:
            default_tz = zone.group(1)
        text = _IANA_ZONE.sub(" ", text)
    text = " ".join(text.split())
    found = find_deadlines(text, default_tz=default_tz)
    if found:
        return found
    # The selector already isolates the deadline, so an unlabelled date is the deadline.
    found = find_deadlines(f"Deadline: {text}", default_tz=default_tz)
    if found:
        return found
    moment = parse_datetime(text, default_tz=default_tz)
    return (Deadline(moment, "Deadline"),) if moment else ()


def source_key(url: str, pattern: str = "") -> str:
    """Return the key a ``key_pattern`` group takes from the URL, else a hash of the URL."""
    if pattern:
        match = re.search(pattern, url)
        if match and match.groups() and match.group(1):
            return match.group(1)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _first_link_text(node: Any) -> str:
    links = node.css("a")
    return " ".join(" ".join(links[0].xpath(".//text()").getall()).split()) if links else ""
