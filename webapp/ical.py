"""A small RFC 5545 (iCalendar) writer for deadline calendars: escaping, folding, CRLF.

Only what a read-only subscription feed needs: one VCALENDAR of VEVENTs with UTC times.
Calendar clients (Google, Outlook, Apple) re-fetch the whole feed, so an event is matched
to its earlier version by UID alone; that is why UIDs are derived from the call and the
deadline's label, not from the date, which moves when a funder extends a call.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from indexer.records import Opportunity

CRLF = "\r\n"
MAX_OCTETS = 75  # RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding CRLF
PRODID = "-//GrantRadar//Funding deadlines//EN"
REFRESH = "PT6H"  # deadlines rarely move more often; clients poll no faster anyway

# RFC 5545 3.3.11: TEXT may not contain control characters other than HTAB.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT: an instant (a deadline) with its text."""

    uid: str
    start: datetime
    stamp: datetime
    summary: str
    description: str = ""
    url: str | None = None
    categories: tuple[str, ...] = ()


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def format_utc(value: datetime) -> str:
    """Return a DATE-TIME in UTC form (``20270110T170000Z``); naive values count as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold_line(line: str) -> str:
    """Fold one content line into chunks of at most 75 octets, never inside a character."""
    chunks: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            # Continuation lines start with one space, which counts toward their 75 octets.
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def _event_lines(event: CalendarEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{format_utc(event.stamp)}",
        f"DTSTART:{format_utc(event.start)}",
        f"SUMMARY:{escape_text(event.summary)}",
        "TRANSP:TRANSPARENT",  # a deadline does not make anyone busy
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        # URL is of type URI, not TEXT: no escaping, but no line breaks either.
        lines.append(f"URL:{_CONTROL.sub('', event.url).replace(chr(10), '')}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines.append("END:VEVENT")
    return lines


def render_calendar(events: Iterable[CalendarEvent], *, name: str) -> str:
    """Return a whole VCALENDAR (CRLF line ends, folded lines) holding these events."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)


def event_uid(opportunity_id: str, label: str, occurrence: int, domain: str) -> str:
    """Return the UID of one deadline of a call: stable while the call keeps that deadline."""
    key = f"{opportunity_id}\x1f{label.strip().casefold()}\x1f{occurrence}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"{digest}@{domain}"


def _summary(opp: Opportunity, label: str, count: int) -> str:
    stage = f" ({label})" if label and count > 1 else ""
    return f"Deadline{stage}: {opp.title}"


def _description(opp: Opportunity, label: str, page_url: str) -> str:
    parts = [label] if label else []
    parts.append(" / ".join(p for p in (opp.funder, opp.programme) if p))
    if opp.call_id:
        parts.append(f"Call: {opp.call_id}")
    parts.extend([f"Funder's page: {opp.url}", f"GrantRadar: {page_url}"])
    return "\n".join(p for p in parts if p)


def deadline_events(
    opportunities: Iterable[Opportunity],
    *,
    page_url: Callable[[str], str],
    domain: str,
    stamp: datetime,
) -> list[CalendarEvent]:
    """Return one event per deadline of each call (two-stage calls give two), by time."""
    events: list[CalendarEvent] = []
    for opp in opportunities:
        seen: dict[str, int] = {}
        for deadline in sorted(opp.deadlines, key=lambda d: d.at):
            occurrence = seen.get(deadline.label, 0)
            seen[deadline.label] = occurrence + 1
            events.append(
                CalendarEvent(
                    uid=event_uid(opp.id, deadline.label, occurrence, domain),
                    start=deadline.at,
                    # The record's own revision time keeps the feed byte-stable between polls.
                    stamp=opp.last_changed or opp.first_seen or stamp,
                    summary=_summary(opp, deadline.label, len(opp.deadlines)),
                    description=_description(opp, deadline.label, page_url(opp.id)),
                    url=page_url(opp.id),
                    categories=tuple(c for c in (opp.programme, opp.kind.value) if c),
                )
            )
    events.sort(key=lambda e: (e.start, e.uid))
    return events
