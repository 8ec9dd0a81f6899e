"""Parse Grants.gov ``search2`` and ``fetchOpportunity`` answers into record fields.

search2 hits carry MM/DD/YYYY dates (the close date may be empty); fetchOpportunity
carries the full synopsis with dates such as ``"Aug 18, 2027 12:00:00 AM EDT"``, HTML
descriptions whose entities are sometimes escaped twice (``&amp;nbsp;``) and the revision
history (the highest synopsis version wins). The helpers at the bottom (dates, money,
eligibility) are shared with the XML-extract reader in ``grants_gov_xml``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.normalize import classify_kind, html_to_text, sanitize_html
from indexer.records import Deadline, Money, OpportunityKind, OpportunityStatus

SEARCH_URL = "https://api.grants.gov/v1/api/search2"
FETCH_URL = "https://api.grants.gov/v1/api/fetchOpportunity"
DETAIL_URL = "https://www.grants.gov/search-results-detail/{id}"
EASTERN = ZoneInfo("America/New_York")
# Grants.gov parks open-ended calls on dates such as 12/31/2099; those are not deadlines.
PLACEHOLDER_YEAR = 2090
# Applicant type codes as listed in the search2 ``eligibilities`` facet.
ELIGIBILITY_CODES: Mapping[str, str] = {
    "00": "State governments",
    "01": "County governments",
    "02": "City or township governments",
    "04": "Special district governments",
    "05": "Independent school districts",
    "06": "Public and State controlled institutions of higher education",
    "07": "Native American tribal governments (Federally recognized)",
    "08": "Public housing authorities/Indian housing authorities",
    "11": "Native American tribal organizations (other than Federally recognized tribal "
    "governments)",
    "12": "Nonprofits having a 501(c)(3) status with the IRS, other than institutions of "
    "higher education",
    "13": "Nonprofits that do not have a 501(c)(3) status with the IRS, other than "
    "institutions of higher education",
    "20": "Private institutions of higher education",
    "21": "Individuals",
    "22": "For profit organizations other than small businesses",
    "23": "Small businesses",
    "25": 'Others (see text field entitled "Additional Information on Eligibility" for '
    "clarification)",
    "99": "Unrestricted (i.e., open to any type of entity above), subject to any "
    'clarification in text field entitled "Additional Information on Eligibility"',
}
OPEN_CODES = frozenset({"25", "99"})
STATUS_BY_NAME: Mapping[str, OpportunityStatus] = {
    "posted": OpportunityStatus.OPEN,
    "forecasted": OpportunityStatus.FORTHCOMING,
    "closed": OpportunityStatus.CLOSED,
    "archived": OpportunityStatus.CLOSED,
}
_FOREIGN = re.compile(
    r"\b(foreign|non-?\s?u\.?\s?s\.?|non-?domestic|international organi[sz]ations?|"
    r"outside (of )?the (united states|u\.s\.)|any country|all countries)\b",
    re.IGNORECASE,
)
_DENIAL = re.compile(
    r"\b(not eligible|ineligible|not allowed|not permitted|are excluded|may not apply|"
    r"cannot apply|must be (a )?(u\.s\.|united states|domestic))\b",
    re.IGNORECASE,
)
_DOUBLE_ESCAPED = re.compile(r"&amp;(#?\w+;)")
_MONTH_DAY_YEAR = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4})")


def next_start(data: Mapping[str, Any], start: int, rows: int) -> int | None:
    """Return the next ``startRecordNum``, or None when every hit has been listed."""
    body = data.get("data") or {}
    hits = body.get("oppHits") or []
    following = start + rows
    return following if hits and following < int(body.get("hitCount") or 0) else None


def parse_search_response(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return record fields for each search2 hit (a summary; details come from fetch)."""
    hits = (data.get("data") or {}).get("oppHits") or []
    return [fields for fields in (parse_hit(hit) for hit in hits) if fields]


def parse_hit(hit: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the record fields one search2 hit supports, or None without an id."""
    opp_id = str(hit.get("id") or "").strip()
    if not opp_id:
        return None
    close = parse_mdy(str(hit.get("closeDate") or ""))
    opening = parse_mdy(str(hit.get("openDate") or ""))
    fields: dict[str, Any] = {
        "source_key": opp_id,
        "url": DETAIL_URL.format(id=opp_id),
        "title": clean_line(str(hit.get("title") or "")),
        "funder": clean_line(str(hit.get("agency") or "")) or None,
        "call_id": hit.get("number") or None,
        "opening_date": opening,
        "deadlines": close_deadlines(close),
        "keywords": tuple(hit.get("cfdaList") or ()),
    }
    status = STATUS_BY_NAME.get(str(hit.get("oppStatus") or "").lower())
    if status is not None:
        fields["status"] = status
    return fields


def parse_opportunity(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the record fields of a fetchOpportunity answer (latest revision wins)."""
    body = data.get("data") or {}
    opp_id = str(body.get("id") or "").strip()
    synopsis, title = latest_synopsis(body)
    if not opp_id or synopsis is None:
        return None
    is_forecast = str(body.get("docType") or "").lower() == "forecast"
    description_html = sanitize_html(
        unescape_twice(_text(synopsis, "synopsisDesc", "forecastDesc"))
    )
    text = html_to_text(description_html)
    instruments = _descriptions(synopsis, "fundingInstruments")
    close = parse_gg_date(_text(synopsis, "responseDate", "estimatedSynopsisCloseDate"))
    title = clean_line(title or str(body.get("opportunityTitle") or ""))
    return {
        "source_key": opp_id,
        "url": DETAIL_URL.format(id=opp_id),
        "title": title,
        "summary": html_to_text(description_html, limit=1000),
        "description_html": description_html,
        "funder": clean_line(_text(synopsis, "agencyName")) or None,
        "call_id": body.get("opportunityNumber") or None,
        "action_type": ", ".join(i for i in instruments if i) or None,
        "kind": kind_for(title, text, instruments),
        "opening_date": parse_gg_date(_text(synopsis, "postingDate", "estimatedSynopsisPostDate")),
        "deadlines": close_deadlines(close, label="Estimated close date" if is_forecast else ""),
        "posted_at": parse_gg_datetime(_text(synopsis, "postingDate")),
        "keywords": _keywords(body, _descriptions(synopsis, "fundingActivityCategories")),
        "status": OpportunityStatus.FORTHCOMING if is_forecast else OpportunityStatus.OPEN,
        **money_fields(
            synopsis.get("awardFloor"),
            synopsis.get("awardCeiling"),
            synopsis.get("estimatedFunding"),
        ),
        "expected_grants": to_int(synopsis.get("numberOfAwards")),
        **eligibility_fields(
            [str(t.get("id")) for t in synopsis.get("applicantTypes") or () if t.get("id")],
            f"{unescape_twice(_text(synopsis, 'applicantEligibilityDesc'))}\n{text}",
        ),
    }


def latest_synopsis(body: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str | None]:
    """Return the synopsis (or forecast) with the highest version, and that revision's title."""
    candidates: list[tuple[int, Mapping[str, Any], str | None]] = []
    for key in ("synopsis", "forecast"):
        if isinstance(body.get(key), Mapping):
            candidates.append((to_int(body[key].get("version")) or 0, body[key], None))
    for revision in body.get("opportunityHistoryDetails") or ():
        for key in ("synopsis", "forecast"):
            part = revision.get(key)
            if isinstance(part, Mapping):
                version = to_int(part.get("version")) or 0
                candidates.append((version, part, revision.get("opportunityTitle")))
    if not candidates:
        return None, None
    # max() keeps the first of equal versions: the current record before its history.
    version, synopsis, title = max(candidates, key=lambda c: c[0])
    return synopsis, title


# --- shared helpers (also used by grants_gov_xml) ----------------------------------------


def unescape_twice(text: str) -> str:
    """Turn double-escaped entities (``&amp;nbsp;``) back into single ones."""
    previous = None
    while previous != text:
        previous, text = text, _DOUBLE_ESCAPED.sub(r"&\1", text)
    return text


def clean_line(text: str) -> str:
    """Return one line of plain text: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(unescape_twice(text)).split())


def parse_mdy(text: str) -> date | None:
    """Parse ``MM/DD/YYYY`` (search2) or ``MMDDYYYY`` (XML extract); None when empty/bad."""
    digits = text.strip().replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[4:]), int(digits[:2]), int(digits[2:4]))
    except ValueError:
        return None


def parse_gg_date(text: str) -> date | None:
    """Return the date of ``"Aug 18, 2027 12:00:00 AM EDT"``; None when absent."""
    match = _MONTH_DAY_YEAR.match(text.strip())
    if not match:
        return None
    try:
        return datetime.strptime(" ".join(match.groups()), "%b %d %Y").date()
    except ValueError:
        return None


def parse_gg_datetime(text: str) -> datetime | None:
    """Parse ``"Jun 29, 2023 12:00:00 AM EDT"`` as US Eastern time (EDT/EST/ET)."""
    raw = text.strip()
    for suffix in (" EDT", " EST", " ET"):
        raw = raw.removesuffix(suffix)
    try:
        return datetime.strptime(raw, "%b %d, %Y %I:%M:%S %p").replace(tzinfo=EASTERN)
    except ValueError:
        return None


def close_deadlines(close: date | None, *, label: str = "") -> tuple[Deadline, ...]:
    """Return the close date as a deadline at the end of that day, US Eastern time.

    Grants.gov publishes close dates as days; applications are accepted through that day.
    Placeholder dates far in the future mean "no fixed deadline".
    """
    if close is None or close.year >= PLACEHOLDER_YEAR:
        return ()
    at = datetime.combine(close, time(23, 59, 59), tzinfo=EASTERN)
    return (Deadline(at, label or "Close date"),)


def to_int(value: Any) -> int | None:
    """Return an int from a number or digit string; None for blanks and junk."""
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        return None


def money_fields(floor: Any, ceiling: Any, total: Any) -> dict[str, Money | None]:
    """Return award_min/award_max/budget_total in USD; zeros and 'none' mean unknown."""
    return {"award_min": usd(floor), "award_max": usd(ceiling), "budget_total": usd(total)}


def usd(value: Any) -> Money | None:
    """Return a positive USD amount, or None."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return Money(amount, "USD") if amount > 0 else None


def eligibility_fields(codes: Iterable[str], text: str) -> dict[str, Any]:
    """Map applicant type codes and eligibility text to the record's eligibility fields.

    "ALL" only when the text affirms that non-US organisations may apply and no sentence
    denies it; code 99 without any statement about foreign applicants stays unknown;
    everything else is a US-only call.
    """
    codes = [c.zfill(2) for c in codes]
    labels = [ELIGIBILITY_CODES.get(c, c) for c in codes]
    sentences = [s.strip() for s in re.split(r"(?<=[.;:!?])\s+|\n+", text) if s.strip()]
    foreign = [s for s in sentences if _FOREIGN.search(s)]
    denied = any(_DENIAL.search(s) for s in foreign)
    evidence = [*labels, *foreign]
    if foreign and not denied and OPEN_CODES.intersection(codes):
        countries: tuple[str, ...] = ()
        groups: tuple[str, ...] = ("ALL",)
    elif not foreign and "99" in codes:
        countries, groups = (), ()
    else:
        countries, groups = ("US",), ()
    return {
        "eligible_countries": countries,
        "eligible_groups": groups,
        "eligibility_text": "; ".join(evidence) or None,
    }


def kind_for(title: str, text: str, instruments: Iterable[str]) -> OpportunityKind | None:
    """Return the kind: procurement contracts are tenders, else keyword evidence."""
    if any("procurement" in i.lower() for i in instruments):
        return OpportunityKind.TENDER
    guessed = classify_kind(title, text, default=None)
    return guessed if guessed not in (None, OpportunityKind.OTHER) else None


def _text(mapping: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if value:
            return str(value)
    return ""


def _descriptions(synopsis: Mapping[str, Any], key: str) -> list[str]:
    return [str(t.get("description")) for t in synopsis.get(key) or () if t.get("description")]


def _keywords(body: Mapping[str, Any], activities: Iterable[str]) -> tuple[str, ...]:
    titles = [str(c.get("programTitle")) for c in body.get("cfdas") or () if c.get("programTitle")]
    seen: dict[str, None] = dict.fromkeys(k for k in (*activities, *titles) if k)
    return tuple(seen)
