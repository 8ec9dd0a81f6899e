"""Parse the EU Funding & Tenders portal search API (SEDIA) into record fields.

The API answers ``{"totalResults", "pageNumber", "pageSize", "results": [...]}``; each
result has ``metadata`` whose values are all lists of strings. Some of those strings hold
JSON (``budgetOverview``, sometimes ``keywords``), which can be truncated: such a field is
dropped with a warning, the record is kept. Two record generations coexist in one answer:
older ones point ``url`` at the topic-detail JSON and carry a plain title, newer ones
point at the portal page and repeat the call code in the title; both are read the same way.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.normalize import classify_kind, html_to_text, sanitize_html
from crawlers.textfacts import EligibilityFn
from indexer.records import Deadline, Money, OpportunityKind, OpportunityStatus

logger = logging.getLogger(__name__)

PORTAL_TOPIC_URL = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/"
    "opportunities/topic-details/{identifier}"
)
FUNDER = "European Commission"
PROGRAMME_CODES: Mapping[str, str] = {"Horizon Europe": "43108390", "Erasmus+": "43353764"}
PROGRAMME_NAMES: Mapping[str, str] = {code: name for name, code in PROGRAMME_CODES.items()}
STATUS_CODES: Mapping[str, str] = {
    "forthcoming": "31094501",
    "open": "31094502",
    "closed": "31094503",
}
STATUS_BY_CODE: Mapping[str, OpportunityStatus] = {
    code: OpportunityStatus(name) for name, code in STATUS_CODES.items()
}
# Result types: 1 = topic, 2 = call for proposals (non-topic), 8 = cascade funding.
DEFAULT_TYPES = ("1", "2", "8")
# The portal publishes deadlines as dates (midnight UTC in the API); its calls close at
# 17:00 Brussels time, which the portal pages state for every Horizon/Erasmus+ topic.
DEFAULT_DEADLINE_TIME = time(17, 0)
DEFAULT_DEADLINE_TZ = "Europe/Brussels"
# Action-code fragments that settle the kind before any keyword guessing.
_KIND_BY_ACTION = (
    ("RPR", OpportunityKind.PRIZE),
    ("IPR", OpportunityKind.PRIZE),
    ("MSCA-PF", OpportunityKind.FELLOWSHIP),
    ("MSCA-SE", OpportunityKind.MOBILITY),
    ("MSCA-DN", OpportunityKind.FELLOWSHIP),
    ("CBHE", OpportunityKind.CAPACITY_BUILDING),
    ("EMJM", OpportunityKind.JOINT_DEGREE),
    ("-RIA", OpportunityKind.RESEARCH_GRANT),
    ("-IA", OpportunityKind.RESEARCH_GRANT),
)


def next_page_number(data: Mapping[str, Any], page_number: int, page_size: int) -> int | None:
    """Return the next page to ask for, or None when ``totalResults`` are all fetched."""
    total = int(data.get("totalResults") or 0)
    if not data.get("results") or page_number >= math.ceil(total / max(page_size, 1)):
        return None
    return page_number + 1


def parse_search_response(
    data: Mapping[str, Any],
    *,
    deadline_time: time = DEFAULT_DEADLINE_TIME,
    deadline_tz: str = DEFAULT_DEADLINE_TZ,
    eligibility: EligibilityFn | None = None,
) -> list[dict[str, Any]]:
    """Return record fields for every distinct topic in one search answer."""
    records: dict[str, dict[str, Any]] = {}
    for result in data.get("results") or ():
        fields = parse_result(
            result, deadline_time=deadline_time, deadline_tz=deadline_tz, eligibility=eligibility
        )
        if fields is not None and fields["source_key"] not in records:
            records[fields["source_key"]] = fields
    return list(records.values())


def parse_result(
    result: Mapping[str, Any],
    *,
    deadline_time: time = DEFAULT_DEADLINE_TIME,
    deadline_tz: str = DEFAULT_DEADLINE_TZ,
    eligibility: EligibilityFn | None = None,
) -> dict[str, Any] | None:
    """Return the record fields of one search result, or None when it has no identifier.

    ``programme``, ``status`` and ``kind`` are None when the result does not settle them
    (the spider then applies the source's defaults).
    """
    meta = result.get("metadata") or {}
    identifier = first(meta, "identifier")
    if not identifier:
        logger.warning("SEDIA result %s has no identifier; skipped", result.get("reference"))
        return None
    budget = _json_field(meta, "budgetOverview", identifier)
    actions = _budget_actions(budget, identifier)
    title = _title(result, meta, identifier)
    description_html = sanitize_html(first(meta, "descriptionByte") or "")
    text = html_to_text(description_html)
    action_type = _action_code(actions) or first(meta, "typesOfAction")
    fields: dict[str, Any] = {
        "source_key": identifier,
        "url": PORTAL_TOPIC_URL.format(identifier=identifier),
        "title": title,
        "summary": html_to_text(description_html, limit=1000),
        "description_html": description_html,
        "funder": FUNDER,
        "call_id": first(meta, "callIdentifier"),
        "action_type": action_type,
        "opening_date": _opening_date(meta, actions),
        "deadlines": _deadlines(meta, actions, deadline_time, ZoneInfo(deadline_tz)),
        "keywords": _keywords(meta, identifier),
        "language": result.get("language") or None,
        **_money_fields(budget, actions),
        "programme": PROGRAMME_NAMES.get(first(meta, "frameworkProgramme") or ""),
        "status": STATUS_BY_CODE.get(first(meta, "status") or ""),
        "kind": _kind(title, action_type, first(meta, "typesOfAction"), text),
    }
    if eligibility is not None and text:
        countries, groups, evidence = eligibility(text)
        fields.update(
            eligible_countries=countries, eligible_groups=groups, eligibility_text=evidence
        )
    return fields


def values(meta: Mapping[str, Any], key: str) -> list[str]:
    """Return a metadata value as a list of strings (scalars are wrapped, None is empty)."""
    raw = meta.get(key)
    if raw is None:
        return []
    if isinstance(raw, list):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def first(meta: Mapping[str, Any], key: str) -> str | None:
    """Return the first non-empty string of a metadata value, or None."""
    return next((v.strip() for v in values(meta, key) if v.strip()), None)


def _json_field(meta: Mapping[str, Any], key: str, identifier: str) -> Any:
    raw = first(meta, key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        logger.warning("SEDIA %s: field %s is not valid JSON; dropped", identifier, key)
        return None


def _title(result: Mapping[str, Any], meta: Mapping[str, Any], identifier: str) -> str:
    raw = first(meta, "title") or result.get("summary") or first(meta, "callTitle") or identifier
    return " ".join(html.unescape(str(raw)).split())


def _budget_actions(budget: Any, identifier: str) -> list[Mapping[str, Any]]:
    if not isinstance(budget, Mapping):
        return []
    action_map = budget.get("budgetTopicActionMap")
    if not isinstance(action_map, Mapping):
        return []
    actions = [a for group in action_map.values() if isinstance(group, list) for a in group]
    actions = [a for a in actions if isinstance(a, Mapping)]
    # The overview may list sibling topics of the call; keep this topic's actions.
    own = [a for a in actions if str(a.get("action", "")).startswith(identifier)]
    return own or actions


def _action_code(actions: list[Mapping[str, Any]]) -> str | None:
    for action in actions:
        # "<TOPIC> - <ACTION-CODE> <type of action name>"
        _, sep, rest = str(action.get("action", "")).partition(" - ")
        if sep and rest.split():
            return rest.split()[0]
    return None


def _money_fields(budget: Any, actions: list[Mapping[str, Any]]) -> dict[str, Any]:
    currency = "EUR"
    if isinstance(budget, Mapping) and isinstance(budget.get("currency"), str):
        currency = budget["currency"].upper()
    totals = [_decimal(v) for a in actions for v in (a.get("budgetYearMap") or {}).values()]
    mins = [_decimal(a.get("minContribution")) for a in actions]
    maxs = [_decimal(a.get("maxContribution")) for a in actions]
    grants = [a.get("expectedGrants") for a in actions if isinstance(a.get("expectedGrants"), int)]
    known_totals = [t for t in totals if t is not None]
    known_mins = [m for m in mins if m is not None]
    known_maxs = [m for m in maxs if m is not None]
    return {
        "budget_total": Money(sum(known_totals, Decimal(0)), currency) if known_totals else None,
        "award_min": Money(min(known_mins), currency) if known_mins else None,
        "award_max": Money(max(known_maxs), currency) if known_maxs else None,
        "expected_grants": sum(grants) if grants else None,
    }


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _opening_date(meta: Mapping[str, Any], actions: list[Mapping[str, Any]]) -> date | None:
    raw = first(meta, "startDate")
    if raw:
        parsed = _parse_portal_datetime(raw)
        if parsed is not None:
            return parsed.date()
    planned = [str(a["plannedOpeningDate"]) for a in actions if a.get("plannedOpeningDate")]
    try:
        return min(date.fromisoformat(p[:10]) for p in planned) if planned else None
    except ValueError:
        return None


def _parse_portal_datetime(raw: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _deadlines(
    meta: Mapping[str, Any], actions: list[Mapping[str, Any]], at: time, tz: ZoneInfo
) -> tuple[Deadline, ...]:
    raw = values(meta, "deadlineDate")
    if not raw:
        raw = [str(d) for a in actions for d in a.get("deadlineDates") or ()]
    moments = sorted({m for m in (_deadline_moment(r, at, tz) for r in raw) if m is not None})
    model = (first(meta, "deadlineModel") or "").lower()
    return tuple(
        Deadline(moment, _deadline_label(model, index, len(moments)))
        for index, moment in enumerate(moments)
    )


def _deadline_moment(raw: str, at: time, tz: ZoneInfo) -> datetime | None:
    parsed = _parse_portal_datetime(raw)
    if parsed is None:
        return None
    utc = parsed.astimezone(UTC)
    if utc.time() == time(0, 0):
        # A bare date (midnight UTC): the call closes at the portal's closing hour.
        return datetime.combine(utc.date(), at, tzinfo=tz)
    return parsed


def _deadline_label(model: str, index: int, count: int) -> str:
    if count == 1:
        return "Deadline"
    if "two-stage" in model or "two stage" in model:
        return f"Stage {index + 1}"
    if "cut-off" in model or "cutoff" in model:
        return f"Cut-off {index + 1}"
    return f"Deadline {index + 1}"


def _keywords(meta: Mapping[str, Any], identifier: str) -> tuple[str, ...]:
    raw = values(meta, "keywords")
    if len(raw) == 1 and raw[0].lstrip().startswith("["):
        # Some records carry the whole keyword list as one JSON-encoded string.
        try:
            decoded = json.loads(raw[0])
            raw = [str(k) for k in decoded] if isinstance(decoded, list) else raw
        except ValueError:
            logger.warning("SEDIA %s: field keywords is not valid JSON; dropped", identifier)
            raw = []
    raw += values(meta, "crossCuttingPriorities")
    seen: dict[str, None] = {}
    for keyword in raw:
        keyword = " ".join(keyword.split())
        if keyword and keyword.lower() != identifier.lower():
            seen.setdefault(keyword, None)
    return tuple(seen)


def _kind(
    title: str, action_code: str | None, type_name: str | None, text: str
) -> OpportunityKind | None:
    code = (action_code or "").upper()
    for fragment, kind in _KIND_BY_ACTION:
        if fragment in code:
            return kind
    if type_name and "prize" in type_name.lower():
        return OpportunityKind.PRIZE
    guessed = classify_kind(f"{title} {type_name or ''}", text, default=None)
    return guessed if guessed not in (None, OpportunityKind.OTHER) else None
