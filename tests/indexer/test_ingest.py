from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from indexer.ingest import ingest, refresh_statuses
from indexer.records import Deadline, IngestOutcome, OpportunityStatus, RunStatus, to_dict
from indexer.store import FetchState, Store
from tests.factories import ERASMUS_CBHE_WATER, NIH_R01_CANCER, NOW, make_opportunity


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema()
    return store


class RecordingBackend:
    """A trivial in-memory SearchBackend stand-in that remembers what was indexed."""

    def __init__(self):
        self.indexed: dict[str, object] = {}

    def upsert(self, opportunities):
        for opp in opportunities:
            self.indexed[opp.id] = opp


def test_ingest_adds_then_leaves_unchanged(store):
    first = ingest(store, [ERASMUS_CBHE_WATER, NIH_R01_CANCER], now=NOW)
    again = ingest(store, [ERASMUS_CBHE_WATER, NIH_R01_CANCER], now=NOW + timedelta(hours=1))
    assert first.counts[IngestOutcome.ADDED] == 2
    assert again.counts[IngestOutcome.UNCHANGED] == 2
    assert store.count() == 2
    assert store.changes() == []


def test_ingest_accepts_dicts_and_round_trips_every_field(store):
    ingest(store, [to_dict(ERASMUS_CBHE_WATER)], now=NOW)
    stored = store.get(ERASMUS_CBHE_WATER.id)
    assert stored is not None
    assert stored.deadlines == ERASMUS_CBHE_WATER.deadlines
    assert stored.budget_total == ERASMUS_CBHE_WATER.budget_total
    assert stored.eligible_countries == ("KG", "KZ", "TJ", "UZ")
    assert stored.first_seen == NOW
    assert stored.content_hash


def test_ingest_moved_deadline_is_one_update_with_history(store):
    ingest(store, [ERASMUS_CBHE_WATER], now=NOW)
    moved = dataclasses.replace(
        ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW + timedelta(days=60), "Deadline"),)
    )
    later = NOW + timedelta(days=1)
    report = ingest(store, [moved], now=later)
    assert report.counts[IngestOutcome.UPDATED] == 1
    changes = store.changes()
    assert [c.field for c in changes] == ["deadlines"]
    assert changes[0].new[0]["at"].startswith((NOW + timedelta(days=60)).date().isoformat())
    stored = store.get(ERASMUS_CBHE_WATER.id)
    assert stored.first_seen == NOW
    assert stored.last_changed == later


def test_ingest_repeated_id_in_one_batch_sees_the_first_copy(store):
    moved = dataclasses.replace(
        ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW + timedelta(days=60), "Deadline"),)
    )
    report = ingest(store, [ERASMUS_CBHE_WATER, ERASMUS_CBHE_WATER, moved], now=NOW)
    assert report.counts == {
        IngestOutcome.ADDED: 1,
        IngestOutcome.UNCHANGED: 1,
        IngestOutcome.UPDATED: 1,
    }
    assert [c.field for c in store.changes()] == ["deadlines"]
    assert store.get(ERASMUS_CBHE_WATER.id).deadlines == moved.deadlines


def test_ingest_counts_invalid_items_with_reasons(store):
    bad_url = to_dict(make_opportunity(source_key="BAD-URL"))
    bad_url["url"] = "javascript:alert(1)"
    no_title = to_dict(make_opportunity(source_key="NO-TITLE"))
    no_title["title"] = "   "
    naive = to_dict(make_opportunity(source_key="NAIVE"))
    naive["deadlines"] = [{"at": "2027-01-01T12:00:00", "label": ""}]
    report = ingest(store, [bad_url, no_title, naive, NIH_R01_CANCER], now=NOW)
    assert report.counts[IngestOutcome.INVALID] == 3
    assert report.counts[IngestOutcome.ADDED] == 1
    reasons = " ".join(reason for _, reason in report.invalid)
    assert "http" in reasons
    assert "title" in reasons
    assert "time zone" in reasons


def test_ingest_derives_status_from_dates_not_the_source_flag(store):
    past = make_opportunity(
        source_key="PAST",
        status=OpportunityStatus.OPEN,
        deadlines=(Deadline(NOW - timedelta(days=1), "Deadline"),),
    )
    future_open = make_opportunity(
        source_key="SOON",
        status=OpportunityStatus.OPEN,
        opening_date=(NOW + timedelta(days=5)).date(),
    )
    ingest(store, [past, future_open], now=NOW)
    assert store.get(past.id).status is OpportunityStatus.CLOSED
    assert store.get(future_open.id).status is OpportunityStatus.FORTHCOMING


def test_ingest_updates_the_backend_only_for_changes(store):
    backend = RecordingBackend()
    ingest(store, [ERASMUS_CBHE_WATER], now=NOW, backend=backend)
    backend.indexed.clear()
    ingest(store, [ERASMUS_CBHE_WATER], now=NOW, backend=backend)
    assert backend.indexed == {}


def test_refresh_statuses_closes_calls_whose_deadline_passed(store):
    ingest(store, [ERASMUS_CBHE_WATER], now=NOW)
    later = NOW + timedelta(days=42)
    report = refresh_statuses(store, now=later)
    assert report.counts[IngestOutcome.UPDATED] == 1
    assert store.get(ERASMUS_CBHE_WATER.id).status is OpportunityStatus.CLOSED
    assert [c.field for c in store.changes()] == ["status"]
    assert refresh_statuses(store, now=later).counts[IngestOutcome.UPDATED] == 0


def test_store_runs_and_fetch_state(store):
    run_id = store.start_run("feed-a", NOW)
    store.finish_run(
        run_id,
        status=RunStatus.FAILED,
        counts={IngestOutcome.ADDED: 2},
        error="HTTP 500",
        http_status=500,
        now=NOW,
    )
    last = store.last_runs()["feed-a"]
    assert last.status is RunStatus.FAILED
    assert last.counts[IngestOutcome.ADDED] == 2
    assert last.error == "HTTP 500"
    store.set_fetch_state("feed-a", FetchState('"abc"', "Sat, 28 Nov 2026 09:00:00 GMT"), now=NOW)
    store.set_fetch_state("feed-a", FetchState('"def"', None), now=NOW)
    assert store.get_fetch_state("feed-a") == FetchState('"def"', None)
    assert store.get_fetch_state("unknown") == FetchState()


def test_store_iter_batches_yields_everything_once(store):
    opps = [make_opportunity(source_key=f"K{i:03d}") for i in range(23)]
    ingest(store, opps, now=NOW)
    seen = [o.id for batch in store.iter_batches(batch_size=5) for o in batch]
    assert sorted(seen) == sorted(o.id for o in opps)


def test_csv_export_defangs_formula_cells():
    import csv
    import io

    from indexer.export import csv_chunks

    hostile = make_opportunity(source_key="F1", title='=HYPERLINK("http://x")')
    rows = list(csv.reader(io.StringIO("".join(csv_chunks([hostile])))))
    title = rows[1][rows[0].index("title")]
    assert title == '\'=HYPERLINK("http://x")'
