"""run_sources end to end against a local server: re-crawls, changes, failures, politeness."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crawlers.runner import run_sources
from crawlers.settings import CrawlConfigError
from crawlers.sources import SourceConfig
from indexer.records import IngestOutcome, RunStatus
from indexer.schema import opportunity_changes
from tests.crawlers.conftest import make_settings
from tests.factories import NOW

FAST = {"AUTOTHROTTLE_START_DELAY": 0.0, "GRANTRADAR_RETRY_BACKOFF": 0.01}

# Written for these tests: a small RSS feed whose deadline sentence can be changed.
CALLS_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Calls</title><link>https://funder.example/</link>
<item>
  <guid isPermaLink="false">call-101</guid>
  <title>Joint research projects with Central Asian universities</title>
  <link>https://funder.example/calls/101</link>
  <pubDate>Mon, 02 Nov 2026 09:00:00 +0000</pubDate>
  <description>Research grants for joint projects. Deadline: {deadline}</description>
</item>
<item>
  <guid isPermaLink="false">call-102</guid>
  <title>Staff mobility grants</title>
  <link>https://funder.example/calls/102</link>
  <description>Mobility for academic staff.</description>
</item>
</channel></rss>
"""


def feed(deadline: str = "15 March 2027") -> str:
    return CALLS_RSS.format(deadline=deadline)


def source(key: str, url: str) -> SourceConfig:
    return SourceConfig(key=key, type="feed", url=url, funder="Example Funder")


def crawl(sources, store, settings, **kwargs):
    return run_sources(
        sources,
        store=store,
        backend=None,
        settings=settings,
        now=NOW,
        scrapy_overrides=FAST,
        **kwargs,
    )


def test_run_sources_recrawl_adds_nothing(feed_server, store, crawl_settings):
    plain = source("plain", feed_server.add("/plain.xml", feed()))
    tagged = source("tagged", feed_server.add("/tagged.xml", feed(), etag='"v1"'))
    first = crawl([plain, tagged], store, crawl_settings, parallel=2)

    second = crawl([plain, tagged], store, crawl_settings, parallel=2)

    assert [r.counts[IngestOutcome.ADDED] for r in first] == [2, 2]
    assert second[0].status is RunStatus.SUCCESS
    assert second[0].counts == {IngestOutcome.UNCHANGED: 2, IngestOutcome.INVALID: 0}
    assert second[1].status is RunStatus.NOT_MODIFIED
    assert second[1].http_status == 304
    assert feed_server.requests_to("/tagged.xml")[-1].headers["If-None-Match"] == '"v1"'
    assert store.count() == 4
    assert store.changes() == []


def test_run_sources_records_a_moved_deadline_as_one_update(feed_server, store, crawl_settings):
    calls = source("calls", feed_server.add("/calls.xml", feed("15 March 2027")))
    crawl([calls], store, crawl_settings)
    feed_server.add("/calls.xml", feed("22 March 2027"))

    (result,) = crawl([calls], store, crawl_settings)

    assert result.counts[IngestOutcome.UPDATED] == 1
    assert result.counts[IngestOutcome.UNCHANGED] == 1
    changed = {c.field for c in store.changes() if c.opportunity_id == "calls:call-101"}
    assert "deadlines" in changed
    with store.engine.connect() as conn:
        run_ids = set(conn.execute(select(opportunity_changes.c.run_id)).scalars())
    assert run_ids == {result.run_id}
    record = store.get("calls:call-101")
    assert record is not None
    assert record.deadlines[0].at.date().isoformat() == "2027-03-22"
    assert record.funder == "Example Funder"


def test_run_sources_fails_each_broken_source_alone(feed_server, store, tmp_path):
    settings = make_settings(tmp_path, crawl_timeout=1.0)
    good = source("good", feed_server.add("/good.xml", feed()))
    feed_server.add("/loop-a", status=302, location="/loop-b")
    feed_server.add("/loop-b", status=302, location="/loop-a")
    broken = [
        source("err500", feed_server.add("/500.xml", "oops", status=500)),
        source("err404", feed_server.add("/404.xml", "gone", status=404)),
        source("loop", feed_server.url("/loop-a")),
        source("slow", feed_server.add("/slow.xml", feed(), delay=3.0)),
        source("refused", "http://127.0.0.1:9/feed.xml"),
        source(
            "html",
            feed_server.add(
                "/page.html", "<html><body>Hi</body></html>", headers={"Content-Type": "text/html"}
            ),
        ),
    ]

    results = {r.source: r for r in crawl([good, *broken], store, settings, parallel=3)}

    assert results["good"].status is RunStatus.SUCCESS
    assert results["good"].counts[IngestOutcome.ADDED] == 2
    reasons = {k: r.error for k, r in results.items() if k != "good"}
    assert all(results[k].status is RunStatus.FAILED for k in reasons)
    assert reasons["err500"] is not None
    assert reasons["err500"].startswith("HTTP 500")
    assert reasons["err404"] is not None
    assert reasons["err404"].startswith("HTTP 404")
    assert reasons["loop"] is not None
    assert reasons["loop"].startswith("redirect loop")
    assert reasons["slow"] is not None
    assert reasons["slow"].startswith("timed out")
    assert reasons["refused"] == "connection refused"
    assert reasons["html"] == "not a feed: got an HTML page (text/html)"
    assert all("\n" not in reason for reason in reasons.values() if reason)
    # 5xx and timeouts are retried (twice), a 404 is not.
    assert len(feed_server.requests_to("/500.xml")) == 3
    assert len(feed_server.requests_to("/404.xml")) == 1
    runs = store.last_runs()
    assert runs["err500"].status is RunStatus.FAILED
    assert runs["err500"].http_status == 500


def test_run_sources_keeps_stored_records_when_a_source_breaks(feed_server, store, crawl_settings):
    calls = source("calls", feed_server.add("/calls.xml", feed()))
    crawl([calls], store, crawl_settings)
    feed_server.add("/calls.xml", "<html>maintenance</html>", status=503)

    (result,) = crawl([calls], store, crawl_settings)

    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert result.error.startswith("HTTP 503")
    assert store.count() == 2


def test_run_sources_kills_a_crawl_at_the_time_limit(feed_server, store, tmp_path):
    settings = make_settings(tmp_path, crawl_timeout=60.0, crawl_time_limit=5.0)
    stuck = source("stuck", feed_server.add("/stuck.xml", feed(), delay=30.0))

    (result,) = crawl([stuck], store, settings)

    assert result.status is RunStatus.FAILED
    assert result.error == "time limit of 5s exceeded; crawl killed"
    assert store.last_runs()["stuck"].error == result.error


def test_run_sources_obeys_robots_txt(feed_server, store, crawl_settings):
    feed_server.add(
        "/robots.txt",
        "User-agent: *\nDisallow: /private/\n",
        headers={"Content-Type": "text/plain"},
    )
    private = source("private", feed_server.add("/private/feed.xml", feed()))

    (result,) = crawl([private], store, crawl_settings)

    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "robots.txt" in result.error
    assert feed_server.requests_to("/private/feed.xml") == []


def test_run_sources_refuses_an_anonymous_crawl(feed_server, store, tmp_path):
    settings = make_settings(tmp_path, user_agent="  ")
    calls = source("calls", feed_server.add("/calls.xml", feed()))

    with pytest.raises(CrawlConfigError, match="GRANTRADAR_USER_AGENT"):
        crawl([calls], store, settings)

    assert store.last_runs() == {}
    assert feed_server.requests == []


def test_run_sources_reports_progress_and_skips_disabled(feed_server, store, crawl_settings):
    on = source("on", feed_server.add("/on.xml", feed()))
    off = SourceConfig(key="off", type="feed", url=feed_server.url("/off.xml"), enabled=False)
    seen = []

    results = crawl({"on": on, "off": off}, store, crawl_settings, progress=seen.append)

    assert [r.source for r in results] == ["on"]
    assert seen == results
    assert store.last_runs()["on"].finished_at is not None
    assert "off" not in store.last_runs()


def test_run_sources_fails_a_response_over_the_size_limit(feed_server, store, tmp_path):
    padding = "<!-- " + "x" * 200_000 + " -->"
    big = source(
        "big", feed_server.add("/big.xml", feed().replace("<channel>", f"<channel>{padding}"))
    )
    small = source("small", feed_server.add("/small.xml", feed()))
    settings = make_settings(tmp_path, crawl_max_bytes=50_000)

    big_result, small_result = crawl([big, small], store, settings)

    assert big_result.status is RunStatus.FAILED
    assert big_result.error
    assert "\n" not in big_result.error
    assert small_result.status is RunStatus.SUCCESS
    assert store.count() == 2
