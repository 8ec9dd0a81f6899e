"""The feed spider's parsing, run in-process on response objects built from bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import Request, TextResponse

from crawlers.sources import SourceConfig
from crawlers.spiders.base import OpportunitySpider, url_key
from crawlers.spiders.feed import FeedSpider, NotAFeedError, read_feed
from indexer.records import Deadline, OpportunityKind, OpportunityStatus, from_dict
from tests.factories import NOW

FEED_URL = "http://127.0.0.1:8097/feeds/calls.xml"
SOURCE = SourceConfig(
    key="calls",
    type="feed",
    url=FEED_URL,
    funder="Example Foundation",
    programme="Open Calls",
    kind=OpportunityKind.RESEARCH_GRANT,
    tags=("foundation",),
)

# Written for these tests (not a fixture copy): an Atom feed with a relative
# Content-Location, relative links, a deadline sentence, HTML and categories.
ATOM_CALLS = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Calls</title>
  <entry>
    <id>urn:call:water-2027</id>
    <title type="html">Water &lt;em&gt;management&lt;/em&gt; fellowships</title>
    <link href="calls/water-2027"/>
    <updated>2026-11-20T10:00:00+06:00</updated>
    <category term="water"/><category term="Central Asia"/><category term="water"/>
    <content type="html">&lt;p&gt;Fellowships for water research.&lt;/p&gt;
      &lt;p&gt;Deadline: 15 March 2027&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</content>
  </entry>
  <entry>
    <title>No identifier, only a link</title>
    <link href="/calls/other"/>
  </entry>
</feed>
"""


def parse(body: bytes, headers: dict[str, str] | None = None, source: SourceConfig = SOURCE):
    spider = FeedSpider(source=source, now=NOW)
    response = TextResponse(
        url=source.url,
        body=body,
        headers=headers or {"Content-Type": "application/xml"},
        request=Request(source.url),
    )
    return spider, list(spider.parse(response))


def tricky(shared_fixtures, name: str) -> bytes:
    return (shared_fixtures / "5_tricky_feeds" / name).read_bytes()


def test_parse_maps_entry_fields():
    spider, items = parse(ATOM_CALLS, {"Content-Type": "application/atom+xml"})

    first = from_dict(items[0])
    assert first.id == "calls:urn:call:water-2027"
    assert first.title == "Water management fellowships"
    assert first.url == "http://127.0.0.1:8097/feeds/calls/water-2027"
    assert first.posted_at == datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    assert first.deadlines[0].at.date().isoformat() == "2027-03-15"
    assert first.status is OpportunityStatus.OPEN
    assert first.kind is OpportunityKind.FELLOWSHIP
    assert first.keywords == ("water", "Central Asia")
    assert first.funder == "Example Foundation"
    assert first.programme == "Open Calls"
    assert first.tags == ("foundation",)
    assert first.fetched_at == NOW
    assert "Fellowships for water research." in first.summary
    assert "<script" not in first.description_html
    assert "alert" not in first.description_html
    assert spider.result.error is None


def test_parse_keys_entries_without_id_by_their_link():
    _, items = parse(ATOM_CALLS)

    second = from_dict(items[1])
    assert second.url == "http://127.0.0.1:8097/calls/other"
    assert second.source_key == url_key("http://127.0.0.1:8097/calls/other")


def test_parse_resolves_links_against_a_relative_content_location():
    headers = {"Content-Type": "application/atom+xml", "Content-Location": "/mirror/feed.xml"}

    _, items = parse(ATOM_CALLS, headers)

    assert items[0]["url"] == "http://127.0.0.1:8097/mirror/calls/water-2027"


def test_parse_fails_on_an_html_page(shared_fixtures):
    body = tricky(shared_fixtures, "rss-parser__unrecognized_html_not_feed.rss")

    spider, items = parse(body, {"Content-Type": "text/html"})

    assert items == []
    assert spider.result.error == "not a feed: got an HTML page (text/html)"


def test_parse_fails_on_an_empty_document(shared_fixtures):
    body = tricky(shared_fixtures, "feedparser__illformed_rss_empty_document.xml")

    spider, items = parse(body)

    assert items == []
    assert spider.result.error == "not a feed: empty document"


def test_read_feed_rejects_an_empty_body():
    with pytest.raises(NotAFeedError, match="empty document"):
        read_feed(b"  \n", url=FEED_URL)


def test_read_feed_rejects_xml_that_is_not_a_feed():
    with pytest.raises(NotAFeedError, match="no RSS or Atom root element"):
        read_feed(b"<?xml version='1.0'?><catalog><book/></catalog>", url=FEED_URL)


def test_read_feed_detects_undeclared_koi8r(shared_fixtures):
    parsed = read_feed(
        tricky(shared_fixtures, "feedparser__illformed_chardet_koi8r.xml"), url=FEED_URL
    )

    assert parsed.entries[0].title == "Как пережить новогоднюю ночь"


def test_read_feed_keeps_western_default_for_undeclared_latin1(shared_fixtures):
    parsed = read_feed(
        tricky(shared_fixtures, "rss-parser__uolNoticias_no_xml_decl.rss"), url=FEED_URL
    )

    titles = " ".join(e.title for e in parsed.entries)
    assert "inquérito" in titles


def test_read_feed_honours_http_charset():
    body = "<rss version='2.0'><channel><item><title>Грант</title></item></channel></rss>"

    parsed = read_feed(
        body.encode("cp1251"),
        url=FEED_URL,
        content_type="application/rss+xml; charset=windows-1251",
    )

    assert parsed.entries[0].title == "Грант"


def test_read_feed_decodes_utf16_with_bom():
    body = "<rss version='2.0'><channel><item><title>Стипендия</title></item></channel></rss>"

    parsed = read_feed(body.encode("utf-16"), url=FEED_URL)

    assert parsed.entries[0].title == "Стипендия"


def test_parse_keeps_entries_read_before_a_truncation(shared_fixtures):
    spider, items = parse(tricky(shared_fixtures, "feedjira__InvalidDateFormat.xml"))

    assert [i["title"] for i in items] == [
        "Item 0 with an invalid date",
        "Item 1 with all valid dates",
    ]
    assert items[0]["posted_at"] == "2017-10-16T15:10:00+00:00"
    assert spider.result.error is None
    assert spider.result.warnings  # the malformation is reported, not fatal


def test_parse_names_untitled_entries_by_their_text(shared_fixtures):
    _, items = parse(tricky(shared_fixtures, "feedparser__sanitize_entry_summary_script_cdata.xml"))

    assert items[0]["title"] == "safe description"
    assert items[0]["url"] == FEED_URL  # no link of its own: the feed's address


def test_parse_leaves_entries_without_title_or_link_invalid(shared_fixtures):
    _, items = parse(tricky(shared_fixtures, "rss-parser__missing-fields.atom"))

    with pytest.raises(ValueError, match="title"):
        from_dict(items[0])


def test_parse_returns_nothing_on_not_modified():
    spider = FeedSpider(
        source=SOURCE, now=NOW, fetch_state={"etag": '"abc"', "last_modified": None}
    )
    response = TextResponse(url=FEED_URL, status=304, body=b"", request=Request(FEED_URL))

    assert list(spider.parse(response)) == []
    assert spider.result.not_modified is True


def test_initial_requests_send_stored_validators():
    state = {"etag": '"v7"', "last_modified": "Wed, 25 Nov 2026 10:00:00 GMT"}
    spider = FeedSpider(source=SOURCE, now=NOW, fetch_state=state)

    (request,) = list(spider.initial_requests())

    assert request.headers.get("If-None-Match") == b'"v7"'
    assert request.headers.get("If-Modified-Since") == b"Wed, 25 Nov 2026 10:00:00 GMT"
    assert request.meta["handle_httpstatus_list"] == [304]


def test_make_item_applies_source_defaults_and_derives_status():
    spider = OpportunitySpider(source=SOURCE, now=NOW)

    item = spider.make_item(
        source_key=" CALL-9 ",
        url="https://x.org/9",
        title="  Closed   call ",
        deadlines=(Deadline(datetime(2026, 1, 1, tzinfo=UTC), "Deadline"),),
        status=OpportunityStatus.OPEN,
        tags=("extra",),
    )

    assert item["id"] == "calls:CALL-9"
    assert item["title"] == "Closed call"
    assert item["status"] == "closed"  # dates beat the source's flag
    assert item["kind"] == "research_grant"
    assert item["tags"] == ["foundation", "extra"]
    assert item["fetched_at"] == NOW.isoformat()


def test_make_item_uses_the_source_flag_without_dates():
    spider = OpportunitySpider(source=SOURCE, now=NOW)

    item = spider.make_item(source_key="K", url="https://x.org/k", title="T", status="forthcoming")

    assert item["status"] == "forthcoming"
