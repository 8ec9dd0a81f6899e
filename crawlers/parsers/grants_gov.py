"""Parse Grants.gov ``search2`` and ``fetchOpportunity`` answers into record fields.

search2 hits carry MM/DD/YYYY dates (the close date may be empty); fetchOpportunity
carries the full synopsis with dates such as ``"Aug 18, 2027 12:00:00 AM EDT"``, HTML
descriptions whose entities are sometimes escaped twice (``&amp;nbsp;``) and the revision
history (the highest synopsis version wins). The value readers (dates, money,
eligibility) live in :mod:`crawlers.parsers.grants_gov_fields`, shared with the XML-extract
reader.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from crawlers.normalize import html_to_text, sanitize_html
from crawlers.parsers.grants_gov_fields import (
    clean_line,
    close_deadlines,
    eligibility_fields,
    explained_deadlines,
    kind_for,
    money_fields,
    parse_dashed,
    parse_gg_date,
    parse_gg_datetime,
    parse_mdy,
    unescape_twice,
)
from crawlers.parsers.json_values import (
    as_mapping,
    count_of,
    flat_strings,
    mappings,
    plausible,
    plausible_date,
    text_of,
)
from indexer.records import Deadline, OpportunityStatus

logger = logging.getLogger(__name__)

FETCH_URL = "https://api.grants.gov/v1/api/fetchOpportunity"
DETAIL_URL = "https://www.grants.gov/search-results-detail/{id}"
STATUS_BY_NAME: Mapping[str, OpportunityStatus] = {
    "posted": OpportunityStatus.OPEN,
    "forecasted": OpportunityStatus.FORTHCOMING,
    "closed": OpportunityStatus.CLOSED,
    "archived": OpportunityStatus.CLOSED,
}


def next_start(data: Any, start: int, rows: int) -> int | None:
    """Return the next ``startRecordNum``, or None when every hit has been listed."""
    body = as_mapping(as_mapping(data).get("data"))
    following = start + rows
    hit_count = count_of(body.get("hitCount")) or 0
    return following if mappings(body.get("oppHits")) and following < hit_count else None


def parse_search_response(data: Any) -> list[dict[str, Any]]:
    """Return record fields for each search2 hit (a summary; details come from fetch).

    A hit that cannot be read is skipped with a warning; the others are kept.
    """
    hits = as_mapping(as_mapping(data).get("data")).get("oppHits")
    records = []
    for index, hit in enumerate(hits if isinstance(hits, list) else ()):
        try:
            fields = parse_hit(hit)
        except Exception:  # one unreadable hit must not cost the others
            logger.warning("Grants.gov hit #%d could not be read; skipped", index, exc_info=True)
            continue
        if fields:
            records.append(fields)
    return records


def opportunity_id(value: Any) -> str | None:
    """Return a Grants.gov opportunity id (a number), or None for anything else."""
    text = text_of(value)
    return text if text.isascii() and text.isdigit() else None


def parse_hit(hit: Any) -> dict[str, Any] | None:
    """Return the record fields one search2 hit supports, or None without a numeric id."""
    if not isinstance(hit, Mapping):
        logger.warning("Grants.gov hit is not an object (%s); skipped", type(hit).__name__)
        return None
    opp_id = opportunity_id(hit.get("id"))
    if not opp_id:
        logger.warning("Grants.gov hit %r has no usable id; skipped", hit.get("number"))
        return None
    status = STATUS_BY_NAME.get(text_of(hit.get("oppStatus")).lower())
    opened = parse_mdy(text_of(hit.get("openDate")))
    fields: dict[str, Any] = {
        "source_key": opp_id,
        "url": DETAIL_URL.format(id=opp_id),
        "title": clean_line(text_of(hit.get("title"))),
        "funder": clean_line(text_of(hit.get("agency"))) or None,
        "call_id": text_of(hit.get("number")) or None,
        # A forecast's "open date" is when the forecast was published, not an opening.
        "opening_date": None if status is OpportunityStatus.FORTHCOMING else opened,
        "deadlines": close_deadlines(parse_mdy(text_of(hit.get("closeDate")))),
        "keywords": tuple(dict.fromkeys(k for k in flat_strings(hit.get("cfdaList")) if k)),
    }
    if status is not None:
        fields["status"] = status
    return fields


def parse_opportunity(data: Any) -> dict[str, Any] | None:
    """Return the record fields of a fetchOpportunity answer (latest revision wins)."""
    body = as_mapping(as_mapping(data).get("data"))
    opp_id = opportunity_id(body.get("id"))
    synopsis, title = latest_synopsis(body)
    if not opp_id or synopsis is None:
        return None
    is_forecast = text_of(body.get("docType")).lower() == "forecast" or (
        "synopsisDesc" not in synopsis and "forecastDesc" in synopsis
    )
    description_html = sanitize_html(
        unescape_twice(_text(synopsis, "synopsisDesc", "forecastDesc"))
    )
    text = html_to_text(description_html)
    instruments = _descriptions(synopsis, "fundingInstruments")
    title = clean_line(title or text_of(body.get("opportunityTitle")))
    open_keys = ("estimatedSynopsisPostDate", "postingDate") if is_forecast else ("postingDate",)
    return {
        "source_key": opp_id,
        "url": DETAIL_URL.format(id=opp_id),
        "title": title or text_of(body.get("opportunityNumber")),
        "summary": html_to_text(description_html, limit=1000),
        "description_html": description_html,
        "funder": clean_line(_text(synopsis, "agencyName")) or None,
        "call_id": text_of(body.get("opportunityNumber")) or None,
        "action_type": ", ".join(i for i in instruments if i) or None,
        "kind": kind_for(title, text, instruments),
        "opening_date": _gg_date(synopsis, *open_keys),
        "deadlines": _close(synopsis, forecast=is_forecast),
        "posted_at": plausible(parse_gg_datetime(_text(synopsis, "postingDate"))),
        "keywords": _keywords(body, _descriptions(synopsis, "fundingActivityCategories")),
        "status": OpportunityStatus.FORTHCOMING if is_forecast else OpportunityStatus.OPEN,
        **money_fields(
            synopsis.get("awardFloor"),
            synopsis.get("awardCeiling"),
            synopsis.get("estimatedFunding"),
        ),
        "expected_grants": count_of(synopsis.get("numberOfAwards")),
        **eligibility_fields(
            [text_of(t.get("id")) for t in mappings(synopsis.get("applicantTypes"))],
            f"{unescape_twice(_text(synopsis, 'applicantEligibilityDesc'))}\n{text}",
        ),
    }


def _gg_date(synopsis: Mapping[str, Any], *keys: str) -> date | None:
    """Return the first of ``keys`` that holds a date ("Aug 18, 2027 ..." or its ``Str``)."""
    for key in keys:
        found = parse_gg_date(_text(synopsis, key)) or parse_dashed(_text(synopsis, f"{key}Str"))
        if found is not None:
            return plausible_date(found)
    return None


def _close(synopsis: Mapping[str, Any], *, forecast: bool) -> tuple[Deadline, ...]:
    """Return the close date and any deadline its explanation text adds."""
    key = "estimatedSynopsisCloseDate" if forecast else "responseDate"
    close = close_deadlines(
        _gg_date(synopsis, key), label="Estimated close date" if forecast else ""
    )
    return explained_deadlines(close, _text(synopsis, f"{key}Desc"))


def latest_synopsis(body: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str | None]:
    """Return the synopsis (or forecast) with the highest version, and that revision's title."""
    candidates: list[tuple[int, Mapping[str, Any], str | None]] = []
    for key in ("synopsis", "forecast"):
        if isinstance(body.get(key), Mapping):
            candidates.append((count_of(body[key].get("version")) or 0, body[key], None))
    for revision in mappings(body.get("opportunityHistoryDetails")):
        for key in ("synopsis", "forecast"):
            part = revision.get(key)
            if isinstance(part, Mapping):
                version = count_of(part.get("version")) or 0
                candidates.append((version, part, text_of(revision.get("opportunityTitle"))))
    if not candidates:
        return None, None
    # max() keeps the first of equal versions: the current record before its history.
    version, synopsis, title = max(candidates, key=lambda c: c[0])
    return synopsis, title


def _text(mapping: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = text_of(mapping.get(key))
        if value:
            return value
    return ""


def _descriptions(synopsis: Mapping[str, Any], key: str) -> list[str]:
    found = (text_of(t.get("description")) for t in mappings(synopsis.get(key)))
    return [d for d in found if d]


def _keywords(body: Mapping[str, Any], activities: Iterable[str]) -> tuple[str, ...]:
    found = (clean_line(text_of(c.get("programTitle"))) for c in mappings(body.get("cfdas")))
    titles = [t for t in found if t]
    seen: dict[str, None] = dict.fromkeys(k for k in (*activities, *titles) if k)
    return tuple(seen)
