"""Small presentation helpers shared by the templates: dates, money, labels, HTML."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

import nh3
from flask import Flask
from markupsafe import Markup

from indexer.records import Money
from matching.alerts import format_date as calendar_date

# The same allow-list idea as at ingest, kept here on purpose: the page never trusts the
# store to have sanitized what it renders (defence in depth against a bad import).
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def clean_html(html: str | None) -> Markup:
    """Sanitize stored description HTML once more and mark the result safe."""
    if not html:
        return Markup("")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # safe: nh3 kept only the allow-listed tags and attributes


def zone_label(local: datetime) -> str:
    """Name a moment's zone: its abbreviation ("CET"), else the city of the zone and offset.

    Many zones (Asia/Bishkek among them) have no abbreviation and report "+06", which
    reads like an error; "Bishkek +06" says whose clock it is.
    """
    name = local.tzname() or ""
    if name and not name.startswith(("+", "-")):
        return name
    key = getattr(local.tzinfo, "key", "") or ""
    city = key.rsplit("/", 1)[-1].replace("_", " ") if "/" in key else ""
    return f"{city} {name}".strip()


def format_datetime(value: datetime | None, tz: tzinfo | None = None) -> str:
    """Format a moment in a time zone, e.g. ``"12 Jan 2027, 17:00 Bishkek +06"``."""
    if value is None:
        return ""
    local = value.astimezone(tz) if tz is not None else value
    # %-d is glibc-only; build the day without a leading zero portably.
    return f"{local.day} {local:%b %Y, %H:%M} {zone_label(local)}".rstrip()


def other_zones(value: datetime, shown_tz: tzinfo) -> list[str]:
    """Return the moment in its own (source) time zone and in UTC, minus what is shown."""
    shown = format_datetime(value, shown_tz)
    texts: list[str] = []
    for tz in (value.tzinfo, UTC):
        text = format_datetime(value, tz)
        if text != shown and text not in texts:
            texts.append(text)
    return texts


def format_change(value: Any, tz: tzinfo = UTC) -> str:
    """Render one side of a change-history row (decoded JSON) as short text."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict) and {"amount", "currency"} <= value.keys():
        return format_money(Money(Decimal(str(value["amount"])), str(value["currency"])))
    if isinstance(value, dict) and "at" in value:
        return f"{value.get('label') or 'Deadline'}: {_iso_text(value['at'], tz)}"
    if isinstance(value, list):
        return "; ".join(format_change(v, tz) for v in value)
    text = _iso_text(value, tz) if isinstance(value, str) else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _iso_text(value: str, tz: tzinfo) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return format_datetime(parsed, tz) if parsed.tzinfo else value


def format_date(value: date | datetime | None) -> str:
    """Format a calendar date, e.g. ``"12 Jan 2027"``."""
    return calendar_date(value) if value is not None else ""


def days_left(deadline: datetime | None, now: datetime) -> int | None:
    """Return whole days from ``now`` until ``deadline`` (rounded up), None without one."""
    if deadline is None:
        return None
    return math.ceil((deadline - now).total_seconds() / 86400)


def days_left_text(deadline: datetime | None, now: datetime) -> str:
    """Return "N days left", "last day", or "closed" for a deadline."""
    days = days_left(deadline, now)
    if days is None:
        return ""
    if days < 0 or (days == 0 and deadline is not None and deadline < now):
        return "closed"
    if days <= 1:
        return "last day"
    return f"{days} days left"


def format_money(value: Money | None) -> str:
    """Format an amount with its currency, e.g. ``"EUR 10,000,000"``."""
    if value is None:
        return ""
    amount = value.amount
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{value.currency} {text}"


def label(value: str | None) -> str:
    """Turn a vocabulary value into words: ``"research_grant"`` -> ``"Research grant"``."""
    if not value:
        return ""
    words = str(value).replace("_", " ")
    return words[:1].upper() + words[1:]


def init_filters(app: Flask) -> None:
    """Register the helpers as Jinja filters."""
    app.jinja_env.filters.update(
        clean_html=clean_html,
        datetime=format_datetime,
        date=format_date,
        money=format_money,
        label=label,
        change_value=format_change,
    )
    app.jinja_env.globals.update(
        days_left=days_left, days_left_text=days_left_text, other_zones=other_zones
    )
