"""The RFC 5545 writer: escaping, folding, CRLF, UIDs, one event per deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from indexer.records import Deadline
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, NOW, make_opportunity
from webapp.ical import (
    CalendarEvent,
    deadline_events,
    escape_text,
    event_uid,
    fold_line,
    format_utc,
    render_calendar,
)


def unescape_text(value: str) -> str:
    """Undo RFC 5545 TEXT escaping."""
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def parse_ics(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Parse a VCALENDAR into its properties and its VEVENTs (name -> raw value)."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "every line ends with CRLF"
    physical = text.split("\r\n")[:-1]
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, line
    logical: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in logical:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
        else:
            calendar.setdefault(name, value)
    assert logical[0] == "BEGIN:VCALENDAR"
    assert logical[-1] == "END:VCALENDAR"
    return calendar, events


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("a, b; c", "a\\, b\\; c"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines\r\nthree\rfour", "two\\nlines\\nthree\\nfour"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_escape_text_escapes_specials(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


@pytest.mark.parametrize(
    "line",
    [
        "SUMMARY:" + "x" * 200,
        "SUMMARY:" + "Кыргызстан — водные ресурсы " * 10,
        "SUMMARY:" + "🌍" * 60,
        "SHORT:ok",
    ],
)
def test_fold_line_keeps_octets_and_characters(line: str) -> None:
    folded = fold_line(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


def test_format_utc_converts_zones() -> None:
    bishkek = timezone(timedelta(hours=6))
    assert format_utc(datetime(2027, 1, 15, 15, 0, tzinfo=bishkek)) == "20270115T090000Z"
    assert format_utc(datetime(2027, 1, 15, 9, 0)) == "20270115T090000Z"


def test_render_calendar_round_trips_hostile_text() -> None:
    summary = 'Deadline: "Water; soil, and \\ air"\nsecond line ' + "долгий текст " * 12
    event = CalendarEvent(
        uid="abc@radar.example",
        start=NOW,
        stamp=NOW,
        summary=summary,
        description="Line one\nLine two, with; specials",
        url="https://radar.example/opportunities/a:b/c",
        categories=("Erasmus+", "a,b"),
    )
    calendar, events = parse_ics(render_calendar([event], name="GrantRadar, test"))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert unescape_text(calendar["X-WR-CALNAME"]) == "GrantRadar, test"
    [parsed] = events
    assert unescape_text(parsed["SUMMARY"]) == summary
    assert unescape_text(parsed["DESCRIPTION"]) == "Line one\nLine two, with; specials"
    assert parsed["DTSTART"] == "20261128T090000Z"
    assert parsed["DTSTAMP"] == "20261128T090000Z"
    assert parsed["URL"] == "https://radar.example/opportunities/a:b/c"
    assert parsed["CATEGORIES"] == "Erasmus+,a\\,b"


def test_render_calendar_without_events_is_valid() -> None:
    calendar, events = parse_ics(render_calendar([], name="Empty"))
    assert events == []
    assert calendar["METHOD"] == "PUBLISH"


def test_deadline_events_gives_one_event_per_stage() -> None:
    events = deadline_events(
        [HORIZON_TWO_STAGE_CLIMATE, ERASMUS_CBHE_WATER],
        page_url=lambda i: f"https://radar.example/opportunities/{i}",
        domain="radar.example",
        stamp=NOW,
    )
    _, parsed = parse_ics(render_calendar(events, name="x"))
    assert len(parsed) == 3
    for event in parsed:
        assert {"UID", "DTSTART", "SUMMARY", "DTSTAMP"} <= event.keys()
        assert event["DTSTART"].endswith("Z")
        assert event["UID"].endswith("@radar.example")
    assert len({e["UID"] for e in parsed}) == 3
    stages = sorted(unescape_text(e["SUMMARY"]) for e in parsed if "two-stage" in e["SUMMARY"])
    assert stages[0].startswith("Deadline (Stage 1):")
    assert stages[1].startswith("Deadline (Stage 2):")
    assert [e["DTSTART"] for e in parsed] == sorted(e["DTSTART"] for e in parsed)


def test_event_uid_is_stable_when_the_deadline_moves() -> None:
    def uids(opp):
        return [e.uid for e in deadline_events([opp], page_url=str, domain="d", stamp=NOW)]

    moved = replace(
        HORIZON_TWO_STAGE_CLIMATE,
        deadlines=(
            Deadline(NOW + timedelta(days=25), "Stage 1"),
            Deadline(NOW + timedelta(days=170), "Stage 2"),
        ),
    )
    assert uids(moved) == uids(HORIZON_TWO_STAGE_CLIMATE)
    assert event_uid("a:1", "Deadline", 0, "d") != event_uid("a:2", "Deadline", 0, "d")


def test_deadline_events_separates_repeated_labels() -> None:
    cutoffs = make_opportunity(
        deadlines=tuple(
            Deadline(datetime(2027, m, 1, 12, tzinfo=UTC), "Cut-off") for m in (3, 6, 9)
        )
    )
    events = deadline_events([cutoffs], page_url=str, domain="d", stamp=NOW)
    assert len({e.uid for e in events}) == 3
