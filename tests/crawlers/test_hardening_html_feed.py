"""Property-based hardening of the HTML-listing parser and the feed reader/entry mapping.

Starts from the real EURAXESS pages (../shared/fixtures/4_html_listings) and the real
feeds (../shared/fixtures/3_funder_feeds, 5_tricky_feeds), and damages them.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, TextResponse

from crawlers.parsers.html_listing import (
    ListingConfig,
    ListingConfigError,
    deadlines_in,
    next_page_url,
    parse_detail,
    parse_listing,
)
from crawlers.sources import SourceConfig
from crawlers.spiders.feed import FeedSpider, NotAFeedError, read_feed
from tests.conftest import SHARED_FIXTURES
from tests.crawlers.hardening import HARDENING, NASTY_STRINGS, assert_aware, check_item, spider
from tests.factories import NOW

LISTING = SHARED_FIXTURES / "4_html_listings" / "euraxess_jobs_search_results.html"
DETAIL = SHARED_FIXTURES / "4_html_listings" / "euraxess_job_detail.html"
FEEDS = sorted(
    [*SHARED_FIXTURES.glob("3_funder_feeds/*"), *SHARED_FIXTURES.glob("5_tricky_feeds/*")]
)
pytestmark = pytest.mark.skipif(not LISTING.is_file(), reason="shared fixtures absent")
URL = "https://euraxess.ec.europa.eu/jobs/search"
OPTIONS = {
    "item": "article.ecl-content-item",
    "title": "h3 a ::text",
    "link": "h3 a::attr(href)",
    "deadline": ".id-Application-Deadline",
    "summary": ".ecl-content-block__description",
    "next_page": ".ecl-pagination__item--next a::attr(href)",
    "key_pattern": r"/jobs/(\d+)",
    "detail": {
        "title": "h1.ecl-content-block__title",
        "deadline": "xpath://dt[normalize-space()='Application Deadline']/following-sibling::dd[1]",
        "description": "xpath://h2[@id='offer-description']/following-sibling::*[1]",
    },
}
CONFIG = ListingConfig.from_options(OPTIONS)
LISTING_HTML = LISTING.read_text(encoding="utf-8") if LISTING.is_file() else ""
DETAIL_HTML = DETAIL.read_text(encoding="utf-8") if DETAIL.is_file() else ""
HREFS = (
    "javascript:void(0)",
    "mailto:jobs@example.org",
    "http://[invalid",
    "//euraxess.ec.europa.eu/jobs/1",
    "",
    " ",
    "?page=2",
    "../../../../jobs/9",
    "https://euraxess.ec.europa.eu/jobs/" + "9" * 500,
)
damage = st.one_of(st.sampled_from(NASTY_STRINGS), st.sampled_from(HREFS), st.text(max_size=20))


@st.composite
def damaged_html(draw: st.DrawFn, html: str) -> str:
    """Replace a few slices of real HTML (inside text, attributes or tags) with junk."""
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        start = draw(st.integers(min_value=0, max_value=max(len(html) - 1, 0)))
        length = draw(st.integers(min_value=0, max_value=200))
        html = html[:start] + draw(damage) + html[start + length :]
    if draw(st.booleans()):
        html = html[: draw(st.integers(min_value=0, max_value=len(html)))]  # truncated
    return html


def _response(html: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8", "replace"), encoding="utf-8")


def _check(fields: dict) -> None:
    assert_aware(fields.get("deadlines", ()))
    check_item(spider("html_listing").make_item(**fields))


@HARDENING
@given(html=damaged_html(LISTING_HTML))
def test_parse_listing_survives_damaged_listing(html):
    response = _response(html)
    for fields in parse_listing(response, CONFIG):
        assert fields["url"].startswith(("http://", "https://"))
        _check(fields)
    following = next_page_url(response, CONFIG)
    assert following is None or following.startswith(("http://", "https://"))


@HARDENING
@given(html=damaged_html(DETAIL_HTML))
def test_parse_detail_survives_damaged_detail_page(html):
    fields = parse_detail(_response(html, "https://euraxess.ec.europa.eu/jobs/415163"), CONFIG)
    _check({"source_key": "415163", "url": "https://euraxess.ec.europa.eu/jobs/415163",
            "title": "T", **fields})  # fmt: skip


@HARDENING
@given(text=damage, tz=st.sampled_from(["Europe/Brussels", "Nowhere/Else", "+99", ""]))
def test_deadlines_in_survives_junk(text, tz):
    assert_aware(deadlines_in(f"{text} (Mars/Olympus) 12 Apr 2026 - 23:59", tz))


def test_deadlines_in_keeps_default_zone_when_named_zone_is_unknown():
    [deadline] = deadlines_in("12 Apr 2026 - 23:59 (Mars/Olympus)", "Europe/Lisbon")

    assert str(deadline.at.tzinfo) == "Europe/Lisbon"


@pytest.mark.parametrize(
    "options",
    [
        {**OPTIONS, "item": "article[["},
        {**OPTIONS, "title": "xpath://h3[@"},
        {**OPTIONS, "detail": {"deadline": "dt::text(("}},
        {**OPTIONS, "key_pattern": "/jobs/(\\d+"},
        {**OPTIONS, "deadline_tz": "Mars/Olympus"},
    ],
)
def test_listing_config_from_options_rejects_broken_selectors(options):
    with pytest.raises(ListingConfigError):
        ListingConfig.from_options(options)


def test_parse_listing_skips_links_that_are_not_web_pages():
    html = (
        "<article class='ecl-content-item'><h3><a href='javascript:void(0)'>A</a></h3></article>"
        "<article class='ecl-content-item'><h3><a href='http://[bad'>B</a></h3></article>"
        "<article class='ecl-content-item'><h3><a href='/jobs/7'>C</a></h3></article>"
    )

    records = parse_listing(_response(html), CONFIG)

    assert [r["url"] for r in records] == ["https://euraxess.ec.europa.eu/jobs/7"]


def test_parse_listing_on_a_response_that_is_not_html_returns_nothing():
    response = TextResponse(url=URL, body=b'{"not": "html"}', encoding="utf-8")

    assert parse_listing(response, CONFIG) == []


FEED_BODIES = [path.read_bytes() for path in FEEDS]
FEED_SPIDER = FeedSpider(
    SourceConfig.from_dict({"key": "feed", "type": "feed", "url": "http://127.0.0.1/feed"}),
    now=NOW,
)


@st.composite
def damaged_feed(draw: st.DrawFn) -> bytes:
    body = draw(st.sampled_from(FEED_BODIES)) if FEED_BODIES else b""
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        start = draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))
        length = draw(st.integers(min_value=0, max_value=80))
        junk = draw(st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=20)))
        raw = (
            junk.encode("utf-8", "replace") if draw(st.booleans()) else draw(st.binary(max_size=20))
        )
        body = body[:start] + raw + body[start + length :]
    if draw(st.booleans()):
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]
    return body


@HARDENING
@given(
    body=damaged_feed(),
    content_type=st.sampled_from(
        ["", "text/xml", "text/html", "application/rss+xml; charset=koi8-r"]
    ),
)
def test_read_feed_and_entry_item_survive_damaged_feeds(body, content_type):
    try:
        parsed = read_feed(body, url="http://127.0.0.1/feed", content_type=content_type)
    except NotAFeedError:
        return  # a clean "not a feed" failure is an accepted outcome
    for entry in parsed.entries:
        item = FEED_SPIDER.entry_item(entry, "http://127.0.0.1/feed", "http://127.0.0.1/")
        check_item(item)
