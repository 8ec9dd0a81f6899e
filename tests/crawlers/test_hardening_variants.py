"""Unseen-but-realistic SEDIA and Grants.gov answers: titles, ids, deadlines, status, eligibility.

Every document in this file is SYNTHETIC: written for these tests from the shape of the
real SEDIA search API and the Grants.gov search2 / fetchOpportunity answers (field names,
value formats, codes), not recorded from the live services. Identifiers and texts are
invented to look like real ones.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.parsers.eu_portal import parse_search_response
from crawlers.parsers.grants_gov import parse_hit, parse_opportunity
from crawlers.textfacts import make_eligibility
from indexer.records import Deadline, OpportunityKind, OpportunityStatus, from_dict
from tests.crawlers.hardening import check_item, spider

BRUSSELS = ZoneInfo("Europe/Brussels")
EASTERN = ZoneInfo("America/New_York")
ERASMUS, HORIZON = "43353764", "43108390"
OPEN, FORTHCOMING = "31094502", "31094501"


def sedia_result(reference: str, **metadata: Any) -> dict[str, Any]:
    """Build one SEDIA result: every metadata value is a list of strings."""
    return {
        "apiVersion": "2.146",
        "reference": reference,
        "url": metadata.pop("result_url", None),
        "title": None,
        "language": "en",
        "database": "SEDIA",
        "summary": metadata.get("title", [""])[0],
        "content": metadata.get("title", [""])[0],
        "metadata": {"type": ["1"], "programmePeriod": ["2021 - 2027"], **metadata},
    }


def budget(topic: str, action: str, *, amount: str, dates: list[str], model: str) -> list[str]:
    overview = {
        "budgetYearsColumns": ["2027"],
        "budgetTopicActionMap": {
            "120001": [
                {
                    "action": f"{topic} - {action}",
                    "expectedGrants": 25,
                    "minContribution": 200000,
                    "maxContribution": 400000,
                    "budgetYearMap": {"2027": amount},
                    "plannedOpeningDate": "2026-11-14",
                    "deadlineModel": model,
                    "deadlineDates": dates,
                }
            ]
        },
    }
    return [json.dumps(overview)]


CBHE = "ERASMUS-EDU-2027-CBHE-STRAND-1"
CBHE_RESULT = sedia_result(
    "52100001TOPICSen",
    identifier=[CBHE],
    callIdentifier=["ERASMUS-EDU-2027-CBHE"],
    callTitle=["Capacity building in the field of higher education"],
    title=["Fostering access to cooperation in higher education"],
    deadlineDate=["2027-02-12T00:00:00.000+0000"],
    deadlineModel=["single-stage"],
    startDate=["2026-11-14T00:00:00.000+0000"],
    status=[OPEN],
    frameworkProgramme=[ERASMUS],
    typesOfAction=["ERASMUS Lump Sum Grants"],
    keywords=['["Higher education", "Capacity building", "Central Asia"]'],
    budgetOverview=budget(
        CBHE,
        "ERASMUS-LS ERASMUS Lump Sum Grants",
        amount="9600000",
        dates=["2027-02-12"],
        model="single-stage",
    ),
    descriptionByte=[
        "<p><strong>Eligible participants:</strong></p><p>Applicants must be higher "
        "education institutions established in an EU Member State or a third country "
        "associated to the Programme, or in an eligible third country not associated to "
        "the Programme from Region 6 (Central Asia).</p>"
    ],
)
EIC = "HORIZON-EIC-2027-ACCELERATOR-01"
CUTOFF_RESULT = sedia_result(
    "52100002TOPICSen",
    result_url=f"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{EIC}",
    identifier=[EIC],
    callIdentifier=["HORIZON-EIC-2027-ACCELERATOR"],
    title=[f"{EIC} EIC Accelerator"],
    deadlineDate=[
        "2026-03-12T00:00:00.000+0000",
        "2026-10-01T00:00:00.000+0000",
        "2027-01-14T00:00:00.000+0000",
        "2027-03-04T00:00:00.000+0000",
    ],
    deadlineModel=["multiple cut-off"],
    startDate=["2026-01-08T00:00:00.000+0000"],
    status=[OPEN],
    frameworkProgramme=[HORIZON],
    typesOfAction=["HORIZON EIC Accelerator"],
)
FORTHCOMING_TOPIC = "HORIZON-CL6-2027-01-FARM2FORK-03"
FORTHCOMING_RESULT = sedia_result(
    "52100003TOPICSen",
    identifier=[FORTHCOMING_TOPIC],
    callIdentifier=["HORIZON-CL6-2027-01"],
    title=["Sustainable food systems in Central Asia &amp; the EU neighbourhood"],
    deadlineDate=["2027-09-16T00:00:00.000+0000"],
    deadlineModel=["single-stage"],
    startDate=["2027-05-06T00:00:00.000+0000"],
    status=[FORTHCOMING],
    frameworkProgramme=[HORIZON],
    typesOfAction=["HORIZON Research and Innovation Actions"],
)
JMO = "ERASMUS-JMO-2027-HEI-TCH-RSCH"
CALL_ONLY_RESULT = sedia_result(
    "52100004CALLSen",
    callIdentifier=[JMO],
    callTitle=["Jean Monnet Actions in the field of higher education"],
    deadlineDate=["2027-02-10T00:00:00.000+0000"],
    status=[OPEN],
    frameworkProgramme=[ERASMUS],
    type=["2"],
)
STALE = "ERASMUS-EDU-2026-CBHE-STRAND-2"
STALE_RESULT = sedia_result(
    "52100005TOPICSen",
    identifier=[STALE],
    title=["Partnerships for transformation in higher education"],
    deadlineDate=["2026-02-10T00:00:00.000+0000"],
    startDate=["2025-11-12T00:00:00.000+0000"],
    status=[OPEN],  # still flagged open though its only deadline has passed
    frameworkProgramme=[ERASMUS],
)
SEARCH_ANSWER = {
    "apiVersion": "2.146",
    "totalResults": 6,
    "pageNumber": 1,
    "pageSize": 50,
    "results": [
        CBHE_RESULT,
        CUTOFF_RESULT,
        FORTHCOMING_RESULT,
        CALL_ONLY_RESULT,
        STALE_RESULT,
        {**CBHE_RESULT, "reference": "52100001TOPICSfr", "language": "fr"},  # duplicate
    ],
}


def items_by_key(records: list[dict[str, Any]]) -> dict[str, Any]:
    maker = spider()
    items = {r["source_key"]: maker.make_item(**r) for r in records}
    assert all(check_item(item) for item in items.values())
    return {key: from_dict(item) for key, item in items.items()}


def test_parse_search_response_reads_unseen_sedia_generations():
    records = parse_search_response(SEARCH_ANSWER, eligibility=make_eligibility())
    opps = items_by_key(records)

    assert [r["source_key"] for r in records] == [CBHE, EIC, FORTHCOMING_TOPIC, JMO, STALE]
    cbhe = opps[CBHE]
    assert cbhe.title == "Fostering access to cooperation in higher education"
    assert cbhe.call_id == "ERASMUS-EDU-2027-CBHE"
    assert cbhe.programme == "Erasmus+"
    assert cbhe.kind is OpportunityKind.CAPACITY_BUILDING
    assert cbhe.deadlines == (Deadline(datetime(2027, 2, 12, 17, 0, tzinfo=BRUSSELS), "Deadline"),)
    assert cbhe.status is OpportunityStatus.OPEN
    assert {"EU", "ERASMUS_ASSOCIATED", "ERASMUS_REGION_6"} <= set(cbhe.eligible_groups)
    assert "Region 6 (Central Asia)" in (cbhe.eligibility_text or "")
    assert cbhe.keywords[:3] == ("Higher education", "Capacity building", "Central Asia")
    assert cbhe.budget_total is not None
    assert str(cbhe.budget_total.amount) == "9600000"


def test_parse_search_response_keeps_every_cut_off_with_its_zone():
    eic = items_by_key(parse_search_response(SEARCH_ANSWER))[EIC]

    assert [(d.at, d.label) for d in eic.deadlines] == [
        (datetime(2026, 3, 12, 17, 0, tzinfo=BRUSSELS), "Cut-off 1"),
        (datetime(2026, 10, 1, 17, 0, tzinfo=BRUSSELS), "Cut-off 2"),
        (datetime(2027, 1, 14, 17, 0, tzinfo=BRUSSELS), "Cut-off 3"),
        (datetime(2027, 3, 4, 17, 0, tzinfo=BRUSSELS), "Cut-off 4"),
    ]
    # Serialized with the Brussels offset of each date (CET in winter, CEST in summer).
    assert all(d.at.utcoffset() == d.at.astimezone(BRUSSELS).utcoffset() for d in eic.deadlines)
    assert eic.status is OpportunityStatus.OPEN  # two cut-offs still ahead
    assert eic.title == f"{EIC} EIC Accelerator"


def test_parse_search_response_derives_forthcoming_and_closed_from_dates():
    opps = items_by_key(parse_search_response(SEARCH_ANSWER))

    forthcoming = opps[FORTHCOMING_TOPIC]
    assert forthcoming.title == "Sustainable food systems in Central Asia & the EU neighbourhood"
    assert forthcoming.opening_date == date(2027, 5, 6)
    assert forthcoming.status is OpportunityStatus.FORTHCOMING
    assert forthcoming.kind is OpportunityKind.RESEARCH_GRANT
    assert opps[STALE].status is OpportunityStatus.CLOSED


def test_parse_search_response_identifies_a_call_by_its_call_identifier():
    call = items_by_key(parse_search_response(SEARCH_ANSWER))[JMO]

    assert call.title == "Jean Monnet Actions in the field of higher education"
    assert call.call_id == JMO
    assert call.url.endswith(f"/topic-details/{JMO}")
    assert call.deadlines[0].at == datetime(2027, 2, 10, 17, 0, tzinfo=BRUSSELS)


FORECAST_HIT = {
    "id": "361240",
    "number": "DOS-KGZ-FY27-002",
    "title": "U.S. Embassy Bishkek Public Diplomacy Small Grants &amp; Alumni Projects",
    "agencyCode": "DOS-KGZ",
    "agency": "U.S. Mission to the Kyrgyz Republic",
    "openDate": "11/02/2026",
    "closeDate": "",
    "oppStatus": "forecasted",
    "docType": "forecast",
    "cfdaList": ["19.040"],
}


def test_parse_hit_forecast_with_only_forecast_dates_is_forthcoming():
    fields = parse_hit(FORECAST_HIT)
    opp = from_dict(spider("grants_gov").make_item(**fields))

    assert opp.title == "U.S. Embassy Bishkek Public Diplomacy Small Grants & Alumni Projects"
    assert opp.source_key == "361240"
    assert opp.call_id == "DOS-KGZ-FY27-002"
    assert opp.deadlines == ()
    assert opp.opening_date is None  # the forecast's publication date is no opening
    assert opp.status is OpportunityStatus.FORTHCOMING


def fetch_answer(doc_type: str, part: dict[str, Any]) -> dict[str, Any]:
    return {
        "errorcode": 0,
        "msg": "Webservice Succeeds",
        "data": {
            "id": 361241,
            "revision": 0,
            "opportunityNumber": "NSF-27-512",
            "opportunityTitle": "International Research Experiences for Students (IRES)",
            "owningAgencyCode": "NSF",
            "docType": doc_type,
            doc_type: {"opportunityId": 361241, "version": 1, **part},
            "cfdas": [{"cfdaNumber": "47.079", "programTitle": "International Science"}],
            "opportunityHistoryDetails": [],
        },
    }


def test_parse_opportunity_forecast_only_keeps_estimated_dates():
    answer = fetch_answer(
        "forecast",
        {
            "agencyName": "U.S. National Science Foundation",
            "forecastDesc": "<p>Supports cohorts of students in research abroad.</p>",
            "postingDate": "Nov 02, 2026 12:00:00 AM EST",
            "estimatedSynopsisPostDate": "Feb 01, 2027 12:00:00 AM EST",
            "estimatedSynopsisPostDateStr": "2027-02-01-00-00-00",
            "estimatedSynopsisCloseDate": "Apr 30, 2027 12:00:00 AM EDT",
            "estimatedSynopsisCloseDateDesc": "",
            "applicantTypes": [{"id": "25", "description": "Others"}],
            "applicantEligibilityDesc": "Foreign organizations may participate as partners "
            "of a U.S. lead institution and are eligible to apply.",
            "awardCeiling": "300000",
            "numberOfAwards": "8",
        },
    )
    opp = from_dict(spider("grants_gov").make_item(**parse_opportunity(answer)))

    assert opp.title == "International Research Experiences for Students (IRES)"
    assert opp.call_id == "NSF-27-512"
    assert opp.opening_date == date(2027, 2, 1)
    assert opp.deadlines == (
        Deadline(datetime(2027, 4, 30, 23, 59, 59, tzinfo=EASTERN), "Estimated close date"),
    )
    assert opp.status is OpportunityStatus.FORTHCOMING
    assert opp.eligible_groups == ("ALL",)
    assert "Foreign organizations may participate" in (opp.eligibility_text or "")


def test_parse_opportunity_close_date_explanation_adds_its_deadlines():
    answer = fetch_answer(
        "synopsis",
        {
            "agencyName": "U.S. National Science Foundation",
            "synopsisDesc": "<p>IRES projects.</p>",
            "postingDate": "Oct 01, 2026 12:00:00 AM EDT",
            "responseDate": "",
            "responseDateStr": "2027-03-03-00-00-00",
            "responseDateDesc": "Full proposals are due by 5 p.m. submitter's local time. "
            "Full proposal deadline: March 3, 2027; second cut-off: September 15, 2027.",
            "applicantTypes": [{"id": "06"}, {"id": "20"}],
        },
    )
    opp = from_dict(spider("grants_gov").make_item(**parse_opportunity(answer)))

    assert [(d.at, d.label) for d in opp.deadlines] == [
        (datetime(2027, 3, 3, 23, 59, 59, tzinfo=EASTERN), "Full proposal deadline"),
        (datetime(2027, 9, 15, 23, 59, 59, tzinfo=EASTERN), "Second cut-off"),
    ]
    assert opp.status is OpportunityStatus.OPEN
    assert opp.eligible_countries == ("US",)
