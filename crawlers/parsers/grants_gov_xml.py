"""Stream the Grants.gov daily XML extract (``GrantsDBExtractYYYYMMDDv2.zip``).

The extract is one ``<Grants>`` document (namespace OpportunityDetail-V1.0) holding
``OpportunitySynopsisDetail_1_0`` and ``OpportunityForecastDetail_1_0`` elements with
MMDDYYYY dates. It is read with ``lxml.etree.iterparse`` and every element is cleared
once read, so a 100 MB+ extract never sits in memory; a zip is read member by member
without unpacking it to disk.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree  # type: ignore[import-untyped]

from crawlers.normalize import html_to_text, sanitize_html
from crawlers.parsers.grants_gov import DETAIL_URL
from crawlers.parsers.grants_gov_fields import (
    clean_line,
    close_deadlines,
    eligibility_fields,
    explained_deadlines,
    kind_for,
    money_fields,
    parse_mdy,
    unescape_twice,
)
from crawlers.parsers.json_values import count_of
from indexer.records import OpportunityStatus

logger = logging.getLogger(__name__)

NAMESPACE = "http://apply.grants.gov/system/OpportunityDetail-V1.0"
SYNOPSIS_TAG = f"{{{NAMESPACE}}}OpportunitySynopsisDetail_1_0"
FORECAST_TAG = f"{{{NAMESPACE}}}OpportunityForecastDetail_1_0"
_REPEATED = frozenset(
    {"FundingInstrumentType", "CategoryOfFundingActivity", "CFDANumbers", "EligibleApplicants"}
)
_INSTRUMENTS = {"G": "Grant", "CA": "Cooperative Agreement", "PC": "Procurement Contract"}


def iter_extract(source: str | Path | IO[bytes]) -> Iterator[dict[str, Any]]:
    """Yield record fields for every opportunity in an extract (.xml or .zip, path or file).

    A forecast whose opportunity also has a synopsis in the same extract is skipped: the
    posted synopsis supersedes it (the schema lists all synopses before the forecasts).
    """
    if isinstance(source, str | Path) and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for name in archive.namelist():
                if name.lower().endswith(".xml"):
                    with archive.open(name) as member:
                        yield from _iter_xml(member)
        return
    yield from _iter_xml(source)


def _iter_xml(source: str | Path | IO[bytes]) -> Iterator[dict[str, Any]]:
    synopsis_ids: set[str] = set()
    handle = str(source) if isinstance(source, Path) else source
    # No recover mode: a truncated download must raise after the records read before it,
    # so the run is known to be incomplete.
    events = etree.iterparse(
        handle,
        events=("end",),
        tag=(SYNOPSIS_TAG, FORECAST_TAG),
        resolve_entities=False,
        no_network=True,
    )
    for _, element in events:
        values = element_values(element)
        is_forecast = element.tag == FORECAST_TAG
        # Free the element and the already-read siblings before the next one is built.
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
        opp_id = str(values.get("OpportunityID") or "").strip()
        if not opp_id:
            logger.warning("Grants.gov extract: element without OpportunityID skipped")
            continue
        if is_forecast and opp_id in synopsis_ids:
            continue
        if not is_forecast:
            synopsis_ids.add(opp_id)
        yield extract_fields(values, forecast=is_forecast)


def element_values(element: Any) -> dict[str, Any]:
    """Return ``{local name: text}`` of an extract element; repeated names become lists."""
    values: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(child).localname
        text = (child.text or "").strip()
        if name in _REPEATED:
            values.setdefault(name, []).append(text)
        else:
            values[name] = text
    return values


def extract_fields(values: dict[str, Any], *, forecast: bool) -> dict[str, Any]:
    """Map the values of one synopsis or forecast element to record fields."""
    opp_id = str(values["OpportunityID"]).strip()
    description_html = sanitize_html(unescape_twice(values.get("Description", "")))
    text = html_to_text(description_html)
    instruments = [_INSTRUMENTS.get(i, i) for i in values.get("FundingInstrumentType", [])]
    close_key = "EstimatedSynopsisCloseDate" if forecast else "CloseDate"
    open_key = "EstimatedSynopsisPostDate" if forecast else "PostDate"
    eligibility = unescape_twice(values.get("AdditionalInformationOnEligibility", ""))
    title = clean_line(values.get("OpportunityTitle", "")) or clean_line(
        values.get("OpportunityNumber", "")
    )
    fields: dict[str, Any] = {
        "source_key": opp_id,
        "url": DETAIL_URL.format(id=opp_id),
        "title": title,
        "summary": html_to_text(description_html, limit=1000),
        "description_html": description_html,
        "funder": clean_line(values.get("AgencyName", "")) or None,
        "call_id": values.get("OpportunityNumber") or None,
        "action_type": ", ".join(instruments) or None,
        "opening_date": parse_mdy(values.get(open_key, "")),
        "deadlines": explained_deadlines(
            close_deadlines(
                parse_mdy(values.get(close_key, "")),
                label="Estimated close date" if forecast else "",
            ),
            values.get("CloseDateExplanation", ""),
        ),
        "status": OpportunityStatus.FORTHCOMING if forecast else OpportunityStatus.OPEN,
        "keywords": tuple(values.get("CFDANumbers", [])),
        "expected_grants": count_of(values.get("ExpectedNumberOfAwards")),
        **money_fields(
            values.get("AwardFloor"),
            values.get("AwardCeiling"),
            values.get("EstimatedTotalProgramFunding"),
        ),
        **eligibility_fields(values.get("EligibleApplicants", []), f"{eligibility}\n{text}"),
        "kind": kind_for(title, text, instruments),
    }
    return fields
