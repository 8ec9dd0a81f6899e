"""Alerts: new saved-search results, changes to followed calls, closing reminders."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from indexer.records import Deadline, Opportunity

from .feasibility import next_local_deadline

REMINDER_DAYS = (14, 3)


class ChangeRow(Protocol):
    """A change-history row as the store returns it (``indexer.store.Change``)."""

    @property
    def opportunity_id(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def old(self) -> Any: ...
    @property
    def new(self) -> Any: ...
    @property
    def changed_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class ResultDiff:
    """What a saved search found since its last notice, and the ids to remember now."""

    new: tuple[str, ...]
    remember: frozenset[str]


def diff_results(current: Sequence[str], notified: Collection[str]) -> ResultDiff:
    """Return the result ids not notified before (in result order) and the ids to store."""
    seen = set(notified)
    new = tuple(dict.fromkeys(i for i in current if i not in seen))
    return ResultDiff(new=new, remember=frozenset(seen | set(current)))


@dataclass(frozen=True, slots=True)
class ChangeNotice:
    """One change to a followed call, in plain words."""

    opportunity_id: str
    field: str
    text: str
    changed_at: datetime


def followed_changes(
    rows: Iterable[ChangeRow],
    followed: Collection[str],
    *,
    tz: tzinfo,
    since: datetime | None = None,
) -> list[ChangeNotice]:
    """Describe the changes to followed calls since ``since`` (oldest first).

    Several changes of one field of one call collapse into one: first old value to last
    new value; a field that ends where it started is not reported.
    """
    merged: dict[tuple[str, str], list[Any]] = {}
    for row in sorted(rows, key=lambda r: r.changed_at):
        if row.opportunity_id not in followed or (since and row.changed_at <= since):
            continue
        key = (row.opportunity_id, row.field)
        if key in merged:
            merged[key][1:] = [row.new, row.changed_at]
        else:
            merged[key] = [row.old, row.new, row.changed_at]
    notices = []
    for (opp_id, field), (old, new, at) in merged.items():
        text = describe_change(field, old, new, tz)
        if text:
            notices.append(ChangeNotice(opp_id, field, text, at))
    return notices


def describe_change(field: str, old: Any, new: Any, tz: tzinfo) -> str | None:
    """Say what changed in plain words; None for changes not worth a notice."""
    old, new = _decode(old), _decode(new)
    if old == new:
        return None
    if field == "deadlines":
        return _describe_deadlines(old or [], new or [], tz)
    if field == "status":
        return f"status changed from {old or 'unknown'} to {new or 'unknown'}"
    if field in _MONEY_LABELS:
        return f"{_MONEY_LABELS[field]} changed from {format_money(old)} to {format_money(new)}"
    if field == "opening_date":
        return f"opening date moved from {old or 'unknown'} to {new or 'unknown'}"
    if field == "title":
        return f"title changed to '{new}'"
    if field in ("eligible_countries", "eligible_groups", "eligibility_text"):
        return "eligibility conditions changed"
    return None


_MONEY_LABELS = {
    "budget_total": "budget",
    "award_max": "maximum award",
    "award_min": "minimum award",
}


def format_date(value: datetime | date, tz: tzinfo | None = None) -> str:
    """Return "12 Mar 2027" (a datetime is shown in ``tz`` first)."""
    if isinstance(value, datetime) and tz is not None:
        value = value.astimezone(tz)
    return f"{value.day} {value:%b %Y}"


def format_moment(value: datetime, tz: tzinfo) -> str:
    """Return "12 Mar 2027, 17:00 (Asia/Bishkek)": the moment in ``tz``, named by its key."""
    local = value.astimezone(tz)
    zone = getattr(tz, "key", None) or local.tzname() or "UTC"
    return f"{format_date(local)}, {local:%H:%M} ({zone})"


def format_money(value: Any) -> str:
    """Return "EUR 1,200,000" from a Money-like mapping or object; "none" when absent."""
    if not value:
        return "none"
    amount = value["amount"] if isinstance(value, dict) else getattr(value, "amount", None)
    currency = value["currency"] if isinstance(value, dict) else getattr(value, "currency", "")
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return f"{currency} {amount}"
    shown = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{currency} {shown}".strip()


def _decode(value: Any) -> Any:
    # The store may keep encoded values as JSON text; accept both forms.
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _dates(values: list[Any]) -> list[datetime]:
    out = []
    for v in values:
        raw = v.get("at") if isinstance(v, dict) else getattr(v, "at", v)
        out.append(raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw)))
    return sorted(out)


def _describe_deadlines(old: list[Any], new: list[Any], tz: tzinfo) -> str | None:
    before, after = _dates(old), _dates(new)
    if not before and after:
        return f"deadline set: {format_date(after[0], tz)}"
    if before and not after:
        return "deadline removed"
    for b, a in zip(before, after, strict=False):
        if b != a:
            return f"deadline moved from {format_date(b, tz)} to {format_date(a, tz)}"
    if len(after) > len(before):
        return f"deadline added: {format_date(after[len(before)], tz)}"
    return "deadline removed" if len(after) < len(before) else None


@dataclass(frozen=True, slots=True)
class Reminder:
    """A closing reminder; ``keys`` are what the caller stores so it is sent once."""

    opportunity: Opportunity
    deadline: Deadline
    days_left: int
    threshold: int
    keys: tuple[str, ...]


def reminder_key(opp_id: str, deadline: Deadline, threshold: int) -> str:
    """Return the key that identifies one reminder of one deadline of one call."""
    return f"{opp_id}|{deadline.at.isoformat()}|{threshold}"


def closing_reminders(
    opps: Iterable[Opportunity],
    *,
    today: date,
    tz: tzinfo,
    sent: Collection[str],
    thresholds: Sequence[int] = REMINDER_DAYS,
) -> list[Reminder]:
    """Return the reminders due today, each threshold at most once per deadline.

    When several thresholds are crossed at once (a call followed late), only the
    tightest is sent, and the keys of all crossed thresholds are returned so the
    looser ones never fire afterwards.
    """
    due = []
    for opp in opps:
        deadline, days_left = next_local_deadline(opp, tz, today)
        if deadline is None or days_left is None:
            continue
        crossed = sorted(t for t in thresholds if days_left <= t)
        keys = tuple(reminder_key(opp.id, deadline, t) for t in crossed)
        if crossed and keys[0] not in sent:
            due.append(Reminder(opp, deadline, days_left, crossed[0], keys))
    due.sort(key=lambda r: (r.days_left, r.opportunity.id))
    return due
