"""Grants.gov search2 + fetchOpportunity: the pure parsers on real answers, and one crawl.

Fixtures: ../shared/fixtures/2_grants_gov (real recorded answers, see PROVENANCE.md).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from crawlers.parsers.grants_gov import next_start, parse_opportunity, parse_search_response
from crawlers.parsers.grants_gov_fields import eligibility_fields, parse_gg_datetime, parse_mdy
from crawlers.runner import run_sources
from crawlers.sources import SourceConfig
from crawlers.spiders.grants_gov import build_search_body
from indexer.records import Deadline, Money, OpportunityStatus, RunStatus
from tests.factories import NOW

EASTERN = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def search2(shared_fixtures) -> dict:
    path = shared_fixtures / "2_grants_gov" / "search2_keyword-student_posted_rows5.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fetched(shared_fixtures) -> dict:
    path = shared_fixtures / "2_grants_gov" / "fetchOpportunity_348985_NSF-REU-23-601.json"
    return json.loads(path.read_text(encoding="utf-8"))


def end_of_day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=EASTERN)


def test_parse_search_response_reads_every_hit(search2):
    hits = {h["source_key"]: h for h in parse_search_response(search2)}

    assert list(hits) == ["348985", "334326", "363101", "329436", "363559"]
    reu = hits["348985"]
    assert reu["url"] == "https://www.grants.gov/search-results-detail/348985"
    assert reu["title"] == "Research Experiences for Undergraduates (REU)"
    assert reu["call_id"] == "23-601"
    assert reu["funder"] == "U.S. National Science Foundation"
    assert reu["opening_date"] == date(2023, 6, 29)
    assert reu["deadlines"] == (Deadline(end_of_day(2027, 8, 18), "Close date"),)
    assert reu["status"] is OpportunityStatus.OPEN
    assert "47.075" in reu["keywords"]
    # "&ndash;" in the published title is decoded.
    assert hits["329436"]["title"] == (
        "University Nuclear Leadership Program– Scholarship and Fellowship Support"
    )
    assert hits["329436"]["deadlines"][0].at == end_of_day(2030, 10, 14)


def test_parse_search_response_empty_close_date_means_no_deadline(search2):
    data = copy.deepcopy(search2)
    data["data"]["oppHits"][0]["closeDate"] = ""

    [first, *_] = parse_search_response(data)

    assert first["deadlines"] == ()


def test_next_start_pages_until_hit_count(search2):
    assert next_start(search2, 0, 5) == 5  # hitCount 227
    assert next_start(search2, 225, 5) is None


def test_build_search_body_joins_list_options():
    body = build_search_body({"keyword": "water", "eligibilities": ["25", "99"]}, 100, 50)

    assert body["eligibilities"] == "25|99"
    assert body["oppStatuses"] == "forecasted|posted"
    assert (body["startRecordNum"], body["rows"], body["keyword"]) == (100, 50, "water")


def test_parse_opportunity_takes_latest_revision_and_cleans_text(fetched):
    fields = parse_opportunity(fetched)

    assert fields is not None
    assert fields["source_key"] == "348985"
    assert fields["title"] == "Research Experiences for Undergraduates (REU)"
    assert fields["call_id"] == "23-601"
    # Version 7 (the current synopsis) says Aug 18, 2027; older revisions said 2023-2026.
    assert fields["deadlines"] == (Deadline(end_of_day(2027, 8, 18), "Close date"),)
    assert fields["opening_date"] == date(2023, 6, 29)
    assert fields["posted_at"] == datetime(2023, 6, 29, 0, 0, tzinfo=EASTERN)
    assert fields["award_min"] == Money(Decimal(5000), "USD")
    assert fields["award_max"] == Money(Decimal(500000), "USD")
    assert fields["budget_total"] == Money(Decimal(84800000), "USD")
    assert fields["expected_grants"] == 1350
    assert fields["action_type"] == "Grant"
    assert "Engineering" in fields["keywords"]
    assert fields["summary"].startswith("The Research Experiences for Undergraduates (REU)")
    assert "&amp;nbsp;" not in fields["eligibility_text"]
    assert "may be designated" not in fields["eligibility_text"]  # evidence only, not all text
    # Code 25 "Others" without text opening it to foreign organisations: a US call.
    assert fields["eligible_countries"] == ("US",)
    assert fields["eligible_groups"] == ()
    assert fields["eligibility_text"].startswith("Others (see text field")


def test_parse_opportunity_prefers_higher_history_version(fetched):
    data = copy.deepcopy(fetched)
    newest = copy.deepcopy(data["data"]["opportunityHistoryDetails"][-1])
    newest["synopsis"]["version"] = 8
    newest["synopsis"]["responseDate"] = "Sep 30, 2027 12:00:00 AM EDT"
    newest["opportunityTitle"] = "REU (revised)"
    data["data"]["opportunityHistoryDetails"].append(newest)

    fields = parse_opportunity(data)

    assert fields is not None
    assert fields["title"] == "REU (revised)"
    assert fields["deadlines"][0].at == end_of_day(2027, 9, 30)


def test_parse_opportunity_far_future_placeholder_is_no_deadline(fetched):
    data = copy.deepcopy(fetched)
    data["data"]["synopsis"]["responseDate"] = "Dec 31, 2099 12:00:00 AM EST"

    fields = parse_opportunity(data)

    assert fields is not None
    assert fields["deadlines"] == ()


@pytest.mark.parametrize(
    ("codes", "text", "countries", "groups"),
    [
        (["25"], "Foreign organizations are eligible to apply.", (), ("ALL",)),
        (
            ["25"],
            "Non-domestic (non-U.S.) Entities (Foreign Institutions) are not eligible to apply.",
            ("US",),
            (),
        ),
        (["99"], "", (), ()),
        (["99"], "Applicants may be located in any country.", (), ("ALL",)),
        (["06", "20"], "Foreign organizations are eligible to apply.", ("US",), ()),
        (["25"], "See the NOFO.", ("US",), ()),
    ],
)
def test_eligibility_fields_marks_foreign_calls_only_with_support(codes, text, countries, groups):
    fields = eligibility_fields(codes, text)

    assert (fields["eligible_countries"], fields["eligible_groups"]) == (countries, groups)


def test_parse_dates_in_grants_gov_formats():
    assert parse_mdy("08/18/2027") == date(2027, 8, 18)
    assert parse_mdy("08182027") == date(2027, 8, 18)
    assert parse_mdy("") is None
    assert parse_mdy("13/45/2027") is None
    assert parse_gg_datetime("Feb 24, 2024 12:52:58 AM EST") == datetime(
        2024, 2, 24, 0, 52, 58, tzinfo=EASTERN
    )


# --- end to end ----------------------------------------------------------------------------


class GrantsApi:
    """A local stand-in for api.grants.gov: search2 pages of 2 hits, fetchOpportunity."""

    def __init__(self, search2: dict, fetched: dict) -> None:
        self.bodies: list[tuple[str, dict]] = []
        outer = self
        hits = search2["data"]["oppHits"][:3]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.bodies.append((self.path, body))
                if self.path.endswith("/search2"):
                    start, rows = body["startRecordNum"], body["rows"]
                    data = copy.deepcopy(search2)
                    data["data"]["hitCount"] = len(hits)
                    data["data"]["oppHits"] = hits[start : start + rows]
                    status, payload = 200, data
                elif body["opportunityId"] == 348985:
                    status, payload = 200, fetched
                else:  # details unavailable: the search fields must be kept
                    status, payload = 500, {"errorcode": 1}
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/api/search2"


@pytest.fixture
def grants_api(search2, fetched) -> Iterator[GrantsApi]:
    api = GrantsApi(search2, fetched)
    yield api
    api.httpd.shutdown()
    api.httpd.server_close()


def test_grants_gov_crawl_searches_fetches_and_stores(grants_api, store, crawl_settings):
    source = SourceConfig(
        key="grants-gov",
        type="grants_gov",
        url=grants_api.url,
        options={"keyword": "student", "rows": 2, "eligibilities": ["25", "99"]},
    )

    [result] = run_sources(
        [source],
        store=store,
        backend=None,
        settings=crawl_settings,
        now=NOW,
        scrapy_overrides={"GRANTRADAR_RETRY_BACKOFF": 0.0},  # the 500s are retried at once
    )

    assert result.status is RunStatus.SUCCESS, result.error
    searches = [b for p, b in grants_api.bodies if p.endswith("/search2")]
    assert [b["startRecordNum"] for b in searches] == [0, 2]
    assert searches[0]["eligibilities"] == "25|99"
    assert store.count() == 3
    reu = store.get("grants-gov:348985")
    assert reu is not None
    assert reu.award_max == Money(Decimal(500000), "USD")  # from fetchOpportunity
    assert reu.eligible_countries == ("US",)
    tcup = store.get("grants-gov:334326")  # details failed: kept from the search hit
    assert tcup is not None
    assert tcup.title == "Tribal Colleges and Universities Program"
    assert tcup.deadlines[0].at == end_of_day(2026, 9, 1)
    assert tcup.status is OpportunityStatus.CLOSED  # 2026-09-01 is before NOW
