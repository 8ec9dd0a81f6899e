"""EU Funding & Tenders portal (SEDIA): the pure parser on the real fixture, and one crawl.

The fixture is a real (trimmed) SEDIA search answer: see
../shared/fixtures/PROVENANCE.md, 1_eu_funding_tenders.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from crawlers.parsers.eu_portal import (
    next_page_number,
    parse_result,
    parse_search_response,
)
from crawlers.runner import run_sources
from crawlers.sources import SourceConfig
from crawlers.spiders.eu_portal import build_query, make_eligibility, multipart_form
from indexer.records import Deadline, Money, OpportunityKind, OpportunityStatus, RunStatus
from tests.factories import NOW

BRUSSELS = ZoneInfo("Europe/Brussels")
CHIPS = "HORIZON-JU-CHIPS-2025-IA-LEAI-two-stage"
PRIZE = "HORIZON-JU-EDCTP3-2026-SCILEADERSHIPMANSSAPRIZE"
PORTAL = (
    "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/"
    "opportunities/topic-details/"
)


@pytest.fixture(scope="module")
def sedia(shared_fixtures) -> dict:
    path = shared_fixtures / "1_eu_funding_tenders" / "sedia_search_trimmed_horizon_2records.json"
    return json.loads(path.read_text(encoding="utf-8"))


def by_key(records: list[dict]) -> dict[str, dict]:
    return {r["source_key"]: r for r in records}


def test_parse_search_response_reads_two_stage_topic(sedia):
    chips = by_key(parse_search_response(sedia))[CHIPS]

    assert chips["url"] == PORTAL + CHIPS  # the portal page, not the topicDetails JSON
    assert chips["title"] == "Low power Edge AI Chips"
    assert chips["call_id"] == CHIPS
    assert chips["action_type"] == "HORIZON-JU-IA"
    assert chips["programme"] == "Horizon Europe"
    assert chips["funder"] == "European Commission"
    assert chips["status"] is OpportunityStatus.FORTHCOMING  # the portal flag, a fallback
    assert chips["opening_date"] == date(2025, 3, 4)
    assert chips["deadlines"] == (
        Deadline(datetime(2025, 4, 29, 17, 0, tzinfo=BRUSSELS), "Stage 1"),
        Deadline(datetime(2025, 9, 17, 17, 0, tzinfo=BRUSSELS), "Stage 2"),
    )
    assert chips["budget_total"] == Money(Decimal(20000000), "EUR")
    assert chips["award_min"] == Money(Decimal(1000000), "EUR")
    assert chips["award_max"] == Money(Decimal(20000000), "EUR")
    assert chips["expected_grants"] == 2
    assert chips["kind"] is OpportunityKind.RESEARCH_GRANT
    assert chips["keywords"] == ()  # the only keyword is the topic code itself
    assert chips["language"] == "en"
    assert chips["description_html"].startswith("<span")
    assert chips["summary"].startswith("Expected Outcome:")


def test_parse_search_response_reads_newer_generation_prize(sedia):
    prize = by_key(parse_search_response(sedia))[PRIZE]

    assert prize["url"] == PORTAL + PRIZE
    assert prize["title"] == "HORIZON-JU-EDCTP3-2026-Scientific Leadership Man SSA Prize"
    assert prize["action_type"] == "HORIZON-RPr"
    assert prize["kind"] is OpportunityKind.PRIZE
    assert prize["deadlines"] == (
        Deadline(datetime(2026, 9, 2, 17, 0, tzinfo=BRUSSELS), "Deadline"),
    )
    assert prize["budget_total"] == Money(Decimal(15000), "EUR")
    assert prize["award_min"] == prize["award_max"] == Money(Decimal(15000), "EUR")
    assert prize["expected_grants"] == 1
    assert prize["keywords"] == ("AI", "DigitalAgenda")
    assert "<p>" in prize["description_html"]


def test_parse_search_response_collapses_duplicate_topics(sedia):
    doubled = copy.deepcopy(sedia)
    doubled["results"].append(copy.deepcopy(sedia["results"][0]))

    records = parse_search_response(doubled)

    assert [r["source_key"] for r in records] == [CHIPS, PRIZE]


def test_parse_result_drops_damaged_json_field_and_keeps_record(sedia, caplog):
    result = copy.deepcopy(sedia["results"][0])
    budget = result["metadata"]["budgetOverview"][0]
    result["metadata"]["budgetOverview"] = [budget[: len(budget) // 2]]  # truncated JSON
    result["metadata"]["databaseLabel"] = []

    with caplog.at_level(logging.WARNING, logger="crawlers.parsers.eu_portal"):
        fields = parse_result(result)

    assert fields is not None
    assert fields["title"] == "Low power Edge AI Chips"
    assert fields["budget_total"] is None
    assert fields["award_max"] is None
    assert fields["action_type"] == "HORIZON JU Innovation Actions"  # typesOfAction instead
    assert len(fields["deadlines"]) == 2
    assert "budgetOverview is not valid JSON" in caplog.text


def test_parse_result_reads_keywords_given_as_one_json_string(sedia):
    result = copy.deepcopy(sedia["results"][1])
    result["metadata"]["keywords"] = ['["tropical diseases", "clinical trials", "AI"]']

    fields = parse_result(result)

    assert fields is not None
    assert fields["keywords"] == ("tropical diseases", "clinical trials", "AI", "DigitalAgenda")


def test_parse_result_keeps_explicit_deadline_time(sedia):
    result = copy.deepcopy(sedia["results"][1])
    result["metadata"]["deadlineDate"] = ["2026-09-02T15:00:00.000+0000"]

    fields = parse_result(result)

    assert fields is not None
    assert fields["deadlines"][0].at == datetime(2026, 9, 2, 17, 0, tzinfo=BRUSSELS)


def test_parse_result_extracts_eligibility_from_description(sedia):
    result = copy.deepcopy(sedia["results"][0])
    result["metadata"]["descriptionByte"] = [
        "<p>Expected Outcome: chips.</p><p>Legal entities established in low- and "
        "middle-income countries are eligible for funding.</p>"
    ]

    fields = parse_result(result, eligibility=make_eligibility())

    assert fields is not None
    assert fields["eligible_groups"] == ("HE_LMIC",)
    assert fields["eligibility_text"] == (
        "Legal entities established in low- and middle-income countries are eligible for funding."
    )


def test_parse_result_without_identifier_is_skipped(sedia):
    result = copy.deepcopy(sedia["results"][0])
    result["metadata"]["identifier"] = []
    result["metadata"]["callIdentifier"] = []
    result["metadata"]["url"] = []
    result["url"] = None

    assert parse_result(result) is None


def test_parse_result_without_identifier_reads_it_from_the_address(sedia):
    result = copy.deepcopy(sedia["results"][0])
    result["metadata"]["identifier"] = []

    assert parse_result(result)["source_key"] == CHIPS


def test_build_query_maps_programme_and_status_names():
    query = build_query(["Erasmus+", "Horizon Europe"], ["open", "forthcoming"])

    must = query["bool"]["must"]
    assert {"terms": {"frameworkProgramme": ["43353764", "43108390"]}} in must
    assert {"terms": {"status": ["31094502", "31094501"]}} in must
    assert {"terms": {"type": ["1", "2", "8"]}} in must


def test_next_page_number_stops_after_total_results(sedia):
    assert next_page_number(sedia, 1, 3) == 2  # totalResults 276
    assert next_page_number(sedia, 92, 3) is None
    assert next_page_number({"totalResults": 5, "results": []}, 1, 3) is None


def test_multipart_form_round_trips_json_parts():
    body, content_type = multipart_form({"query": {"bool": {}}, "languages": ["en"]})

    parts = read_multipart(body, content_type)

    assert parts == {"query": {"bool": {}}, "languages": ["en"]}


def read_multipart(body: bytes, content_type: str) -> dict:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {
        part.get_param("name", header="content-disposition"): json.loads(part.get_content())
        for part in message.iter_parts()
    }


# --- end to end: a local SEDIA stand-in, the real Scrapy subprocess, a real Store ---------


class ApiServer:
    """A 127.0.0.1 server answering POSTs with ``respond(path, query, body)``."""

    def __init__(self, respond: Callable[[str, dict, bytes, str], bytes]) -> None:
        self.seen: list[tuple[dict, bytes, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                split = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                ctype = self.headers.get("Content-Type", "")
                outer.seen.append((query, body, ctype))
                payload = respond(split.path, query, body, ctype)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/search-api/prod/rest/search"


@pytest.fixture
def sedia_server(sedia) -> Iterator[ApiServer]:
    third = copy.deepcopy(sedia["results"][1])
    third["metadata"]["identifier"] = ["HORIZON-JU-EDCTP3-2026-OTHERPRIZE"]
    third["metadata"]["budgetOverview"] = ['{"budgetYearsColumns":["2026"],"budgetTop']
    pages = {
        "1": {**sedia, "totalResults": 3, "pageSize": 2, "results": sedia["results"]},
        # Page 2 repeats a topic of page 1, as the live API does when results shift.
        "2": {**sedia, "totalResults": 3, "pageSize": 2, "results": [sedia["results"][0], third]},
    }
    server = ApiServer(lambda path, q, body, ctype: json.dumps(pages[q["pageNumber"]]).encode())
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_eu_portal_crawl_pages_dedupes_and_stores(sedia_server, store, crawl_settings):
    source = SourceConfig(
        key="eu-portal",
        type="eu_portal",
        url=sedia_server.url,
        options={
            "programmes": ["Horizon Europe"],
            "statuses": ["open", "forthcoming"],
            "page_size": 2,
        },
    )

    [result] = run_sources([source], store=store, backend=None, settings=crawl_settings, now=NOW)

    assert result.status is RunStatus.SUCCESS, result.error
    assert [q["pageNumber"] for q, _, _ in sedia_server.seen] == ["1", "2"]
    query, body, ctype = sedia_server.seen[0]
    assert query["apiKey"] == "SEDIA"
    assert query["pageSize"] == "2"
    parts = read_multipart(body, ctype)
    assert {"terms": {"frameworkProgramme": ["43108390"]}} in parts["query"]["bool"]["must"]
    assert parts["languages"] == ["en"]
    assert store.count() == 3
    chips = store.get(f"eu-portal:{CHIPS}")
    assert chips is not None
    assert chips.status is OpportunityStatus.CLOSED  # derived from 2025 dates at NOW (2026-11)
    assert [d.label for d in chips.deadlines] == ["Stage 1", "Stage 2"]
    damaged = store.get("eu-portal:HORIZON-JU-EDCTP3-2026-OTHERPRIZE")
    assert damaged is not None
    assert damaged.budget_total is None
