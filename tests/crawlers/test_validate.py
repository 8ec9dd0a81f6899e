"""validate_source: one live trial crawl of a source entry, reported and never stored."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawlers.fetch import CrawlResult
from crawlers.sources import SourceConfig, load_sources
from crawlers.validate import (
    build_report,
    check_items,
    field_coverage,
    format_report,
    validate_source,
)
from indexer.records import to_dict
from indexer.store import FetchState
from tests.factories import NOW, make_opportunity

FAST = {"AUTOTHROTTLE_START_DELAY": 0.0, "GRANTRADAR_RETRY_BACKOFF": 0.01}
REGISTRY = Path(__file__).resolve().parents[2] / "config" / "sources.toml"
LISTING_PATH = "/jobs/search?f%5B0%5D=offer_type%3Afunding"
# Written for these tests: two calls, only the first with a deadline.
CALLS_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Calls</title><link>https://funder.example/</link>
<item><guid isPermaLink="false">call-1</guid><title>Joint research projects</title>
<link>https://funder.example/calls/1</link>
<description>Research grants. Deadline: 15 March 2027</description></item>
<item><guid isPermaLink="false">call-2</guid><title>Staff mobility grants</title>
<link>https://funder.example/calls/2</link>
<description>Mobility for academic staff.</description></item>
</channel></rss>
"""


@pytest.fixture
def euraxess(feed_server, shared_fixtures) -> SourceConfig:
    """Return the registry's euraxess entry, pointed at the listing fixture served locally."""
    folder = shared_fixtures / "4_html_listings"
    url = feed_server.serve_file(LISTING_PATH, folder / "euraxess_jobs_search_results.html")
    # The listing's "next page" link: the same ten calls again (they must not double).
    feed_server.serve_file(
        "/jobs/search?f%5B0%5D=offer_type%3Ajob_offer&page=1",
        folder / "euraxess_jobs_search_results.html",
    )
    feed_server.serve_file("/jobs/415163", folder / "euraxess_job_detail.html")
    return dataclasses.replace(load_sources(REGISTRY)["euraxess-funding"], url=url)


def trial(source, settings):
    return validate_source(source, settings=settings, now=NOW, scrapy_overrides=FAST)


def test_validate_source_reports_coverage_of_the_registry_euraxess_entry(
    euraxess, store, crawl_settings
):
    report = trial(euraxess, crawl_settings)

    assert report.ok, report.crawl.error
    assert report.crawl.http_status == 200
    assert report.found == 10
    assert report.invalid == []
    assert report.coverage["title"] == report.coverage["url"] == 1.0
    assert report.coverage["deadlines"] == report.coverage["summary"] == 1.0
    assert report.coverage["funder"] == report.coverage["kind"] == 1.0
    assert report.coverage["programme"] == report.coverage["budget"] == 0.0
    assert not any("check the" in w for w in report.warnings())
    first = report.to_dict(limit=2)["items"]
    assert len(first) == 2
    assert first[0]["url"].startswith(euraxess.url.split("/jobs/")[0] + "/jobs/4151")
    assert first[0]["deadlines"][0]["label"] == "Application Deadline"
    assert first[0]["kind"] == "fellowship"
    assert store.count() == 0
    assert store.last_runs() == {}
    assert store.get_fetch_state("euraxess-funding") == FetchState()


def test_validate_source_ignores_stored_fetch_state(feed_server, store, crawl_settings):
    url = feed_server.add("/calls.xml", CALLS_RSS, etag='"v1"')
    store.set_fetch_state("calls", FetchState('"v1"', None), now=NOW)

    report = trial(SourceConfig(key="calls", type="feed", url=url), crawl_settings)

    assert report.crawl.http_status == 200
    assert "If-None-Match" not in feed_server.requests_to("/calls.xml")[-1].headers
    assert report.found == 2


def test_validate_source_warns_when_a_required_field_is_thin(feed_server, store, crawl_settings):
    url = feed_server.add("/calls.xml", CALLS_RSS)

    report = trial(SourceConfig(key="calls", type="feed", url=url), crawl_settings)

    assert report.ok
    assert report.found == 2
    assert report.coverage["deadlines"] == 0.5
    assert report.coverage["title"] == 1.0
    assert "only 50% of items have a deadline: check the deadlines selector" in report.warnings()
    assert store.count() == 0
    assert store.last_runs() == {}


def test_validate_source_broken_selector_gives_a_clear_failure(euraxess, store, crawl_settings):
    broken = dataclasses.replace(euraxess, options={**euraxess.options, "item": "div.no-such-card"})

    report = trial(broken, crawl_settings)

    assert not report.ok
    assert report.found == 0
    assert "matched no call" in (report.crawl.error or "")
    text = "\n".join(format_report(report, limit=5))
    assert "matched no call" in text
    assert store.count() == 0


def test_validate_source_http_error_is_the_failure_reason(feed_server, crawl_settings):
    url = feed_server.url("/missing.xml")

    report = trial(SourceConfig(key="gone", type="feed", url=url), crawl_settings)

    assert not report.ok
    assert report.crawl.http_status == 404
    assert "404" in (report.crawl.error or "")


# --- the pure parts ---------------------------------------------------------------------------


def test_check_items_names_each_invalid_item_and_keeps_its_record():
    good = to_dict(make_opportunity(source_key="A-1"))
    no_title = {**to_dict(make_opportunity(source_key="A-2")), "title": "  "}
    garbage = {"id": "x:1", "title": "no url"}

    records, invalid = check_items([good, no_title, garbage], now=NOW)

    assert [r.source_key for r in records] == ["A-1", "A-2"]
    assert [key for key, _ in invalid] == [no_title["id"], "x:1"]
    assert invalid[0][1] == "empty title"


def test_build_report_counts_pipeline_drops_as_found_and_invalid():
    crawl = CrawlResult(http_status=200, invalid=[("x:9", "bad date")])
    items = [to_dict(make_opportunity(source_key=f"B-{n}")) for n in range(3)]
    source = SourceConfig(key="b", type="feed", url="https://b.example/feed")

    report = build_report(source, crawl, items, now=NOW)

    assert report.found == 4
    assert report.invalid == [("x:9", "bad date")]
    assert not report.ok
    assert report.coverage["title"] == 0.75


def test_field_coverage_is_zero_without_items():
    assert set(field_coverage([], 0).values()) == {0.0}


def test_validate_report_with_no_items_is_not_ok():
    report = build_report(
        SourceConfig(key="x", type="feed", url="https://funder.example/feed"),
        CrawlResult(),
        [],
        now=NOW,
    )
    assert not report.ok
    assert any(w.startswith("no items found") for w in report.warnings())
