"""The configuration-driven HTML listing spider, on the real EURAXESS listing + detail page.

Fixtures: ../shared/fixtures/4_html_listings (see PROVENANCE.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse

from config.settings import CONFIG_DIR
from crawlers.parsers.html_listing import (
    ListingConfig,
    ListingConfigError,
    deadlines_in,
    next_page_url,
    parse_detail,
    parse_listing,
    source_key,
)
from crawlers.runner import run_sources
from crawlers.sources import SourceConfig, load_sources
from indexer.records import Deadline, RunStatus
from tests.factories import NOW

LISTING_URL = "https://euraxess.ec.europa.eu/jobs/search"
OPTIONS = {
    "item": "article.ecl-content-item",
    "title": "h3 a ::text",
    "link": "h3 a::attr(href)",
    "deadline": ".id-Application-Deadline",
    "summary": ".ecl-content-block__description",
    "next_page": ".ecl-pagination__item--next a::attr(href)",
    "key_pattern": r"/jobs/(\d+)",
}
DETAIL = {
    "title": "h1.ecl-content-block__title",
    "deadline": "xpath://dt[normalize-space()='Application Deadline']/following-sibling::dd[1]",
    "description": "xpath://h2[@id='offer-description']/following-sibling::*[1]",
}


def fixture_response(shared_fixtures, name: str, url: str) -> HtmlResponse:
    body = (shared_fixtures / "4_html_listings" / name).read_bytes()
    return HtmlResponse(url=url, body=body, encoding="utf-8")


@pytest.fixture(scope="module")
def listing(shared_fixtures) -> HtmlResponse:
    return fixture_response(shared_fixtures, "euraxess_jobs_search_results.html", LISTING_URL)


@pytest.fixture(scope="module")
def detail(shared_fixtures) -> HtmlResponse:
    url = "https://euraxess.ec.europa.eu/jobs/415163"
    return fixture_response(shared_fixtures, "euraxess_job_detail.html", url)


def test_parse_listing_reads_ten_cards_with_absolute_links(listing):
    records = parse_listing(listing, ListingConfig.from_options(OPTIONS))

    assert len(records) == 10
    assert all(r["url"].startswith("https://euraxess.ec.europa.eu/jobs/4151") for r in records)
    first, second = records[0], records[1]
    assert first["source_key"] == "415163"
    assert first["url"] == "https://euraxess.ec.europa.eu/jobs/415163"
    assert first["title"] == "Postdoctoral Researcher"
    assert first["summary"].startswith("The Centre for Research on Social Inequality (CRIS)")
    assert first["deadlines"] == (
        Deadline(
            datetime(2026, 4, 12, 23, 59, tzinfo=ZoneInfo("Europe/Brussels")),
            "Application Deadline",
        ),
    )
    assert second["title"] == "1 Research Fellowship (Master) - 2024.13736.PEX - #NOVAID-B458"
    # The card names its own zone: Lisbon, not the Brussels default.
    assert second["deadlines"][0].at == datetime(
        2026, 3, 17, 23, 59, tzinfo=ZoneInfo("Europe/Lisbon")
    )
    assert records[-1]["deadlines"][0].at.utcoffset() == ZoneInfo("Atlantic/Canary").utcoffset(
        datetime(2026, 3, 16)
    )


def test_parse_listing_accepts_xpath_selectors(listing):
    options = {
        **OPTIONS,
        "item": "xpath://article[contains(@class, 'ecl-content-item')]",
        "title": "xpath:.//h3/a",
        "link": "xpath:.//h3/a/@href",
    }

    records = parse_listing(listing, ListingConfig.from_options(options))

    assert [r["source_key"] for r in records][:3] == ["415163", "415161", "415159"]
    assert records[0]["title"] == "Postdoctoral Researcher"


def test_parse_listing_defaults_to_first_link_and_url_hash(listing):
    records = parse_listing(listing, ListingConfig.from_options({"item": "h3"}))

    assert records[0]["url"] == "https://euraxess.ec.europa.eu/jobs/415163"
    assert records[0]["title"] == "Postdoctoral Researcher"
    assert records[0]["source_key"] == source_key("https://euraxess.ec.europa.eu/jobs/415163")
    assert records[0]["deadlines"] == ()


def test_next_page_url_is_absolute(listing):
    assert next_page_url(listing, ListingConfig.from_options(OPTIONS)) == (
        "https://euraxess.ec.europa.eu/jobs/search?f%5B0%5D=offer_type%3Ajob_offer&page=1"
    )


def test_parse_detail_reads_title_deadline_and_description(detail):
    fields = parse_detail(detail, ListingConfig.from_options({**OPTIONS, "detail": DETAIL}))

    assert fields["title"] == "Postdoctoral Researcher"
    assert fields["deadlines"][0].at == datetime(2026, 4, 12, 21, 59, tzinfo=UTC)
    assert fields["description_html"].startswith("<div")
    assert "LEARN" in fields["summary"]
    assert len(fields["summary"]) <= 1001


def test_deadlines_in_reads_a_bare_date():
    [deadline] = deadlines_in("5 Apr 2026 - 23:00 (Europe/Vienna)")

    assert deadline.at == datetime(2026, 4, 5, 23, 0, tzinfo=ZoneInfo("Europe/Vienna"))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"item": ""},
        {"item": "li", "detail": {"nonsense": "p"}},
        {"item": "li", "max_pages": "x"},
    ],
)
def test_listing_config_rejects_bad_options(options):
    with pytest.raises(ListingConfigError):
        ListingConfig.from_options(options)


# --- end to end ----------------------------------------------------------------------------


def test_html_listing_crawl_follows_details_and_pages(
    feed_server, shared_fixtures, store, crawl_settings
):
    folder = shared_fixtures / "4_html_listings"
    listing_url = feed_server.serve_file(
        "/jobs/search", folder / "euraxess_jobs_search_results.html"
    )
    # The "next page" link points back at the same ten calls: they must not double.
    feed_server.serve_file(
        "/jobs/search?f%5B0%5D=offer_type%3Ajob_offer&page=1",
        folder / "euraxess_jobs_search_results.html",
    )
    feed_server.serve_file("/jobs/415163", folder / "euraxess_job_detail.html")
    source = SourceConfig(
        key="euraxess",
        type="html_listing",
        url=listing_url,
        options={**OPTIONS, "detail": DETAIL, "max_pages": 2},
    )

    [result] = run_sources([source], store=store, backend=None, settings=crawl_settings, now=NOW)

    assert result.status is RunStatus.SUCCESS, result.error
    assert store.count() == 10
    assert len(feed_server.requests_to("/jobs/search?f%5B0%5D=offer_type%3Ajob_offer&page=1")) == 1
    postdoc = store.get("euraxess:415163")
    assert postdoc is not None
    assert postdoc.url == feed_server.url("/jobs/415163")
    assert "LEARN" in postdoc.description_html  # from the detail page
    # The other detail pages are 404 here: their listing fields are kept.
    fellowship = store.get("euraxess:415161")
    assert fellowship is not None
    assert fellowship.url == feed_server.url("/jobs/415161")
    assert fellowship.deadlines[0].at == datetime(
        2026, 3, 17, 23, 59, tzinfo=ZoneInfo("Europe/Lisbon")
    )


def test_html_listing_crawl_fails_when_layout_changed(
    feed_server, shared_fixtures, store, crawl_settings
):
    url = feed_server.serve_file(
        "/jobs/search", shared_fixtures / "4_html_listings" / "euraxess_jobs_search_results.html"
    )
    source = SourceConfig(
        key="euraxess", type="html_listing", url=url, options={"item": "div.no-such-card"}
    )

    [result] = run_sources([source], store=store, backend=None, settings=crawl_settings, now=NOW)

    assert result.status is RunStatus.FAILED
    assert "matched no call" in (result.error or "")
    assert store.count() == 0


def test_registry_euraxess_selectors_work_on_the_fixtures(listing, detail):
    sources = load_sources(CONFIG_DIR / "sources.toml")
    euraxess = [s for s in sources.values() if s.type == "html_listing" and "euraxess" in s.url]
    if not euraxess:
        pytest.skip("config/sources.toml lists no EURAXESS listing")
    config = ListingConfig.from_options(euraxess[0].options)

    records = parse_listing(listing, config)

    assert len(records) == 10
    assert records[0]["title"] == "Postdoctoral Researcher"
    assert records[0]["source_key"] == "415163"
    assert len(records[0]["deadlines"]) == 1
    if config.detail:
        fields = parse_detail(detail, config)
        assert (
            fields.get("deadlines", records[0]["deadlines"])[0].at == records[0]["deadlines"][0].at
        )
