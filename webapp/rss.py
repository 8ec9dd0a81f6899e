"""A small RSS 2.0 writer: ElementTree does the XML escaping, we drop what XML 1.0 forbids."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "GrantRadar"
TTL_MINUTES = 60

# Characters XML 1.0 does not allow at all, even escaped (crawled text sometimes has them).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("atom", ATOM_NS)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One RSS item."""

    title: str
    link: str
    description: str
    guid: str
    published: datetime | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedChannel:
    """The channel: what the feed is and where it lives."""

    title: str
    link: str
    description: str
    self_url: str
    built_at: datetime


def clean_xml_text(value: str) -> str:
    """Return the text without the characters XML 1.0 cannot carry."""
    return _INVALID_XML.sub("", value)


def rfc822(value: datetime) -> str:
    """Return an RSS date (RFC 822 with a four-digit year, in GMT)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)


def _add(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = clean_xml_text(text)
    return element


def _item(channel: ET.Element, item: FeedItem) -> None:
    element = ET.SubElement(channel, "item")
    _add(element, "title", item.title)
    _add(element, "link", item.link)
    _add(element, "description", item.description)
    permalink = "true" if item.guid == item.link else "false"
    _add(element, "guid", item.guid, isPermaLink=permalink)
    if item.published is not None:
        _add(element, "pubDate", rfc822(item.published))
    for category in item.categories:
        _add(element, "category", category)


def render_rss(channel: FeedChannel, items: Iterable[FeedItem]) -> str:
    """Return an RSS 2.0 document (UTF-8 XML text) for a channel and its items."""
    rss = ET.Element("rss", {"version": "2.0"})
    head = ET.SubElement(rss, "channel")
    _add(head, "title", channel.title)
    _add(head, "link", channel.link)
    _add(head, "description", channel.description)
    # RSS best practice: the feed names its own URL so readers can follow moves.
    ET.SubElement(
        head,
        f"{{{ATOM_NS}}}link",
        {"href": clean_xml_text(channel.self_url), "rel": "self", "type": "application/rss+xml"},
    )
    _add(head, "lastBuildDate", rfc822(channel.built_at))
    _add(head, "generator", GENERATOR)
    _add(head, "ttl", str(TTL_MINUTES))
    for item in items:
        _item(head, item)
    body = ET.tostring(rss, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
