"""The Grants.gov daily XML extract reader.

No real extract sample exists (see ../shared/fixtures/PROVENANCE.md): the XML here is
SYNTHETIC, built in the test with the element names of the official XSD
(../shared/fixtures/2_grants_gov/OpportunityDetail-V1.0_schema.xsd), and validated
against that XSD before it is read.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from crawlers.parsers.grants_gov_xml import NAMESPACE, iter_extract
from indexer.records import Deadline, Money, OpportunityKind, OpportunityStatus

EASTERN = ZoneInfo("America/New_York")

SYNOPSES = [
    {
        "OpportunityID": "361001",
        "OpportunityTitle": "Fogarty Global Health Research Training &amp; Mentoring",
        "OpportunityNumber": "PAR-27-101",
        "OpportunityCategory": "D",
        "FundingInstrumentType": ["G", "CA"],
        "CategoryOfFundingActivity": ["HL"],
        "CFDANumbers": ["93.989"],
        "EligibleApplicants": ["25"],
        "AdditionalInformationOnEligibility": "Non-domestic (non-U.S.) Entities (Foreign "
        "Organizations) are eligible to apply.",
        "AgencyCode": "HHS-NIH11",
        "AgencyName": "Fogarty International Center",
        "PostDate": "01152027",
        "CloseDate": "05202027",
        "LastUpdatedDate": "01152027",
        "AwardCeiling": "250000",
        "AwardFloor": "0",
        "EstimatedTotalProgramFunding": "3000000",
        "ExpectedNumberOfAwards": "12",
        "Description": "&lt;p&gt;Research training&amp;amp;nbsp;in low- and middle-income "
        "countries.&lt;/p&gt;",
        "Version": "Synopsis 2",
        "ArchiveDate": "06192027",
    },
    {
        "OpportunityID": "361002",
        "OpportunityTitle": "Rolling Program Announcement",
        "OpportunityNumber": "DOE-PA-0001",
        "FundingInstrumentType": ["PC"],
        "EligibleApplicants": ["06", "20"],
        "AgencyName": "Department of Energy",
        "PostDate": "10012026",
        "CloseDate": "12312099",
        "LastUpdatedDate": "10012026",
        "AwardCeiling": "none",
    },
]
FORECASTS = [
    {  # same opportunity as a synopsis above: the posted synopsis wins
        "OpportunityID": "361001",
        "OpportunityTitle": "Fogarty forecast",
        "EstimatedSynopsisCloseDate": "04012027",
    },
    {
        "OpportunityID": "361003",
        "OpportunityTitle": "Forecast: Central Asia water research",
        "OpportunityNumber": "DOS-KGZ-27-001",
        "EligibleApplicants": ["99"],
        "AgencyName": "U.S. Mission to Kyrgyzstan",
        "PostDate": "11012026",
        "LastUpdatedDate": "11012026",
        "EstimatedSynopsisPostDate": "02012027",
        "FiscalYear": "2027",
        "EstimatedSynopsisCloseDate": "04302027",
    },
]
# The XSD fixes the order of child elements; keep it when writing them.
SYNOPSIS_ORDER = [
    "OpportunityID",
    "OpportunityTitle",
    "OpportunityNumber",
    "OpportunityCategory",
    "FundingInstrumentType",
    "CategoryOfFundingActivity",
    "CFDANumbers",
    "EligibleApplicants",
    "AdditionalInformationOnEligibility",
    "AgencyCode",
    "AgencyName",
    "PostDate",
    "CloseDate",
    "LastUpdatedDate",
    "AwardCeiling",
    "AwardFloor",
    "EstimatedTotalProgramFunding",
    "ExpectedNumberOfAwards",
    "Description",
    "Version",
    "ArchiveDate",
]
FORECAST_ORDER = [
    "OpportunityID",
    "OpportunityTitle",
    "OpportunityNumber",
    "EligibleApplicants",
    "AgencyName",
    "PostDate",
    "LastUpdatedDate",
    "EstimatedSynopsisPostDate",
    "FiscalYear",
    "EstimatedSynopsisCloseDate",
]


def element(tag: str, values: dict, order: list[str]) -> str:
    children = []
    for name in order:
        raw = values.get(name)
        for value in raw if isinstance(raw, list) else [raw]:
            if value is not None:
                children.append(f"<{name}>{value}</{name}>")
    return f"<{tag}>{''.join(children)}</{tag}>"


def extract_xml(synopses=SYNOPSES, forecasts=FORECASTS) -> bytes:
    parts = [element("OpportunitySynopsisDetail_1_0", s, SYNOPSIS_ORDER) for s in synopses]
    parts += [element("OpportunityForecastDetail_1_0", f, FORECAST_ORDER) for f in forecasts]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Grants xmlns="{NAMESPACE}">'
        + "".join(parts)
        + "</Grants>"
    ).encode("utf-8")


@pytest.fixture(scope="module")
def xml_bytes(shared_fixtures) -> bytes:
    data = extract_xml()
    schema = etree.XMLSchema(
        etree.parse(str(shared_fixtures / "2_grants_gov" / "OpportunityDetail-V1.0_schema.xsd"))
    )
    schema.assertValid(etree.fromstring(data))  # the synthetic extract obeys the real XSD
    return data


def test_iter_extract_reads_synopses_and_forecasts(xml_bytes, tmp_path):
    path = tmp_path / "GrantsDBExtract20261128v2.xml"
    path.write_bytes(xml_bytes)

    records = {r["source_key"]: r for r in iter_extract(path)}

    assert list(records) == ["361001", "361002", "361003"]  # duplicate forecast skipped
    fogarty = records["361001"]
    assert fogarty["title"] == "Fogarty Global Health Research Training & Mentoring"
    assert fogarty["url"] == "https://www.grants.gov/search-results-detail/361001"
    assert fogarty["call_id"] == "PAR-27-101"
    assert fogarty["funder"] == "Fogarty International Center"
    assert fogarty["action_type"] == "Grant, Cooperative Agreement"
    assert fogarty["opening_date"] == date(2027, 1, 15)
    assert fogarty["deadlines"] == (
        Deadline(datetime(2027, 5, 20, 23, 59, 59, tzinfo=EASTERN), "Close date"),
    )
    assert fogarty["status"] is OpportunityStatus.OPEN
    assert fogarty["award_min"] is None  # "0" means not stated
    assert fogarty["award_max"] == Money(Decimal(250000), "USD")
    assert fogarty["budget_total"] == Money(Decimal(3000000), "USD")
    assert fogarty["expected_grants"] == 12
    assert fogarty["keywords"] == ("93.989",)
    assert fogarty["eligible_groups"] == ("ALL",)  # code 25 + foreign-eligibility text
    assert "Foreign Organizations) are eligible" in fogarty["eligibility_text"]
    assert fogarty["summary"] == "Research training in low- and middle-income countries."


def test_iter_extract_maps_placeholders_tenders_and_forecasts(xml_bytes):
    records = {r["source_key"]: r for r in iter_extract(io.BytesIO(xml_bytes))}

    rolling = records["361002"]
    assert rolling["deadlines"] == ()  # 12/31/2099 is a placeholder
    assert rolling["award_max"] is None  # "none"
    assert rolling["kind"] is OpportunityKind.TENDER
    assert rolling["eligible_countries"] == ("US",)
    forecast = records["361003"]
    assert forecast["status"] is OpportunityStatus.FORTHCOMING
    assert forecast["opening_date"] == date(2027, 2, 1)
    assert forecast["deadlines"] == (
        Deadline(datetime(2027, 4, 30, 23, 59, 59, tzinfo=EASTERN), "Estimated close date"),
    )
    assert (forecast["eligible_countries"], forecast["eligible_groups"]) == ((), ())


def test_iter_extract_reads_a_zip_without_unpacking(xml_bytes, tmp_path):
    path = tmp_path / "GrantsDBExtract20261128v2.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("GrantsDBExtract20261128v2.xml", xml_bytes)

    assert [r["source_key"] for r in iter_extract(path)] == ["361001", "361002", "361003"]


def test_iter_extract_yields_records_before_a_truncation(xml_bytes):
    # Streaming: what precedes the break is delivered before the parser hits it.
    cut = xml_bytes[: xml_bytes.index(b"<OpportunityForecastDetail_1_0>") + 40]
    records = iter_extract(io.BytesIO(cut))

    assert next(records)["source_key"] == "361001"
    assert next(records)["source_key"] == "361002"
    with pytest.raises(etree.XMLSyntaxError):
        next(records)
