"""Parse the EU Funding & Tenders portal search API (SEDIA) into record fields.

The API answers ``{"totalResults", "pageNumber", "pageSize", "results": [...]}``; each
result has ``metadata`` whose values are all lists of strings. Some of those strings hold
JSON (``budgetOverview``, sometimes ``keywords``), which can be truncated: such a field is
dropped with a warning, the record is kept. Two record generations coexist in one answer:
older ones point ``url`` at the topic-detail JSON and carry a plain title, newer ones
point at the portal page and repeat the call code in the title; both are read the same way.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from crawlers.normalize import classify_kind, html_to_text, sanitize_html
from crawlers.parsers.eu_portal_fields import (
    action_code,
    budget_actions,
    deadlines,
    first,
    json_field,
    keywords,
    money_fields,
    opening_date,
    values,
)
from crawlers.parsers.json_values import (
    as_mapping,
    count_of,
    flat_strings,
)
from crawlers.textfacts import EligibilityFn
from indexer.records import OpportunityKind, OpportunityStatus

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
# The topic (or call) code at the end of a portal page or topicDetails JSON address.
_URL_IDENTIFIER = re.compile(r"/topic-?details/([A-Za-z0-9][\w.+-]*?)(?:\.json)?(?:[?#]|$)", re.I)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
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


def next_page_number(data: Any, page_number: int, page_size: int) -> int | None:
    """Return the next page to ask for, or None when ``totalResults`` are all fetched."""
    total = count_of(as_mapping(data).get("totalResults")) or 0
    if not as_mapping(data).get("results") or page_number >= math.ceil(total / max(page_size, 1)):
        return None
    return page_number + 1


def parse_search_response(
    data: Any,
    *,
    deadline_time: time = DEFAULT_DEADLINE_TIME,
    deadline_tz: str = DEFAULT_DEADLINE_TZ,
    eligibility: EligibilityFn | None = None,
) -> list[dict[str, Any]]:
    """Return record fields for every distinct topic in one search answer.

    A topic listed twice becomes one record: the first listing wins, and fields it lacks
    are taken from the later one. A result that cannot be read is skipped with a warning.
    """
    records: dict[str, dict[str, Any]] = {}
    results = as_mapping(data).get("results")
    for index, result in enumerate(results if isinstance(results, list) else ()):
        try:
            fields = parse_result(
                result,
                deadline_time=deadline_time,
                deadline_tz=deadline_tz,
                eligibility=eligibility,
            )
        except Exception:  # one unreadable result must not cost the others
            logger.warning("SEDIA result #%d could not be read; skipped", index, exc_info=True)
            continue
        if fields is None:
            continue
        known = records.setdefault(fields["source_key"], fields)
        if known is not fields:
            known.update({k: v for k, v in fields.items() if v and not known.get(k)})
    return list(records.values())


def parse_result(
    result: Any,
    *,
    deadline_time: time = DEFAULT_DEADLINE_TIME,
    deadline_tz: str = DEFAULT_DEADLINE_TZ,
    eligibility: EligibilityFn | None = None,
) -> dict[str, Any] | None:
    """Return the record fields of one search result, or None when it has no identifier.

    ``programme``, ``status`` and ``kind`` are None when the result does not settle them
    (the spider then applies the source's defaults).
    """
    if not isinstance(result, Mapping):
        logger.warning("SEDIA result is not an object (%s); skipped", type(result).__name__)
        return None
    meta = as_mapping(result.get("metadata"))
    identifier = _identifier(result, meta)
    if not identifier:
        logger.warning("SEDIA result %r has no identifier; skipped", result.get("reference"))
        return None
    budget = json_field(meta, "budgetOverview", identifier)
    actions = budget_actions(budget, identifier)
    title = _title(result, meta, identifier)
    description_html = sanitize_html(first(meta, "descriptionByte") or "")
    text = html_to_text(description_html)
    action_type = action_code(actions) or first(meta, "typesOfAction")
    fields: dict[str, Any] = {
        "source_key": identifier,
        "url": PORTAL_TOPIC_URL.format(identifier=quote(identifier, safe="")),
        "title": title,
        "summary": html_to_text(description_html, limit=1000),
        "description_html": description_html,
        "funder": FUNDER,
        "call_id": first(meta, "callIdentifier"),
        "action_type": action_type,
        "opening_date": opening_date(meta, actions),
        "deadlines": deadlines(meta, actions, deadline_time, ZoneInfo(deadline_tz)),
        "keywords": keywords(meta, identifier),
        "language": _language(result.get("language")),
        **money_fields(budget, actions),
        "programme": PROGRAMME_NAMES.get(first(meta, "frameworkProgramme") or ""),
        "status": STATUS_BY_CODE.get(first(meta, "status") or ""),
        "kind": _kind(title, (action_type, identifier), first(meta, "typesOfAction"), text),
    }
    if eligibility is not None and text:
        countries, groups, evidence = eligibility(text)
        fields.update(
            eligible_countries=countries, eligible_groups=groups, eligibility_text=evidence
        )
    return fields


def _identifier(result: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    """Return the topic code; older records may lack it but name it in their address."""
    found = first(meta, "identifier")
    if found:
        return found
    for address in (*values(meta, "url"), *flat_strings(result.get("url"))):
        match = _URL_IDENTIFIER.search(address)
        if match:
            return match.group(1)
    # A call without topics is identified by its call code.
    return first(meta, "callIdentifier")


def _language(raw: Any) -> str | None:
    code = raw.strip().lower() if isinstance(raw, str) else ""
    return code if _LANGUAGE.match(code) else None


def _title(result: Mapping[str, Any], meta: Mapping[str, Any], identifier: str) -> str:
    """Return the first candidate title that still has text once markup is removed."""
    candidates = (
        *values(meta, "title"),
        *flat_strings(result.get("summary")),
        *values(meta, "callTitle"),
    )
    for raw in candidates:
        title = html_to_text(raw)
        if title:
            return title
    return identifier


def _kind_by_code(code: str) -> OpportunityKind | None:
    """Return the kind an action or topic code settles ("...-CBHE-...", "HORIZON-RPr")."""
    upper = code.upper()
    return next((kind for fragment, kind in _KIND_BY_ACTION if fragment in upper), None)


def _kind(
    title: str, codes: tuple[str | None, ...], type_name: str | None, text: str
) -> OpportunityKind | None:
    for code in codes:  # the action code first, then the topic code
        by_code = _kind_by_code(code or "")
        if by_code is not None:
            return by_code
    if type_name and "prize" in type_name.lower():
        return OpportunityKind.PRIZE
    guessed = classify_kind(f"{title} {type_name or ''}", text, default=None)
    return guessed if guessed not in (None, OpportunityKind.OTHER) else None
