"""Integration tests of SqliteFtsBackend on a real file under tmp_path."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from indexer.backend import SearchQuery, SortOrder
from indexer.records import Deadline, Money, OpportunityKind, OpportunityStatus
from indexer.sqlite_fts import SqliteFtsBackend
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
    make_opportunity,
)

WATER_IN_TITLE = make_opportunity(
    source_key="W-TITLE",
    title="Water security research",
    summary="Projects on catchments.",
    keywords=("hydrology",),
)
WATER_IN_BODY = make_opportunity(
    source_key="W-BODY",
    title="Regional cooperation call",
    summary="Cooperation projects.",
    description_html="<p>Topics include <b>water</b> &amp; soil.</p>",
    funder="Other Funder",
    budget_total=Money(Decimal("20000"), "USD"),
)
MARKUP = make_opportunity(
    source_key="MARKUP",
    title="Museum prize",
    summary='Prize for <script>alert("x")</script> museums & archives.',
    kind=OpportunityKind.PRIZE,
    deadlines=(),
)
RECORDS = (
    ERASMUS_CBHE_WATER,
    NIH_R01_CANCER,
    HORIZON_TWO_STAGE_CLIMATE,
    DAAD_CLOSED_FELLOWSHIP,
    WATER_IN_TITLE,
    WATER_IN_BODY,
    MARKUP,
)


@pytest.fixture
def backend(tmp_path):
    backend = SqliteFtsBackend(tmp_path / "index" / "search.db")
    backend.ensure_ready()
    backend.upsert(RECORDS)
    yield backend
    backend.close()


def search(backend, text="", **kwargs):
    kwargs.setdefault("now", NOW)
    return backend.search(SearchQuery(text=text, **kwargs))


def ids(page):
    return [h.id for h in page.hits]


def table_ids(path, table):
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}


def test_search_empty_index_returns_empty_page(tmp_path):
    page = SqliteFtsBackend(tmp_path / "fresh.db").search(SearchQuery(text="water", now=NOW))
    assert (page.total, page.hits) == (0, ())
    assert page.facets["funder"] == ()


def test_search_title_match_ranks_first(backend):
    hits = search(backend, "water").hits
    assert hits[0].id == WATER_IN_TITLE.id
    assert hits[-1].id == WATER_IN_BODY.id
    assert hits[0].score > hits[-1].score > 0


def test_search_hit_fields_and_next_deadline_move_with_now(backend):
    (hit,) = search(backend, "climate adaptation").hits
    assert hit.next_deadline == NOW + timedelta(days=20)
    assert hit.call_id == "HORIZON-CL5-2027-D1-01"
    later = search(backend, "climate adaptation", now=NOW + timedelta(days=30)).hits[0]
    assert later.next_deadline == NOW + timedelta(days=160)


def test_search_snippet_escapes_and_marks(backend):
    (hit,) = search(backend, "museums").hits
    assert "<mark>museums</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    (body,) = search(backend, "soil").hits
    assert "<mark>soil</mark>" in body.snippet_html


def test_search_browse_snippet_is_summary_start(backend):
    page = search(backend, filters={"kind": ("prize",)})
    assert page.hits[0].snippet_html.startswith("Prize for &lt;script&gt;")
    assert page.hits[0].score == 0.0


@pytest.mark.parametrize(
    "text",
    ["R01-cancer", "AND", "OR", "NOT", '"unbalanced', "*", "()", ":", "^", "", "?!", "x" * 2000],
)
def test_search_hostile_text_returns_a_page(backend, text):
    page = search(backend, text)
    assert page.total >= 0


def test_search_hostile_text_finds_the_call(backend):
    assert ids(search(backend, "R01-cancer")) == [NIH_R01_CANCER.id]
    assert ids(search(backend, '"unbalanced cancer')) == []
    assert ids(search(backend, "cancer AND epidemiology")) == [NIH_R01_CANCER.id]


def test_search_exclusion_only_browses_the_rest(backend):
    found = set(ids(search(backend, "-water")))
    assert found == {NIH_R01_CANCER.id, HORIZON_TWO_STAGE_CLIMATE.id, MARKUP.id}


def test_search_archive_only_with_closed_status(backend):
    assert ids(search(backend, "DAAD")) == []
    assert ids(search(backend, "DAAD", filters={"status": ("closed",)})) == [
        DAAD_CLOSED_FELLOWSHIP.id
    ]
    both = search(backend, filters={"status": ("open", "closed")})
    assert both.total == len(RECORDS)


def test_search_filters_and_budget(backend):
    assert ids(search(backend, filters={"funder": ("Other Funder",)})) == [WATER_IN_BODY.id]
    assert set(ids(search(backend, "water", filters={"eligible_country": ("KG", "US")}))) == {
        ERASMUS_CBHE_WATER.id
    }
    small = search(backend, budget_max=Decimal("600000"))
    assert set(ids(small)) == {WATER_IN_BODY.id, NIH_R01_CANCER.id}


def test_search_facets_count_every_result_not_the_page(backend):
    page = search(backend, per_page=1)
    assert len(page.hits) == 1
    assert page.total == 6
    funders = {f.value: f.count for f in page.facets["funder"]}
    assert funders["Example Funder"] == 2
    assert [f.count for f in page.facets["kind"]] == sorted(
        (f.count for f in page.facets["kind"]), reverse=True
    )
    assert {f.value: f.count for f in page.facets["closing"]} == {"30": 1, "90": 6 - 1}


def test_search_pagination_is_exact(backend):
    pages = [search(backend, page=n, per_page=4, sort=SortOrder.DEADLINE) for n in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [4, 2, 0]
    assert {p.total for p in pages} == {6}
    assert len({i for p in pages for i in ids(p)}) == 6


def test_search_newest_uses_posted_then_first_seen(tmp_path):
    backend = SqliteFtsBackend(tmp_path / "s.db")
    old = make_opportunity(source_key="OLD", posted_at=NOW - timedelta(days=9))
    seen = make_opportunity(source_key="SEEN", posted_at=None, first_seen=NOW)
    backend.upsert([old, seen])
    assert ids(search(backend, sort=SortOrder.NEWEST)) == [seen.id, old.id]


def test_upsert_moves_record_between_partitions(backend):
    db = backend.path
    closed = dataclasses.replace(WATER_IN_TITLE, status=OpportunityStatus.CLOSED)
    backend.upsert([closed])
    assert closed.id in table_ids(db, "archive_meta")
    assert closed.id not in table_ids(db, "hot_meta")
    assert WATER_IN_TITLE.id not in ids(search(backend, "water"))
    backend.upsert([WATER_IN_TITLE])
    assert WATER_IN_TITLE.id in table_ids(db, "hot_meta")
    assert WATER_IN_TITLE.id not in table_ids(db, "archive_meta")


def test_upsert_replaces_text(backend):
    backend.upsert([dataclasses.replace(WATER_IN_TITLE, title="Glacier research")])
    assert ids(search(backend, "glacier")) == [WATER_IN_TITLE.id]
    assert WATER_IN_TITLE.id not in ids(search(backend, "security"))


def test_delete_removes_everywhere(backend):
    backend.delete([DAAD_CLOSED_FELLOWSHIP.id, WATER_IN_TITLE.id, "missing:1"])
    everything = search(backend, filters={"status": ("open", "forthcoming", "closed")})
    assert everything.total == len(RECORDS) - 2


def test_similar_shares_words_and_skips_itself(backend):
    similar = backend.similar(WATER_IN_TITLE.id)
    assert WATER_IN_TITLE.id not in ids_of(similar)
    assert ERASMUS_CBHE_WATER.id in ids_of(similar)
    assert backend.similar("missing:1") == []


def test_similar_of_archived_call_returns_live_calls(backend):
    similar = backend.similar(DAAD_CLOSED_FELLOWSHIP.id)
    assert DAAD_CLOSED_FELLOWSHIP.id not in ids_of(similar)
    assert all(h.status != "closed" for h in similar)


def ids_of(hits):
    return [h.id for h in hits]


def test_rebuild_replaces_file_and_open_connections_follow(backend):
    assert search(backend, "water").total == 3
    count = backend.rebuild([[NIH_R01_CANCER], [WATER_IN_BODY]])
    assert count == 2
    assert ids(search(backend, "water")) == [WATER_IN_BODY.id]
    assert list(backend.path.parent.glob("*.rebuild-*")) == []


def test_rebuild_by_another_instance_is_seen(backend):
    other = SqliteFtsBackend(backend.path)
    other.rebuild([[NIH_R01_CANCER]])
    # The old file's WAL held frames: they must not leak into the new file.
    assert search(backend).total == 1
    backend.upsert([WATER_IN_TITLE])
    other.close()
    third = SqliteFtsBackend(backend.path)
    assert search(third).total == 2
    with sqlite3.connect(backend.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    third.close()


def test_rebuild_failure_keeps_the_old_index(backend):
    def broken():
        yield [NIH_R01_CANCER]
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert search(backend, "water").total == 3
    assert list(backend.path.parent.glob("*.rebuild-*")) == []


def test_search_from_many_threads_during_rebuild(backend):
    errors: list[BaseException] = []
    totals: list[int] = []

    def worker():
        try:
            for _ in range(20):
                totals.append(search(backend, "water").total)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    backend.rebuild([RECORDS])
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(totals) == {3}


def test_search_deadline_filters_use_next_deadline(backend):
    two_stage = search(backend, closing_within_days=25)
    assert ids(two_stage) == [HORIZON_TWO_STAGE_CLIMATE.id]
    undated = make_opportunity(source_key="NODATE", deadlines=(Deadline(NOW, "today"),))
    backend.upsert([undated])
    assert undated.id in ids(search(backend, closing_within_days=0))


def _downgrade_to_schema_2(path) -> None:
    """Turn an index file into the schema-2 layout: FTS tables without ``stems``."""
    conn = sqlite3.connect(path, isolation_level=None)
    old = "title, call_id, programme, keywords, summary, body, funder, url"
    for p in ("hot", "archive"):
        conn.execute(
            f"CREATE VIRTUAL TABLE {p}_old USING fts5(title, call_id, programme, keywords,"
            " summary, body, funder, url UNINDEXED,"
            " tokenize='porter unicode61 remove_diacritics 2')"
        )
        conn.execute(f"INSERT INTO {p}_old (rowid, {old}) SELECT rowid, {old} FROM {p}_fts")
        conn.execute(f"DROP TABLE {p}_fts")
        conn.execute(f"ALTER TABLE {p}_old RENAME TO {p}_fts")
    conn.execute("PRAGMA user_version = 2")
    conn.close()


def test_ensure_ready_upgrades_schema_2_file_with_stems(tmp_path):
    path = tmp_path / "search.db"
    russian = dataclasses.replace(
        ERASMUS_CBHE_WATER, title="Стипендии для молодых учёных", language="ru"
    )
    backend = SqliteFtsBackend(path)
    backend.upsert([russian])
    backend.close()
    _downgrade_to_schema_2(path)

    upgraded = SqliteFtsBackend(path)
    upgraded.ensure_ready()
    found = upgraded.search(SearchQuery(text="стипендия", now=NOW))
    assert [h.id for h in found.hits] == [russian.id]
    assert upgraded.search(SearchQuery(text="water", now=NOW)).total == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    conn.close()
    upgraded.close()
