"""The command-line contract of DESIGN section 7, driven through Flask's CLI runner."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.factories import ERASMUS_CBHE_WATER, NIH_R01_CANCER, NOW
from webapp import create_app

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test funder</title><link>http://127.0.0.1/</link>
<description>Calls</description>
<item><title>Glacier monitoring grants for Central Asia</title>
<link>http://127.0.0.1/calls/glacier</link><guid isPermaLink="false">glacier-2027</guid>
<description>Grants for glacier monitoring. Deadline: {deadline}, 17:00 CET.</description>
</item></channel></rss>
"""


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


@pytest.fixture
def feed_server(static_server):
    root, base_url = static_server
    (root / "feed.xml").write_text(FEED.format(deadline="12 February 2027"), encoding="utf-8")
    return root, base_url


@pytest.fixture
def crawl_app(tmp_path, settings, store, backend, feed_server):
    _, base_url = feed_server
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.test-feed]\ntype = "feed"\nurl = "{base_url}/feed.xml"\n'
        f'schedule = "0 6 * * *"\nfunder = "Test Funder"\n\n'
        f'[sources.broken]\ntype = "feed"\nurl = "{base_url}/missing.xml"\n',
        encoding="utf-8",
    )
    app = create_app(
        settings.model_copy(update={"sources": sources}),
        store=store,
        backend=backend,
        clock=lambda: NOW,
    )
    app.config.update(TESTING=True)
    return app


def test_search_json_prints_total_hits_and_facets(app):
    result = run(app, "search", "water", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["total"] >= 1
    hit = payload["hits"][0]
    assert hit["id"] == ERASMUS_CBHE_WATER.id
    assert {"id", "title", "url", "score", "next_deadline", "status"} <= set(hit)
    assert "funder" in payload["facets"]


@pytest.mark.parametrize(
    "text", ["R01-cancer", "AND", '"unbalanced', "*", "()", "x" * 2000, "-", "NEAR(a b)"]
)
def test_search_never_fails_on_user_text(app, text):
    result = run(app, "search", text, "--json")
    assert result.exit_code == 0, result.output
    assert "total" in json.loads(result.output)


def test_search_bad_filter_is_a_usage_error(app):
    result = run(app, "search", "water", "--filter", "colour=blue")
    assert result.exit_code == 2
    assert "unknown filter" in result.output


def test_search_filter_narrows_results(app):
    result = run(app, "search", "--filter", "programme=Erasmus+", "--json")
    payload = json.loads(result.output)
    assert [h["id"] for h in payload["hits"]] == [ERASMUS_CBHE_WATER.id]


def test_export_jsonl_and_csv_hold_every_record(app, store):
    jsonl = run(app, "export", "--format", "jsonl")
    assert jsonl.exit_code == 0
    lines = [json.loads(line) for line in jsonl.output.splitlines()]
    assert len(lines) == store.count()
    assert {"deadlines", "eligible_groups", "content_hash"} <= set(lines[0])
    rows = list(csv.DictReader(io.StringIO(run(app, "export", "--format", "csv").output)))
    assert len(rows) == store.count()


def test_changes_json_lists_the_moved_deadline(app):
    result = run(app, "changes", "--json")
    assert result.exit_code == 0
    changes = json.loads(result.output)
    assert [c["field"] for c in changes] == ["deadlines"]
    assert changes[0]["opportunity_id"] == ERASMUS_CBHE_WATER.id
    assert run(app, "changes", "--since", "not-a-date").exit_code == 2


def test_users_add_reads_the_password_from_stdin(app):
    result = run(
        app,
        "users",
        "add",
        "new@uni.example",
        "--role",
        "faculty",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    again = run(
        app,
        "users",
        "add",
        "NEW@uni.example",
        "--role",
        "faculty",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_reindex_rebuilds_the_index_from_the_store(app, store, backend):
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert f"Indexed {store.count()} record(s)" in result.output


def test_crawl_requires_sources_or_all(crawl_app):
    assert run(crawl_app, "crawl").exit_code == 2
    unknown = run(crawl_app, "crawl", "nope")
    assert unknown.exit_code == 2
    assert "unknown source" in unknown.output


def test_crawl_reports_each_source_and_fails_when_one_fails(crawl_app, feed_server, store):
    root, _ = feed_server
    result = run(crawl_app, "crawl", "--all")
    assert result.exit_code == 1
    assert "test-feed: success" in result.output
    assert "broken: failed" in result.output
    glacier = store.get("test-feed:glacier-2027")
    assert glacier is not None
    assert glacier.deadlines[0].at.isoformat() == "2027-02-12T17:00:00+01:00"

    again = run(crawl_app, "crawl", "test-feed")
    assert again.exit_code == 0
    assert "added 0" in again.output

    (root / "feed.xml").write_text(FEED.format(deadline="19 February 2027"), encoding="utf-8")
    moved = run(crawl_app, "crawl", "test-feed")
    assert "updated 1" in moved.output
    sources = json.loads(run(crawl_app, "sources", "--json").output)
    by_key = {s["key"]: s for s in sources}
    assert by_key["test-feed"]["last_run"]["counts"]["updated"] == 1
    assert by_key["broken"]["last_run"]["status"] == "failed"
    assert by_key["broken"]["last_run"]["error"]


def test_validate_source_reports_without_storing_anything(crawl_app, store):
    result = run(crawl_app, "validate-source", "test-feed", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["http_status"], report["found"], report["invalid"]) == (200, 1, [])
    assert report["coverage"]["deadlines"] == report["coverage"]["funder"] == 1.0
    assert report["items"][0]["deadlines"][0]["at"] == "2027-02-12T17:00:00+01:00"

    text = run(crawl_app, "validate-source", "test-feed", "--limit", "1")
    assert text.exit_code == 0
    assert "1 item(s) found, 0 invalid" in text.output
    assert "Glacier monitoring grants for Central Asia" in text.output

    broken = run(crawl_app, "validate-source", "broken")
    assert broken.exit_code == 1
    assert "HTTP 404" in broken.output
    assert run(crawl_app, "validate-source", "nope").exit_code == 2
    assert store.count() == 0
    assert store.last_runs() == {}


def test_import_ingests_an_export_into_another_instance(app, tmp_path, settings):
    exported = tmp_path / "calls.jsonl"
    exported.write_text(run(app, "export").output + "not json\n", encoding="utf-8")
    from indexer.store import Store
    from webapp.stores.schema import upgrade_schema

    other_settings = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'other.db'}",
            "search_path": str(tmp_path / "other-search.db"),
        }
    )
    other_store = Store(other_settings.resolved_database_url())
    other_store.create_schema()
    upgrade_schema(other_store.engine)
    other = create_app(other_settings, store=other_store, clock=lambda: NOW)
    result = run(other, "import", str(exported))
    assert result.exit_code == 1  # the one unreadable line is reported
    assert "not JSON" in result.output
    assert other_store.count() == len(exported.read_text().splitlines()) - 1
    again = run(other, "import", str(exported))
    assert "added 0" in again.output
    hits = json.loads(run(other, "search", "water", "--json").output)["hits"]
    assert hits[0]["id"] == ERASMUS_CBHE_WATER.id


def test_search_takes_an_excluded_word_as_text_not_an_option(app):
    result = run(app, "search", "research", "-epidemiology", "--json")
    assert result.exit_code == 0, result.output
    ids = [h["id"] for h in json.loads(result.output)["hits"]]
    assert ids
    assert NIH_R01_CANCER.id not in ids
    with_word = json.loads(run(app, "search", "research", "--json").output)["hits"]
    assert NIH_R01_CANCER.id in [h["id"] for h in with_word]
