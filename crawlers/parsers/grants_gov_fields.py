"""Grants.gov values shared by the JSON APIs and the XML extract: dates, money, eligibility.

Dates come as ``MM/DD/YYYY``, ``MMDDYYYY``, ``"Aug 18, 2027 12:00:00 AM EDT"`` and
``2027-08-18-00-00-00``; close dates are days in US Eastern time, and far-future
placeholders mean "no fixed deadline". Every reader returns None for what it cannot read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.normalize import classify_kind, find_deadlines, html_to_text
from crawlers.parsers.json_values import amount_of, plausible, plausible_date
from indexer.records import Deadline, Money, OpportunityKind

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


def parse_dashed(text: str) -> date | None:
    """Parse the ``...DateStr`` form ``2027-08-18-00-00-00``; None when absent or bad."""
    try:
        return date.fromisoformat(text.strip()[:10]) if len(text.strip()) >= 10 else None
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
    if close is None or plausible_date(close) is None or close.year >= PLACEHOLDER_YEAR:
        return ()
    at = datetime.combine(close, time(23, 59, 59), tzinfo=EASTERN)
    return (Deadline(at, label or "Close date"),)


def explained_deadlines(close: tuple[Deadline, ...], explanation: str) -> tuple[Deadline, ...]:
    """Add the deadlines a close-date explanation states ("Full proposals due ...").

    A stated deadline on the close date's own day replaces it (it carries the hour).
    """
    text = html_to_text(unescape_twice(explanation))
    stated = [
        d
        for d in find_deadlines(text, default_tz="America/New_York")
        if plausible(d.at) is not None and d.at.year < PLACEHOLDER_YEAR
    ]
    days = {d.at.astimezone(EASTERN).date() for d in stated}
    kept = [d for d in close if d.at.date() not in days]
    return tuple(sorted({*kept, *stated}, key=lambda d: d.at))


def money_fields(floor: Any, ceiling: Any, total: Any) -> dict[str, Money | None]:
    """Return award_min/award_max/budget_total in USD; zeros and 'none' mean unknown."""
    return {"award_min": usd(floor), "award_max": usd(ceiling), "budget_total": usd(total)}


def usd(value: Any) -> Money | None:
    """Return a positive USD amount, or None."""
    amount = amount_of(value)
    return Money(amount, "USD") if amount is not None and amount > 0 else None


def eligibility_fields(codes: Iterable[str], text: str) -> dict[str, Any]:
    """Map applicant type codes and eligibility text to the record's eligibility fields.

    "ALL" only when the text affirms that non-US organisations may apply and no sentence
    denies it; code 99 without any statement about foreign applicants stays unknown;
    everything else is a US-only call.
    """
    codes = [c.strip().zfill(2) for c in codes if c.strip()]
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
