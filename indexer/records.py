"""The normalized funding-opportunity record and its controlled vocabularies.

Standard library only: crawlers, matching and the web app all build on this module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class OpportunityKind(StrEnum):
    """What a call funds."""

    RESEARCH_GRANT = "research_grant"
    MOBILITY = "mobility"
    CAPACITY_BUILDING = "capacity_building"
    JOINT_DEGREE = "joint_degree"
    FELLOWSHIP = "fellowship"
    NETWORKING = "networking"
    EVENT = "event"
    INFRASTRUCTURE = "infrastructure"
    PRIZE = "prize"
    TENDER = "tender"
    OTHER = "other"


class OpportunityStatus(StrEnum):
    """Where a call stands; derived from its dates whenever it has dates."""

    FORTHCOMING = "forthcoming"
    OPEN = "open"
    CLOSED = "closed"


class IngestOutcome(StrEnum):
    """What ingesting one item did to the store."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


class RunStatus(StrEnum):
    """How one crawl of one source ended."""

    RUNNING = "running"
    SUCCESS = "success"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in an ISO-4217 currency."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Deadline:
    """One submission deadline (a two-stage call has several)."""

    at: datetime
    label: str = ""


# Fields that describe when and how we saw a record, not what the funder published:
# they never take part in the content hash or in change detection.
PROVENANCE_FIELDS = frozenset({"fetched_at", "first_seen", "last_changed", "content_hash"})


@dataclass(frozen=True, slots=True)
class Opportunity:
    """One funding call, normalized. None means the source said nothing."""

    id: str
    source: str
    source_key: str
    url: str
    title: str
    summary: str = ""
    description_html: str = ""
    funder: str | None = None
    programme: str | None = None
    call_id: str | None = None
    action_type: str | None = None
    kind: OpportunityKind = OpportunityKind.OTHER
    status: OpportunityStatus = OpportunityStatus.OPEN
    opening_date: date | None = None
    deadlines: tuple[Deadline, ...] = ()
    budget_total: Money | None = None
    award_min: Money | None = None
    award_max: Money | None = None
    expected_grants: int | None = None
    eligible_countries: tuple[str, ...] = ()
    eligible_groups: tuple[str, ...] = ()
    eligibility_text: str | None = None
    consortium_required: bool | None = None
    min_partners: int | None = None
    keywords: tuple[str, ...] = ()
    language: str | None = None
    posted_at: datetime | None = None
    fetched_at: datetime | None = None
    first_seen: datetime | None = None
    last_changed: datetime | None = None
    content_hash: str | None = None
    tags: tuple[str, ...] = field(default=())

    def next_deadline(self, now: datetime) -> Deadline | None:
        """Return the earliest deadline at or after ``now``, if any."""
        return next_deadline(self.deadlines, now)

    @property
    def final_deadline(self) -> Deadline | None:
        """Return the last deadline of the call (the one that closes it)."""
        return max(self.deadlines, key=lambda d: d.at) if self.deadlines else None


def make_id(source: str, source_key: str) -> str:
    """Build the stable record id ``"{source}:{source_key}"``."""
    return f"{source}:{source_key}"


def next_deadline(deadlines: Iterable[Deadline], now: datetime) -> Deadline | None:
    """Return the earliest deadline at or after ``now``, or None when all are past."""
    upcoming = [d for d in deadlines if d.at >= now]
    return min(upcoming, key=lambda d: d.at) if upcoming else None


def derive_status(
    opening_date: date | None,
    deadlines: Iterable[Deadline],
    fallback: OpportunityStatus,
    now: datetime,
) -> OpportunityStatus:
    """Derive the status from the dates; the source's own flag is only a fallback.

    :param fallback: the status the source states, used when there are no dates at all.
    """
    deadlines = tuple(deadlines)
    if deadlines and all(d.at < now for d in deadlines):
        return OpportunityStatus.CLOSED
    if opening_date is not None and opening_date > now.date():
        return OpportunityStatus.FORTHCOMING
    if deadlines or opening_date is not None:
        return OpportunityStatus.OPEN
    return fallback


# --- serialization ----------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Deadline):
        return {"at": value.at.isoformat(), "label": value.label}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def to_dict(opp: Opportunity) -> dict[str, Any]:
    """Return the record as JSON-ready values (ISO 8601 dates, amounts as strings)."""
    return {f.name: _encode(getattr(opp, f.name)) for f in dataclasses.fields(opp)}


def _money(value: Any) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money):
        return value
    try:
        return Money(Decimal(str(value["amount"])), str(value["currency"]).upper())
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"bad money value: {value!r}") from exc


def _datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"datetime without a time zone: {value!r}")
    return parsed


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _deadline(value: Any) -> Deadline:
    if isinstance(value, Deadline):
        return value
    at = _datetime(value["at"])
    if at is None:
        raise ValueError("deadline without a date")
    return Deadline(at=at, label=str(value.get("label") or ""))


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


_CONVERTERS: dict[str, Any] = {
    "kind": OpportunityKind,
    "status": OpportunityStatus,
    "opening_date": _date,
    "deadlines": lambda v: tuple(sorted((_deadline(d) for d in v or ()), key=lambda d: d.at)),
    "budget_total": _money,
    "award_min": _money,
    "award_max": _money,
    "expected_grants": _optional_int,
    "min_partners": _optional_int,
    "consortium_required": _optional_bool,
    "eligible_countries": _strings,
    "eligible_groups": _strings,
    "keywords": _strings,
    "tags": _strings,
    "posted_at": _datetime,
    "fetched_at": _datetime,
    "first_seen": _datetime,
    "last_changed": _datetime,
}

FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Opportunity))


def from_dict(data: Mapping[str, Any]) -> Opportunity:
    """Build a record from :func:`to_dict` output (or a crawler's item dict).

    Unknown keys are ignored; missing optional keys take their defaults.

    :raises ValueError: when a value cannot be converted or a required field is missing.
    """
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        if name not in data:
            continue
        raw = data[name]
        convert = _CONVERTERS.get(name)
        try:
            values[name] = convert(raw) if convert and raw is not None else raw
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"field {name!r}: {exc}") from exc
    if "id" not in values and values.get("source") and values.get("source_key"):
        values["id"] = make_id(values["source"], values["source_key"])
    missing = [n for n in ("id", "source", "source_key", "url", "title") if not values.get(n)]
    if missing:
        raise ValueError(f"missing required field(s): {', '.join(missing)}")
    return Opportunity(**values)


def content_fields(opp: Opportunity) -> dict[str, Any]:
    """Return the encoded fields that describe the call itself (no provenance)."""
    return {k: v for k, v in to_dict(opp).items() if k not in PROVENANCE_FIELDS}


def compute_content_hash(opp: Opportunity) -> str:
    """Return a stable SHA-256 of the record's content fields."""
    payload = json.dumps(content_fields(opp), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def changed_fields(old: Opportunity, new: Opportunity) -> dict[str, tuple[Any, Any]]:
    """Return ``{field: (old, new)}`` for every content field that differs (encoded values)."""
    before, after = content_fields(old), content_fields(new)
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def utcnow() -> datetime:
    """Return the current time, tz-aware UTC (for entry points; pure code takes ``now``)."""
    return datetime.now(UTC)
