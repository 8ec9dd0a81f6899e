"""/healthz (200 and 503 naming the failing part) and the staff system page."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from indexer.ingest import ingest
from indexer.records import IngestOutcome, RunStatus
from indexer.sqlite_fts import SqliteFtsBackend
from indexer.store import Store
from tests.factories import ERASMUS_CBHE_WATER, NIH_R01_CANCER, NOW
from tests.ops.conftest import make_ops_settings, write_sources
from tests.webapp.conftest import AuthActions
from webapp import create_app
from webapp.stores import ops
from webapp.stores.schema import upgrade_schema
from webapp.stores.users import Role, create_user

STAFF = ("staff@uni.example", "a long staff password")


@pytest.fixture
def settings(tmp_path):
    sources = write_sources(
        tmp_path,
        {
            "good-feed": ("http://127.0.0.1:9/good.rss", "0 6 * * *"),
            "bad-feed": ("http://127.0.0.1:9/bad.rss", "0 7 * * *"),
        },
    )
    return make_ops_settings(tmp_path, f"sqlite:///{tmp_path / 'gr.db'}", sources=sources)


@pytest.fixture
def store(settings):
    store = Store(settings.resolved_database_url())
    store.create_schema()
    upgrade_schema(store.engine)
    ingest(store, [ERASMUS_CBHE_WATER, NIH_R01_CANCER], now=NOW - timedelta(days=1))
    create_user(store.engine, STAFF[0], Role.STAFF, STAFF[1])
    yield store
    store.engine.dispose()


@pytest.fixture
def backend(settings, store):
    backend = SqliteFtsBackend(settings.resolved_search_path())
    backend.ensure_ready()
    backend.upsert([ERASMUS_CBHE_WATER, NIH_R01_CANCER])
    return backend


def make_app(settings, store, backend):
    app = create_app(settings, store=store, backend=backend, clock=lambda: NOW)
    app.config.update(TESTING=True)
    return app


def beat(store, *, ago=timedelta(seconds=10)):
    ops.acquire_lease(store.engine, "sched-1", now=NOW - ago, ttl=timedelta(seconds=90))


def record_runs(store, source, statuses):
    for n, status in enumerate(statuses):
        run_id = store.start_run(source, NOW - timedelta(hours=len(statuses) - n))
        store.finish_run(
            run_id,
            status=status,
            counts={IngestOutcome.ADDED: 1},
            error="HTTP 500 from the funder" if status is RunStatus.FAILED else None,
            http_status=500 if status is RunStatus.FAILED else 200,
            now=NOW - timedelta(hours=len(statuses) - n, minutes=-1),
        )


def test_healthz_is_200_when_every_part_works(settings, store, backend):
    beat(store)
    record_runs(store, "good-feed", [RunStatus.SUCCESS])
    response = make_app(settings, store, backend).test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "search", "scheduler", "sources"}
    assert body["checks"]["search"]["indexed"] == 2
    assert body["checks"]["scheduler"]["heartbeat_age_seconds"] == 10
    good = body["checks"]["sources"]["sources"]["good-feed"]
    assert good["last_success"] is not None
    assert body["checks"]["sources"]["sources"]["bad-feed"]["last_success"] is None


def test_healthz_is_503_naming_a_stopped_search_backend(settings, store, tmp_path):
    pytest.importorskip("elasticsearch")
    from indexer.elastic import ElasticBackend

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    backend = ElasticBackend(f"http://127.0.0.1:{port}", index="gr", timeout=1.0)
    beat(store)
    response = make_app(settings, store, backend).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["search"]
    assert body["checks"]["search"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_is_503_without_a_scheduler_heartbeat(settings, store, backend):
    client = make_app(settings, store, backend).test_client()
    assert client.get("/healthz").get_json()["failing"] == ["scheduler"]
    beat(store, ago=timedelta(minutes=20))  # the scheduler stopped beating long ago
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["heartbeat_age_seconds"] == 1200


def test_healthz_is_503_when_a_source_fails_run_after_run(settings, store, backend):
    beat(store)
    record_runs(store, "good-feed", [RunStatus.FAILED, RunStatus.SUCCESS])
    record_runs(store, "bad-feed", [RunStatus.SUCCESS, *[RunStatus.FAILED] * 3])
    response = make_app(settings, store, backend).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["sources"]
    assert "bad-feed" in body["checks"]["sources"]["detail"]
    assert body["checks"]["sources"]["sources"]["bad-feed"]["failures_in_a_row"] == 3
    assert body["checks"]["sources"]["sources"]["good-feed"]["failures_in_a_row"] == 0


def test_system_page_is_for_staff_and_shows_sources_jobs_and_errors(settings, store, backend):
    beat(store)
    record_runs(store, "bad-feed", [RunStatus.FAILED])
    ops.record_job_failure(store.engine, "crawl:bad-feed", now=NOW, error="boom", seconds=1.0)
    client = make_app(settings, store, backend).test_client()
    assert client.get("/admin/system").status_code == 302  # anonymous: sign in first
    AuthActions(client).login(*STAFF)
    page = client.get("/admin/system")
    assert page.status_code == 200
    assert "good-feed" in page.text
    assert "HTTP 500 from the funder" in page.text
    assert "crawl:bad-feed" in page.text
    assert "boom" in page.text
