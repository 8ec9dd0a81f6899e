"""Every real feed fixture crawled through run_sources (subprocess, Scrapy) into a Store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawlers.runner import SourceRunResult, run_sources
from crawlers.sources import SourceConfig
from indexer.records import IngestOutcome, Opportunity, RunStatus
from indexer.store import Store
from tests.crawlers.conftest import FeedServer, make_settings, start_server
from tests.factories import NOW

FAST = {"AUTOTHROTTLE_START_DELAY": 0.0, "GRANTRADAR_RETRY_BACKOFF": 0.01}
FEED_DIRS = ("3_funder_feeds", "5_tricky_feeds")
NOT_FEEDS = {
    "rss-parser__unrecognized_html_not_feed.rss": "not a feed: got an HTML page",
    "feedparser__illformed_rss_empty_document.xml": "not a feed: empty document",
}


def source_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")[:60]


@dataclass
class Sweep:
    server: FeedServer
    store: Store
    results: dict[str, SourceRunResult]
    files: dict[str, Path]

    def records(self, name: str) -> list[Opportunity]:
        key = source_key(name)
        return [o for batch in self.store.iter_batches() for o in batch if o.source == key]

    def result(self, name: str) -> SourceRunResult:
        return self.results[source_key(name)]


@pytest.fixture(scope="module")
def sweep(shared_fixtures, tmp_path_factory) -> Iterator[Sweep]:
    tmp_path = tmp_path_factory.mktemp("sweep")
    server = start_server()
    settings = make_settings(tmp_path)
    store = Store(settings.resolved_database_url())
    store.create_schema()
    files = {f.name: f for d in FEED_DIRS for f in sorted((shared_fixtures / d).iterdir())}
    sources = []
    for name, file in files.items():
        url = server.serve_file(f"/{file.parent.name}/{name}", file)
        sources.append(SourceConfig(key=source_key(name), type="feed", url=url))
    results = run_sources(
        sources,
        store=store,
        backend=None,
        settings=settings,
        now=NOW,
        parallel=2,
        scrapy_overrides=FAST,
    )
    yield Sweep(server, store, {r.source: r for r in results}, files)
    server.stop()


def test_run_sources_crawls_every_fixture_without_crashing(sweep):
    assert len(sweep.results) == len(sweep.files)
    for name in sweep.files:
        result = sweep.result(name)
        if name in NOT_FEEDS:
            assert result.status is RunStatus.FAILED, name
            assert result.error is not None
            assert result.error.startswith(NOT_FEEDS[name]), result.error
        else:
            assert result.status is RunStatus.SUCCESS, (name, result.error)
            assert result.http_status == 200


def test_run_sources_records_each_run_in_the_store(sweep):
    runs = sweep.store.last_runs()
    html = runs[source_key("rss-parser__unrecognized_html_not_feed.rss")]
    assert html.status is RunStatus.FAILED
    assert html.error is not None
    assert html.error.startswith("not a feed: got an HTML page")
    jn = runs[source_key("rss-parser__encoding_jn-pt_iso-8859-1.rss")]
    assert jn.status is RunStatus.SUCCESS
    assert jn.counts[IngestOutcome.ADDED] == 40


def test_run_sources_decodes_undeclared_koi8r_as_russian(sweep):
    (record,) = sweep.records("feedparser__illformed_chardet_koi8r.xml")
    assert record.title == "Как пережить новогоднюю ночь"
    assert record.summary.startswith("Наверное, единственное")
    assert record.language == "ru"


def test_run_sources_strips_script_from_summaries(sweep):
    (record,) = sweep.records("feedparser__sanitize_entry_summary_script_cdata.xml")
    assert record.summary == "safe description"
    assert record.description_html == "safe description"
    assert "location.href" not in record.summary


def test_run_sources_reads_cp1252_quote_and_double_encoded_html(sweep):
    (quote,) = sweep.records("feedparser__encoding_demoronize-1_cp1252.xml")
    (ellipsis,) = sweep.records("feedparser__encoding_double-encoded-html.xml")
    assert quote.summary == "don’t"
    assert ellipsis.summary == "…"


def test_run_sources_resolves_xml_base_links(sweep):
    (record,) = sweep.records("feedparser__base_http_relative_xml_base.xml")
    assert record.title == "Example test"


def test_run_sources_unescapes_corrupted_ampersands_in_links(sweep):
    (record,) = sweep.records("feedparser__illformed_rss_item_link_corrupted_ampersands.xml")
    assert record.url == "http://link/get?a=1&b=2"


def test_run_sources_reads_latin1_feeds(sweep):
    jn = sweep.records("rss-parser__encoding_jn-pt_iso-8859-1.rss")
    uol = sweep.records("rss-parser__uolNoticias_no_xml_decl.rss")
    assert len(jn) == 40
    assert any(o.title.startswith("Mãe de utente") for o in jn)
    assert len(uol) == 15
    assert any("inquérito" in o.title for o in uol)
    assert all(o.posted_at is None for o in uol)  # the feed has no dates


def test_run_sources_keeps_entries_before_a_truncation(sweep):
    records = sweep.records("feedjira__InvalidDateFormat.xml")
    assert sorted(o.url for o in records) == [
        "http://example.com/item0",
        "http://example.com/item1",
    ]


def test_run_sources_keys_entries_by_guid(sweep):
    records = sweep.records("feedjira__Permalinks_guid_variants.xml")
    by_key = {o.source_key: o for o in records}
    assert set(by_key) == {f"http://example.com/{n}" for n in (1, 2, 3, 5)}
    assert by_key["http://example.com/5"].url == "http://example.com/4"


def test_run_sources_counts_entries_without_title_or_link_invalid(sweep):
    for name in ("rss-parser__missing-fields.atom", "rss-parser__incomplete-fields.atom"):
        result = sweep.result(name)
        assert result.status is RunStatus.SUCCESS
        assert result.counts[IngestOutcome.INVALID] == 1
        assert sweep.records(name) == []


def test_run_sources_reads_funder_feeds(sweep):
    hewlett = sweep.records("hewlett_foundation_wordpress_feed.xml")
    ukri = sweep.records("ukri_opportunity_feed_2item_excerpt.xml")
    assert len(hewlett) == 10
    assert all(o.source_key.startswith("https://hewlett.org/?p=") for o in hewlett)
    assert all(o.title == o.title.strip() and o.summary for o in hewlett)
    assert len(ukri) == 2
    assert all(o.url.startswith("https://www.ukri.org/opportunity/") for o in ukri)
    assert all(o.posted_at is not None and o.posted_at.tzinfo is not None for o in ukri)


def test_run_sources_sends_an_identifying_user_agent(sweep):
    agents = {r.headers.get("User-Agent") for r in sweep.server.requests}
    assert agents == {
        "GrantRadar-test/0.1 (+https://example.org/grantradar) (grants-test@example.org)"
    }
    assert any(r.path == "/robots.txt" for r in sweep.server.requests)
