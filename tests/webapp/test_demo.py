"""The demo feeds, the local demo server, the demo accounts and loading the demo for real."""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from config.settings import Settings
from crawlers.sources import load_sources
from indexer.backend import SearchQuery
from indexer.factory import make_backend
from indexer.records import IngestOutcome, OpportunityStatus, RunStatus
from indexer.store import Store
from tests.factories import NOW, TODAY
from webapp.demo import (
    DEMO_ROOT,
    DemoServer,
    demo_sources,
    load_demo,
    load_demo_accounts,
    render_placeholders,
)
from webapp.demo_server import DemoTemplateError
from webapp.stores.schema import upgrade_schema
from webapp.stores.users import Role, verify_password

ATOM = "{http://www.w3.org/2005/Atom}"
DEMO_NOTICE = "Demo data, not real calls"
FEED_FILES = sorted(p for p in (DEMO_ROOT / "feeds").iterdir() if p.suffix in (".xml", ".atom"))


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """Return (status, headers, body); http.client so no proxy setting can interfere."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def feed_items(root: ET.Element) -> list[dict[str, str]]:
    """Return id, title, link and description of every RSS item or Atom entry."""
    items = [
        {
            "id": item.findtext("guid") or "",
            "title": item.findtext("title") or "",
            "link": item.findtext("link") or "",
            "description": item.findtext("description") or "",
        }
        for item in root.iter("item")
    ]
    for entry in root.iter(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        items.append(
            {
                "id": entry.findtext(f"{ATOM}id") or "",
                "title": entry.findtext(f"{ATOM}title") or "",
                "link": link.get("href", "") if link is not None else "",
                "description": entry.findtext(f"{ATOM}content")
                or entry.findtext(f"{ATOM}summary")
                or "",
            }
        )
    return items


@pytest.fixture(scope="module")
def server():
    with DemoServer(DEMO_ROOT, TODAY) as running:
        yield running


@pytest.fixture(scope="module")
def served(server) -> dict[str, ET.Element]:
    documents = {}
    for path in server.paths:
        status, _, body = fetch(server.base_url + path)
        assert status == 200, path
        documents[path] = ET.fromstring(body)
    return documents


# --- placeholders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{date:+14}}", "12 December 2026"),
        ("{{date:-30}}", "29 October 2026"),
        ("{{ date : +0 }}", "28 November 2026"),
        ("{{date_us:+14}}", "December 12, 2026"),
        ("{{date_ru:+40}}", "7 января 2027"),
        ("{{date_tr:+100}}", "8 Mart 2027"),
        ("{{iso:+33}}", "2026-12-31"),
        ("{{year:+34}}", "2027"),
        ("{{rfc822:-3}}", "Wed, 25 Nov 2026 08:30:00 +0000"),
        ("{{rfc3339:+1}}", "2026-11-29T08:30:00Z"),
        ("{{cet:+10}}", "CET"),
        ("{{cet:+150}}", "CEST"),
        ("Deadline: {{date:+3}}, 17:00 {{cet:+3}}", "Deadline: 1 December 2026, 17:00 CET"),
    ],
)
def test_render_placeholders_formats_dates_relative_to_today(template, expected):
    assert render_placeholders(template, TODAY) == expected


def test_render_placeholders_fills_plain_values_and_rejects_unknown_ones():
    assert render_placeholders("{{base_url}}/x", TODAY, {"base_url": "http://h"}) == "http://h/x"
    with pytest.raises(DemoTemplateError):
        render_placeholders("{{weekday:+1}}", TODAY)
    with pytest.raises(DemoTemplateError):
        render_placeholders("{{date}}", TODAY)


# --- the documents --------------------------------------------------------------------------


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_demo_document_is_well_formed_and_marked_as_demo_data(path):
    root = ET.fromstring(path.read_bytes())
    notice = root.findtext("./channel/description") or root.findtext(f"{ATOM}subtitle") or ""
    assert DEMO_NOTICE in notice
    items = feed_items(root)
    assert items
    for item in items:
        assert item["id"].startswith(("grantradar-demo:", "urn:grantradar-demo:"))
        assert item["title"]
        assert item["link"].startswith("https://demo.grantradar.invalid/")
        assert "<p>" in item["description"]


def test_demo_documents_hold_enough_varied_calls():
    items = [i for p in FEED_FILES for i in feed_items(ET.fromstring(p.read_bytes()))]
    texts = [i["description"] for i in items]
    assert len(items) >= 36
    assert len({i["id"] for i in items}) == len(items)
    assert sum("Stage 2 deadline" in t for t in texts) >= 2
    assert sum("Срок подачи" in t for t in texts) >= 3
    assert sum("Kyrgyzstan" in t or "Region 6" in t for t in texts) >= 10
    assert {"EUR", "USD", "GBP"} <= {c for t in texts for c in ("EUR", "USD", "GBP") if c in t}


# --- the server --------------------------------------------------------------------------


def test_demo_server_serves_rendered_feeds_with_their_content_types(server, served):
    assert {p.rsplit("/", 1)[-1] for p in served} == {p.name for p in FEED_FILES}
    for path in served:
        _, headers, body = fetch(server.base_url + path)
        assert b"{{" not in body
        expected = "atom" if path.endswith(".atom") else "rss"
        assert headers["Content-Type"] == f"application/{expected}+xml; charset=utf-8"


def test_demo_server_feeds_hold_at_least_30_items_with_rendered_dates(served):
    items = [item for root in served.values() for item in feed_items(root)]
    assert len(items) >= 30
    published = [
        parsedate_to_datetime(el.text or "")
        for root in served.values()
        for el in root.iter("pubDate")
    ]
    assert published
    assert all(TODAY - timedelta(days=200) <= p.date() <= TODAY for p in published)


def test_demo_server_answers_conditional_requests_with_304(server):
    url = server.base_url + "/feeds/erasmus-plus.xml"
    status, headers, _ = fetch(url)
    assert status == 200
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def test_demo_server_etag_changes_with_the_day():
    with DemoServer(DEMO_ROOT, TODAY + timedelta(days=1)) as later:
        _, headers, _ = fetch(later.base_url + "/feeds/daad.xml")
    with DemoServer(DEMO_ROOT, TODAY) as today:
        _, same_day, _ = fetch(today.base_url + "/feeds/daad.xml")
    assert headers["ETag"] != same_day["ETag"]


def test_demo_server_serves_robots_txt_head_and_404(server):
    status, headers, body = fetch(server.base_url + "/robots.txt")
    assert status == 200
    assert body == b"User-agent: *\nAllow: /\n"
    status, headers, body = fetch(server.base_url + "/feeds/jica.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 0
    assert fetch(server.base_url + "/feeds/missing.xml")[0] == 404
    assert b"jica.xml" in fetch(server.base_url + "/")[2]


def test_demo_server_stops_and_frees_its_port():
    demo = DemoServer(DEMO_ROOT, TODAY).start()
    base_url = demo.base_url
    demo.stop()
    with pytest.raises(ConnectionRefusedError):
        fetch(base_url + "/robots.txt")
    with pytest.raises(RuntimeError):
        _ = demo.base_url


# --- sources and accounts ----------------------------------------------------------------------


def test_demo_sources_point_at_the_server(server, tmp_path):
    path = demo_sources(server.base_url, tmp_path / "instance" / "demo-sources.toml")
    sources = load_sources(path)
    assert len(sources) == len(FEED_FILES)
    for source in sources.values():
        assert source.type == "feed"
        assert source.url.startswith(server.base_url + "/feeds/")
        assert source.funder
        assert fetch(source.url)[0] == 200


def test_load_demo_accounts_gives_faculty_staff_and_admin():
    accounts = load_demo_accounts()
    assert {a.role for a in accounts} == {Role.FACULTY, Role.STAFF, Role.ADMIN}
    faculty = next(a for a in accounts if a.role == Role.FACULTY)
    assert "water management" in faculty.keywords
    assert all(len(a.password) >= 10 and a.display_name for a in accounts)


def test_load_demo_accounts_rejects_an_account_without_password(tmp_path):
    path = tmp_path / "accounts.toml"
    path.write_text('[[accounts]]\nemail = "a@b.org"\nrole = "admin"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="password"):
        load_demo_accounts(path)


# --- loading the demo through the real crawlers -----------------------------------------------


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-load")
    settings = Settings(
        instance_dir=tmp,
        database_url=f"sqlite:///{tmp / 'grantradar.db'}",
        search_path=str(tmp / "search.db"),
    )
    store = Store(settings.resolved_database_url())
    store.create_schema()
    upgrade_schema(store.engine)
    backend = make_backend(settings)
    backend.ensure_ready()
    seen = []
    report = load_demo(settings, store=store, backend=backend, now=NOW, progress=seen.append)
    return settings, store, backend, report, seen


def test_load_demo_crawls_every_source_into_the_store(loaded):
    _, store, _, report, seen = loaded
    assert [r.source for r in seen] == [r.source for r in report.results]
    assert report.failed == []
    assert report.counts[IngestOutcome.ADDED] >= 30
    assert report.counts[IngestOutcome.INVALID] == 0
    assert store.count() == report.counts[IngestOutcome.ADDED]
    rendered = report.sources_path.read_text(encoding="utf-8")
    assert rendered.count(f'url = "{report.base_url}/feeds/') == len(seen)


def test_load_demo_makes_the_calls_searchable(loaded):
    _, _, backend, _, _ = loaded
    page = backend.search(SearchQuery(text="water", now=NOW, per_page=50))
    assert page.total >= 5
    assert any(hit.id.startswith("demo-horizon-europe:") for hit in page.hits)
    russian = backend.search(SearchQuery(text="водные ресурсы", now=NOW))
    assert russian.hits[0].id == (
        "demo-kg-ministry:grantradar-demo:kg-ministry:konkurs-vodnye-resursy"
    )


def test_load_demo_records_have_deadlines_statuses_and_languages(loaded):
    _, store, _, _, _ = loaded
    records = [r for batch in store.iter_batches() for r in batch]
    assert all(r.deadlines for r in records)
    statuses = [r.status for r in records]
    assert statuses.count(OpportunityStatus.OPEN) >= 25
    assert statuses.count(OpportunityStatus.CLOSED) >= 8
    soon = [r for r in records if (d := r.next_deadline(NOW)) and d.at - NOW <= timedelta(days=14)]
    assert len(soon) >= 5
    two_stage = [r for r in records if len(r.deadlines) == 2]
    assert len(two_stage) >= 2
    assert any(r.status is OpportunityStatus.OPEN for r in two_stage)  # stage 1 past, stage 2 not
    assert sum(r.language == "ru" for r in records) >= 3
    cbhe = store.get("demo-erasmus-plus:grantradar-demo:erasmus-plus:cbhe-central-asia")
    assert cbhe is not None
    assert cbhe.funder == "European Commission"
    assert cbhe.programme == "Erasmus+"
    assert cbhe.deadlines[0].at.date() == date(2027, 1, 12)


def test_load_demo_creates_accounts_that_can_sign_in(loaded):
    _, store, _, report, _ = loaded
    assert report.created == [a.email for a in report.accounts]
    admin = next(a for a in report.accounts if a.role == "admin")
    user = verify_password(store.engine, admin.email, admin.password)
    assert user is not None
    assert user.role is Role.ADMIN


def test_load_demo_again_adds_nothing(loaded):
    settings, store, backend, _, _ = loaded
    before = store.count()
    again = load_demo(settings, store=store, backend=backend, now=NOW)
    assert again.failed == []
    assert again.counts[IngestOutcome.ADDED] == 0
    assert again.counts[IngestOutcome.UPDATED] == 0
    assert {r.status for r in again.results} <= {RunStatus.SUCCESS, RunStatus.NOT_MODIFIED}
    assert again.created == []
    assert store.count() == before
