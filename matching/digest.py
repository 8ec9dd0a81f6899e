"""Choose and rank what goes into one person's digest (closing soon, changes, new matches)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum
from urllib.parse import quote
from zoneinfo import ZoneInfo

from indexer.records import Deadline, Opportunity

from .alerts import ChangeNotice, Reminder, format_moment
from .profiles import DigestFrequency, Profile
from .scoring import Match

DEFAULT_CAP = 12
LINK_PATH = "/opportunities/{id}"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class Section(StrEnum):
    """The parts of a digest, in the order they are shown."""

    CLOSING = "closing"
    CHANGES = "changes"
    MATCHES = "matches"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One call in a digest, with the words and links the e-mail shows."""

    section: Section
    opportunity_id: str
    title: str
    link: str
    source_url: str
    deadline: str | None
    days_left: int | None
    score: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """One person's digest for one ISO week."""

    email: str
    name: str
    week: str
    items: tuple[DigestItem, ...]
    omitted: int
    base_url: str

    def section(self, section: Section) -> tuple[DigestItem, ...]:
        """Return the items of one section, in rank order."""
        return tuple(i for i in self.items if i.section is section)


def iso_week(day: date) -> str:
    """Return the ISO week of a day as ``YYYY-Www``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """Return the Monday of an ISO week ``YYYY-Www``.

    :raises ValueError: when the text is not a valid ISO week.
    """
    m = _WEEK.match(week.strip())
    if m is None:
        raise ValueError(f"not an ISO week (YYYY-Www): {week!r}")
    return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)


def build_digest(
    person: Profile,
    matches: Sequence[Match],
    changes: Sequence[ChangeNotice],
    closing: Sequence[Reminder],
    *,
    week: str,
    tz: tzinfo | str,
    base_url: str,
    cap: int = DEFAULT_CAP,
    calls: Mapping[str, Opportunity] | None = None,
    link_path: str = LINK_PATH,
) -> Digest | None:
    """Build a person's digest; None when digests are off or there is nothing to send.

    Closing reminders come first, then changes to followed calls, then new matches by
    score. A call appears once; muted calls never. ``calls`` gives titles for changes.
    """
    if person.digest is DigestFrequency.OFF:
        return None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    week_monday(week)
    ctx = _Context(zone, base_url.rstrip("/"), link_path, calls or {})
    muted = person.muted
    closing_items = [ctx.reminder(r) for r in closing if r.opportunity.id not in muted]
    change_items = ctx.changes(changes, muted)
    shown = {i.opportunity_id for i in closing_items} | {i.opportunity_id for i in change_items}
    ranked = sorted(matches, key=lambda m: (-m.score, m.id))
    match_items = []
    for m in ranked:
        if m.id not in muted and m.id not in shown:
            shown.add(m.id)
            match_items.append(ctx.match(m))
    items = _cap(closing_items, change_items, match_items, cap)
    if not items:
        return None
    total = len(closing_items) + len(change_items) + len(match_items)
    return Digest(person.email, person.name, week, tuple(items), total - len(items), base_url)


def _cap(
    closing: list[DigestItem], changes: list[DigestItem], matches: list[DigestItem], cap: int
) -> list[DigestItem]:
    # New matches are why people read the digest: keep at least half the slots for them
    # when there are enough, and give the rest to reminders first, then changes.
    keep_matches = max(cap - len(closing) - len(changes), min(len(matches), cap // 2))
    keep_matches = min(keep_matches, len(matches), cap)
    rest = cap - keep_matches
    keep_closing = min(len(closing), rest)
    keep_changes = min(len(changes), rest - keep_closing)
    return closing[:keep_closing] + changes[:keep_changes] + matches[:keep_matches]


@dataclass(frozen=True, slots=True)
class _Context:
    tz: tzinfo
    base_url: str
    link_path: str
    calls: Mapping[str, Opportunity]

    def link(self, opp_id: str) -> str:
        return self.base_url + self.link_path.format(id=quote(opp_id, safe=":"))

    def when(self, deadline: Deadline | None) -> str | None:
        if deadline is None:
            return None
        return format_moment(deadline.at, self.tz)

    def reminder(self, r: Reminder) -> DigestItem:
        opp = r.opportunity
        return DigestItem(
            Section.CLOSING, opp.id, opp.title, self.link(opp.id), opp.url,
            self.when(r.deadline), r.days_left, None, ("closing soon, and you follow this call",),
        )  # fmt: skip

    def match(self, m: Match) -> DigestItem:
        opp = m.opportunity
        return DigestItem(
            Section.MATCHES, opp.id, opp.title, self.link(opp.id), opp.url,
            self.when(m.deadline), m.days_left, m.score, m.reasons,
        )  # fmt: skip

    def changes(self, notices: Sequence[ChangeNotice], muted: frozenset[str]) -> list[DigestItem]:
        grouped: dict[str, list[ChangeNotice]] = {}
        for n in sorted(notices, key=lambda n: n.changed_at, reverse=True):
            if n.opportunity_id not in muted:
                grouped.setdefault(n.opportunity_id, []).append(n)
        items = []
        for opp_id, group in grouped.items():
            opp = self.calls.get(opp_id)
            items.append(
                DigestItem(
                    Section.CHANGES,
                    opp_id,
                    opp.title if opp else opp_id,
                    self.link(opp_id),
                    opp.url if opp else "",
                    None,
                    None,
                    None,
                    tuple(n.text for n in group),
                )
            )
        return items
