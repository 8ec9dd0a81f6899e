"""Render one person's alerts as a multipart e-mail (plain text + inline-styled HTML).

Rendered with a Jinja environment of its own (not Flask's) so the scheduler can send
alerts without a request; links are absolute on GRANTRADAR_BASE_URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from indexer.records import Opportunity
from matching.alerts import ChangeNotice, Reminder, format_moment
from matching.feasibility import days_phrase
from webapp.mail import build_message
from webapp.services import Services
from webapp.stores.saved_searches import SavedSearch
from webapp.stores.users import User
from webapp.tokens import Purpose
from webapp.urls import (
    FOLLOWING_PATH,
    SAVED_PATH,
    absolute,
    list_unsubscribe_headers,
    profile_url,
    unsubscribe_url,
)

MAX_PER_SEARCH = 10


@dataclass(frozen=True, slots=True)
class SearchSection:
    """A saved search and its results new since the last notice."""

    search: SavedSearch
    new: Sequence[Opportunity]


@dataclass(frozen=True, slots=True)
class AlertMail:
    """Everything one alert message says."""

    user: User
    searches: Sequence[SearchSection]
    changes: Sequence[ChangeNotice]
    reminders: Sequence[Reminder]
    calls: Mapping[str, Opportunity]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("webapp", "templates/mail"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def call_link(services: Services, opportunity_id: str) -> str:
    """Return the absolute URL of a call's page."""
    return absolute(services.settings, "/opportunities/" + quote(opportunity_id, safe=":"))


def alert_subject(mail: AlertMail, brand: str) -> str:
    """Return a subject that says what is inside."""
    parts = []
    new = sum(len(s.new) for s in mail.searches)
    if new:
        parts.append(f"{new} new result{'s' if new != 1 else ''}")
    if mail.reminders:
        parts.append(f"{len(mail.reminders)} closing soon")
    if mail.changes:
        parts.append(f"{len(mail.changes)} change{'s' if len(mail.changes) != 1 else ''}")
    return f"{brand} alert: {', '.join(parts)}"


def _context(services: Services, mail: AlertMail, brand: str) -> dict[str, Any]:
    settings, tz = services.settings, services.institution.tz

    def search_url(search: SavedSearch) -> str:
        return absolute(settings, "/search?" + urlencode(list(search.query)))

    titles = {k: v.title for k, v in mail.calls.items()}
    return {
        "brand": brand,
        "greeting": f"Hello {mail.user.display_name}," if mail.user.display_name else "Hello,",
        "mail": mail,
        "max_per_search": MAX_PER_SEARCH,
        "link": lambda opp_id: call_link(services, opp_id),
        "search_url": search_url,
        "title_of": lambda opp_id: titles.get(opp_id, opp_id),
        "when": lambda at: format_moment(at, tz),
        "days_phrase": days_phrase,
        "saved_url": absolute(settings, SAVED_PATH),
        "following_url": absolute(settings, FOLLOWING_PATH),
        "profile_url": profile_url(settings),
        "unsubscribe_url": unsubscribe_url(settings, mail.user.id, Purpose.UNSUBSCRIBE_ALERTS),
    }


def alert_message(services: Services, mail: AlertMail, *, now: datetime) -> EmailMessage:
    """Return the alert e-mail with its one-click unsubscribe headers (RFC 8058)."""
    brand = f"GrantRadar · {services.institution.short_name}"
    context = _context(services, mail, brand)
    context["subject"] = subject = alert_subject(mail, brand)
    env = _environment()
    return build_message(
        services.settings,
        to=mail.user.email,
        subject=subject,
        text=env.get_template("alert.txt").render(context),
        html=env.get_template("alert.html").render(context),
        headers={
            **list_unsubscribe_headers(context["unsubscribe_url"]),
            "Auto-Submitted": "auto-generated",
        },
        now=now,
    )
