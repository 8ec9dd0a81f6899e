"""Read the fields of a SEDIA result's metadata: values, budget, dates, deadlines, keywords.

Every metadata value is a list of strings (sometimes a scalar, a nested list or damaged);
``budgetOverview`` and sometimes ``keywords`` are JSON inside a string and may be truncated.
Each reader returns None or an empty value for what it cannot read, never raises.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.parsers.json_values import (
    amount_of,
    as_mapping,
    count_of,
    flat_strings,
    mappings,
    plausible,
    plausible_date,
)
from indexer.records import Deadline, Money

logger = logging.getLogger("crawlers.parsers.eu_portal")


def values(meta: Mapping[str, Any], key: str) -> list[str]:
    """Return a metadata value as a list of strings (scalars wrapped, nested lists flattened)."""
    return list(flat_strings(meta.get(key)))


def first(meta: Mapping[str, Any], key: str) -> str | None:
    """Return the first non-empty string of a metadata value, or None."""
    return next((v.strip() for v in values(meta, key) if v.strip()), None)


def json_field(meta: Mapping[str, Any], key: str, identifier: str) -> Any:
    if isinstance(meta.get(key), Mapping):
        return meta[key]  # already decoded by a newer API generation
    raw = first(meta, key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        logger.warning("SEDIA %s: field %s is not valid JSON; dropped", identifier, key)
        return None


def budget_actions(budget: Any, identifier: str) -> list[Mapping[str, Any]]:
    if not isinstance(budget, Mapping):
        return []
    action_map = budget.get("budgetTopicActionMap")
    if not isinstance(action_map, Mapping):
        return []
    actions = [a for group in action_map.values() for a in mappings(group)]
    # The overview may list sibling topics of the call; keep this topic's actions.
    own = [a for a in actions if str(a.get("action", "")).startswith(identifier)]
    return own or actions


def action_code(actions: list[Mapping[str, Any]]) -> str | None:
    for action in actions:
        # "<TOPIC> - <ACTION-CODE> <type of action name>"
        _, sep, rest = str(action.get("action", "")).partition(" - ")
        if sep and rest.split():
            return rest.split()[0]
    return None


def money_fields(budget: Any, actions: list[Mapping[str, Any]]) -> dict[str, Any]:
    currency = str(as_mapping(budget).get("currency") or "").strip().upper()
    currency = currency if re.fullmatch(r"[A-Z]{3}", currency) else "EUR"
    totals = [amount_of(v) for a in actions for v in as_mapping(a.get("budgetYearMap")).values()]
    mins = [amount_of(a.get("minContribution")) for a in actions]
    maxs = [amount_of(a.get("maxContribution")) for a in actions]
    grants = [g for g in (count_of(a.get("expectedGrants")) for a in actions) if g is not None]
    known_totals = [t for t in totals if t is not None]
    known_mins = [m for m in mins if m is not None]
    known_maxs = [m for m in maxs if m is not None]
    return {
        "budget_total": Money(sum(known_totals, Decimal(0)), currency) if known_totals else None,
        "award_min": Money(min(known_mins), currency) if known_mins else None,
        "award_max": Money(max(known_maxs), currency) if known_maxs else None,
        "expected_grants": sum(grants) if grants else None,
    }


def opening_date(meta: Mapping[str, Any], actions: list[Mapping[str, Any]]) -> date | None:
    raw = first(meta, "startDate")
    if raw:
        parsed = parse_portal_datetime(raw)
        if parsed is not None:
            return parsed.date()
    planned = [
        moment.date()
        for a in actions
        for raw in flat_strings(a.get("plannedOpeningDate"))
        if (moment := parse_portal_datetime(raw)) is not None
    ]
    return min(planned) if planned else None


def parse_portal_datetime(raw: str) -> datetime | None:
    """Parse ``2025-04-29T00:00:00.000+0000`` or ``2025-04-29``; None when not a date."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if plausible_date(parsed.date()) is None:
        return None
    return plausible(parsed)


def deadlines(
    meta: Mapping[str, Any], actions: list[Mapping[str, Any]], at: time, tz: ZoneInfo
) -> tuple[Deadline, ...]:
    moments = deadline_moments(values(meta, "deadlineDate"), at, tz)
    if not moments:
        raw = [d for a in actions for d in flat_strings(a.get("deadlineDates"))]
        moments = deadline_moments(raw, at, tz)
    model = (first(meta, "deadlineModel") or "").lower()
    return tuple(
        Deadline(moment, deadline_label(model, index, len(moments)))
        for index, moment in enumerate(moments)
    )


def deadline_moments(raw: list[str], at: time, tz: ZoneInfo) -> list[datetime]:
    return sorted({m for m in (deadline_moment(r, at, tz) for r in raw) if m is not None})


def deadline_moment(raw: str, at: time, tz: ZoneInfo) -> datetime | None:
    parsed = parse_portal_datetime(raw)
    if parsed is None:
        return None
    utc = parsed.astimezone(UTC)
    if utc.time() == time(0, 0):
        # A bare date (midnight UTC): the call closes at the portal's closing hour.
        return plausible(datetime.combine(utc.date(), at, tzinfo=tz))
    return parsed


def deadline_label(model: str, index: int, count: int) -> str:
    if count == 1:
        return "Deadline"
    if "two-stage" in model or "two stage" in model:
        return f"Stage {index + 1}"
    if "cut-off" in model or "cutoff" in model:
        return f"Cut-off {index + 1}"
    return f"Deadline {index + 1}"


def keywords(meta: Mapping[str, Any], identifier: str) -> tuple[str, ...]:
    raw = values(meta, "keywords")
    if len(raw) == 1 and raw[0].lstrip().startswith("["):
        # Some records carry the whole keyword list as one JSON-encoded string.
        try:
            decoded = json.loads(raw[0])
            raw = list(flat_strings(decoded)) if isinstance(decoded, list) else raw
        except (ValueError, RecursionError):
            logger.warning("SEDIA %s: field keywords is not valid JSON; dropped", identifier)
            raw = []
    raw += values(meta, "crossCuttingPriorities")
    seen: dict[str, None] = {}
    for keyword in raw:
        keyword = " ".join(keyword.split())
        if keyword and keyword.lower() != identifier.lower():
            seen.setdefault(keyword, None)
    return tuple(seen)
