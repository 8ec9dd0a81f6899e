"""The ``feed`` source type: RSS 0.9x/1.0/2.0 and Atom feeds, fetched with conditional GET.

Source options: ``timezone`` (IANA name used for deadlines written without one;
default Europe/Brussels).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import charset_normalizer
import feedparser
from scrapy import Request
from scrapy.http import Response
from w3lib.url import canonicalize_url

from crawlers.normalize import (
    classify_kind,
    detect_language,
    find_deadlines,
    html_to_text,
    parse_datetime,
    sanitize_html,
)
from crawlers.spiders.base import OpportunitySpider, url_key
from crawlers.textfacts import facts_from_text

SUMMARY_LIMIT = 1000
TITLE_FALLBACK_LIMIT = 150
DEFAULT_DEADLINE_TZ = "Europe/Brussels"
# Feedparser reports these when it had to guess the encoding (no usable declaration).
_GUESSED_ENCODING = ("CharacterEncodingOverride", "CharacterEncodingUnknown")
# When one of these already decodes the bytes as plausibly as the detector's best
# guess, keep feedparser's Western default: detectors confuse Latin-1 languages
# with one another (Portuguese read as Baltic cp1257, say).
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_15"})
_XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=", re.IGNORECASE)
_XML_DECL_TEXT = re.compile(r"""^(\s*<\?xml[^>]*encoding\s*=\s*["'])[^"']*(["'])""")
_CHARSET_PARAM = re.compile(r"charset\s*=", re.IGNORECASE)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)


class NotAFeedError(ValueError):
    """The document is not an RSS or Atom feed."""


def has_declared_charset(body: bytes, content_type: str) -> bool:
    """Return True when the HTTP header, a BOM or the XML declaration names the encoding."""
    return bool(
        _CHARSET_PARAM.search(content_type)
        or body.startswith(_BOMS)
        or _XML_DECL_ENCODING.match(body[:300])
    )


def detect_encoding(body: bytes) -> str | None:
    """Return a better encoding than feedparser's Western guess, or None to keep it."""
    results = charset_normalizer.from_bytes(body)
    best = results.best()
    if best is None:
        return None
    plausible = [r for r in results if r.chaos <= best.chaos + 0.02]
    if any(_WESTERN.intersection(r.could_be_from_charset) for r in plausible):
        return None
    return str(best.encoding)


def read_feed(
    body: bytes, *, url: str, content_type: str = "", content_location: str = ""
) -> feedparser.FeedParserDict:
    """Parse feed bytes, detecting undeclared encodings; relative links resolve to ``url``.

    :raises NotAFeedError: for an empty document, an HTML page or any non-feed XML.
    """
    body, content_type = _decode_utf16(body, content_type)
    if not body.strip():
        raise NotAFeedError("not a feed: empty document")
    # Without a Content-Type feedparser flags every document and assumes Latin-1;
    # a server that says nothing is treated as serving XML.
    headers = {
        "content-location": urljoin(url, content_location or url),
        "content-type": content_type or "application/xml",
    }
    parsed = feedparser.parse(body, response_headers=headers)
    exc = parsed.get("bozo_exception")
    if (
        exc is not None
        and type(exc).__name__ in _GUESSED_ENCODING
        and not has_declared_charset(body, content_type)
    ):
        encoding = detect_encoding(body)
        if encoding:
            media = content_type.split(";")[0].strip() or "application/xml"
            headers["content-type"] = f"{media}; charset={encoding}"
            parsed = feedparser.parse(body, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeedError(_not_a_feed_reason(body, content_type, parsed))
    return parsed


def _decode_utf16(body: bytes, content_type: str) -> tuple[bytes, str]:
    """Re-encode a UTF-16 document (known by its BOM) as UTF-8.

    feedparser reads UTF-16 only when an XML declaration names it; a BOM alone is
    enough by the XML specification, so decode here and declare UTF-8 instead.
    """
    if not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body, content_type
    text = body.decode("utf-16", errors="replace")
    text = _XML_DECL_TEXT.sub(r"\1utf-8\2", text, count=1)
    media = content_type.split(";")[0].strip() or "application/xml"
    return text.encode("utf-8"), f"{media}; charset=utf-8"


def _not_a_feed_reason(body: bytes, content_type: str, parsed: Mapping[str, Any]) -> str:
    if "html" in content_type.lower() or _HTML_START.match(body[:500]):
        return f"not a feed: got an HTML page ({content_type or 'no Content-Type'})"
    exc = parsed.get("bozo_exception")
    if exc is not None and "no element found" in str(exc):
        return "not a feed: empty document"
    detail = f" ({' '.join(str(exc).split())})" if exc is not None else ""
    return f"not a feed: no RSS or Atom root element{detail}"


def entry_posted_at(entry: Mapping[str, Any]) -> datetime | None:
    """Return when an entry was published (or updated), tz-aware UTC, or None."""
    for name in ("published", "updated", "created"):
        parsed = _own(entry, f"{name}_parsed")
        if parsed:
            try:
                year, month, day, hour, minute, second = parsed[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    for name in ("published", "updated", "created"):
        raw = _own(entry, name)
        if raw:
            when = parse_datetime(str(raw))
            if when is not None:
                return when.astimezone(UTC)
    return None


def _own(entry: Mapping[str, Any], key: str) -> Any:
    """Read a key the entry really has: feedparser maps a missing ``updated`` to
    ``published`` with a DeprecationWarning, and we ask for both on purpose."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def entry_title(entry: Mapping[str, Any]) -> str:
    """Return the entry title as plain text (HTML titles are stripped)."""
    title = str(entry.get("title") or "")
    detail = entry.get("title_detail") or {}
    if "html" in str(detail.get("type", "")):
        return html_to_text(title)
    return " ".join(title.split())


def entry_bodies(entry: Mapping[str, Any]) -> tuple[str, str]:
    """Return (summary HTML, full content HTML) of an entry; either may be empty."""
    summary = str(entry.get("summary") or "")
    contents = entry.get("content") or []
    content = "\n".join(str(c.get("value") or "") for c in contents)
    return summary, content


def entry_link(entry: Mapping[str, Any], base: str) -> str:
    """Return the entry's absolute http(s) link, or "" (a ``tag:`` id is no link)."""
    raw = str(entry.get("link") or "").strip()
    link = urljoin(base, raw) if raw else ""
    return link if link.startswith(("http://", "https://")) else ""


def entry_language(entry: Mapping[str, Any], feed: Mapping[str, Any]) -> str | None:
    """Return the ISO-639-1 language the feed declares for an entry, if any."""
    for detail in (entry.get("title_detail"), entry.get("summary_detail")):
        if detail and detail.get("language"):
            return str(detail["language"])[:2].lower()
    declared = str(feed.get("language") or "").strip()
    return declared[:2].lower() if len(declared) >= 2 else None


def entry_keywords(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the entry's category terms, de-duplicated in order."""
    terms = (" ".join(str(t.get("term") or "").split()) for t in entry.get("tags") or [])
    return tuple(dict.fromkeys(t for t in terms if t))


class FeedSpider(OpportunitySpider):
    """Fetch one RSS/Atom feed and yield one item per entry."""

    source_type = "feed"

    def initial_requests(self) -> Iterator[Request]:
        """Send a conditional GET for the feed."""
        # dont_filter: a redirect back to this URL must reach the redirect limit (and
        # fail as a loop) instead of being dropped silently as a duplicate.
        yield self.request(self.source.url, callback=self.parse, conditional=True, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Parse the feed; a 304 or a document that is no feed yields nothing."""
        if self.is_not_modified(response):
            return
        try:
            parsed = read_feed(
                response.body,
                url=response.url,
                content_type=_header(response, b"Content-Type"),
                content_location=_header(response, b"Content-Location"),
            )
        except NotAFeedError as exc:
            self.fail(str(exc))
            return
        problem = parsed.get("bozo_exception")
        if problem is not None:
            self.warn(f"malformed feed ({' '.join(str(problem).split())}); kept what was readable")
        fallback_url = urljoin(response.url, parsed.feed.get("link") or response.url)
        for entry in parsed.entries:
            declared = entry_language(entry, parsed.feed)
            yield self.entry_item(entry, response.url, fallback_url, declared)

    def entry_item(
        self,
        entry: Mapping[str, Any],
        base: str,
        fallback_url: str,
        declared_language: str | None = None,
    ) -> dict[str, Any]:
        """Map one feed entry to an item (invalid when it has neither title nor link)."""
        link = entry_link(entry, base)
        summary_html, content_html = entry_bodies(entry)
        summary = html_to_text(summary_html or content_html, SUMMARY_LIMIT)
        # An entry needs a title or a link to be useful; without a title of its own
        # it is named by the start of its text, or failing that by its link.
        title = (
            entry_title(entry)
            or html_to_text(summary_html or content_html, TITLE_FALLBACK_LIMIT)
            or link
        )
        full_text = html_to_text(content_html or summary_html)
        guid = " ".join(str(entry.get("id") or "").split())
        if guid:
            source_key = guid
        elif link:
            source_key = url_key(canonicalize_url(link))
        else:
            source_key = url_key(f"{title}\n{summary}") if title else ""
        text = f"{title}\n{full_text}"
        tz = str(self.source.options.get("timezone") or DEFAULT_DEADLINE_TZ)
        return self.make_item(
            source_key=source_key,
            url=link or (fallback_url if title else ""),
            title=title,
            summary=summary,
            description_html=sanitize_html(content_html or summary_html),
            posted_at=entry_posted_at(entry),
            deadlines=find_deadlines(text, default_tz=tz),
            kind=classify_kind(title, full_text, default=self.source.kind),
            language=detect_language(text) or declared_language,
            keywords=entry_keywords(entry),
            **facts_from_text(text, country_groups=self.source.options.get("country_groups")),
        )


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""
