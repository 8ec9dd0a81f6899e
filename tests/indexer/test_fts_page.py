"""Page selection and facet storage of the SQLite FTS5 backend on a real file."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from indexer import fts_page
from indexer.backend import SearchQuery
from indexer.records import Deadline, OpportunityStatus
from indexer.sqlite_fts import SqliteFtsBackend
from tests.factories import NOW, make_opportunity

# Same text shape, so bm25 ties in groups; deadlines and ids break the ties.
TIED = tuple(
    make_opportunity(
        source_key=f"TIE-{n:02d}",
        title="Water research call" if n % 3 else "Water research grant",
        deadlines=(Deadline(NOW + timedelta(days=10 + n % 4), "Deadline"),),
        funder=f"Funder {n % 2}",
        status=OpportunityStatus.CLOSED if n % 5 == 0 else OpportunityStatus.OPEN,
    )
    for n in range(30)
)
ALL_STATUSES = ("open", "forthcoming", "closed")


@pytest.fixture
def backend(tmp_path):
    backend = SqliteFtsBackend(tmp_path / "search.db")
    backend.upsert(TIED)
    yield backend
    backend.close()


def pages(backend, per_page):
    found = []
    for page in range(1, 30 // per_page + 2):
        query = SearchQuery(
            text="water research",
            filters={"status": ALL_STATUSES},
            page=page,
            per_page=per_page,
            now=NOW,
        )
        found += [(hit.score, hit.next_deadline, hit.id) for hit in backend.search(query).hits]
    return found


def test_select_page_ties_follow_deadline_then_id(backend):
    found = pages(backend, 30)
    assert len(found) == 30
    # Higher score first, then the sooner deadline, then the id.
    assert found == sorted(found, key=lambda h: (-h[0], h[1], h[2]))


@pytest.mark.parametrize("per_page", [1, 4, 7])
def test_select_page_pages_join_into_the_full_order(backend, per_page):
    assert pages(backend, per_page) == pages(backend, 30)


@pytest.mark.parametrize("per_page", [1, 4, 7])
def test_select_page_falls_back_when_ties_pass_the_cut(backend, monkeypatch, per_page):
    expected = pages(backend, per_page)
    monkeypatch.setattr(fts_page, "MARGIN", 1)
    assert pages(backend, per_page) == expected


def test_search_upgrades_an_index_without_facet_tables(tmp_path):
    path = tmp_path / "search.db"
    backend = SqliteFtsBackend(path)
    backend.upsert(TIED)
    backend.close()
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "DROP TABLE hot_facet; DROP TABLE archive_facet; DROP TABLE facet_value;"
            " PRAGMA user_version = 0;"
        )
    reopened = SqliteFtsBackend(path)
    page = reopened.search(SearchQuery(filters={"status": ALL_STATUSES}, now=NOW))
    reopened.close()
    assert page.total == 30
    assert {f.value: f.count for f in page.facets["funder"]} == {"Funder 0": 15, "Funder 1": 15}
    assert {f.value: f.count for f in page.facets["status"]} == {"open": 24, "closed": 6}
    assert {f.value: f.count for f in page.facets["closing"]} == {"30": 30, "90": 30}
