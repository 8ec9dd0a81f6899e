"""Data safety: backup -> restore gives the same export; migrations and deletes keep data."""

from __future__ import annotations

import json
import tarfile
from dataclasses import replace
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import MetaData, Table, func, insert, select, text

from indexer.ingest import ingest
from indexer.records import Deadline, IngestOutcome, RunStatus
from indexer.sqlite_fts import SqliteFtsBackend
from indexer.store import Store
from matching.profiles import DigestFrequency
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
)
from tests.ops.conftest import make_ops_settings
from webapp import create_app
from webapp.backup import migrate
from webapp.stores import ops
from webapp.stores.follows import follow
from webapp.stores.profiles import save_keywords
from webapp.stores.saved_searches import create_saved_search
from webapp.stores.schema import (
    VERSION_TABLE,
    bid_team,
    bids,
    follows,
    profiles,
    saved_searches,
    upgrade_schema,
)
from webapp.stores.users import Role, create_user, get_user_by_email, verify_password

PASSWORD = "a long enough password"
RECORDS = (ERASMUS_CBHE_WATER, NIH_R01_CANCER, HORIZON_TWO_STAGE_CLIMATE, DAAD_CLOSED_FELLOWSHIP)


@pytest.fixture
def make_app(tmp_path):
    """Return a factory of apps on a given database; their connections close afterwards."""
    opened = []

    def make(url, name):
        folder = tmp_path / name
        folder.mkdir()
        settings = make_ops_settings(folder, url)
        store = Store(url)
        backend = SqliteFtsBackend(settings.resolved_search_path())
        opened.append((store, backend))
        app = create_app(settings, store=store, backend=backend, clock=lambda: NOW)
        app.config.update(TESTING=True)
        return app, store, backend

    yield make
    for store, backend in opened:
        backend.close()
        store.engine.dispose()


def populate(store, backend):
    """Fill every kind of table: calls with history, runs, people and what they keep."""
    store.create_schema()
    upgrade_schema(store.engine)
    backend.ensure_ready()
    ingest(store, RECORDS, now=NOW - timedelta(days=2), backend=backend)
    moved = replace(ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW + timedelta(days=48), "Deadline"),))
    ingest(store, [moved], now=NOW - timedelta(days=1), backend=backend)
    run_id = store.start_run("erasmus", NOW - timedelta(hours=1))
    store.finish_run(
        run_id,
        status=RunStatus.SUCCESS,
        counts={IngestOutcome.ADDED: 4},
        error=None,
        http_status=200,
        now=NOW,
    )
    engine = store.engine
    aida = create_user(engine, "aida@uni.example", Role.FACULTY, PASSWORD, "Aida", now=NOW)
    create_user(engine, "staff@uni.example", Role.STAFF, PASSWORD, now=NOW)
    save_keywords(engine, aida.id, "water management, irrigation", now=NOW)
    follow(engine, aida.id, ERASMUS_CBHE_WATER.id, now=NOW)
    query = [("q", "water")]
    create_saved_search(engine, aida.id, "Water", query, DigestFrequency.WEEKLY, now=NOW)
    ops.record_job_success(engine, "refresh", now=NOW, summary="nothing to do", seconds=0.1)
    return aida


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_backup_then_restore_into_an_empty_database_gives_the_same_export(
    new_database, make_app, tmp_path
):
    source_app, source, source_backend = make_app(new_database(), "source")
    populate(source, source_backend)
    archive = tmp_path / "backup.tar.gz"
    result = cli(source_app, "backup", "--output", str(archive))
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "tables/opportunities.jsonl", "tables/users.jsonl"} <= names
    assert "settings/sources.toml" in names
    assert "tables/apscheduler_jobs.jsonl" not in names

    target_app, target, _ = make_app(new_database(), "target")
    result = cli(target_app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Rebuilt the search index: 4 record(s)" in result.output
    for command in (("export",), ("changes", "--json"), ("export", "--format", "csv")):
        assert cli(target_app, *command).output == cli(source_app, *command).output
    assert target.last_runs()["erasmus"].counts[IngestOutcome.ADDED] == 4
    restored = verify_password(target.engine, "aida@uni.example", PASSWORD)
    assert restored is not None
    assert restored.display_name == "Aida"
    with target.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(follows)).scalar() == 1
        assert conn.execute(select(saved_searches.c.name)).scalars().all() == ["Water"]
    assert [s.job_id for s in ops.get_job_states(target.engine)] == ["refresh"]
    # New rows get fresh ids after a restore (PostgreSQL sequences were moved on).
    create_user(target.engine, "new@uni.example", Role.FACULTY, PASSWORD)
    assert (tmp_path / "target" / "instance" / "restored-settings" / "sources.toml").exists()


def test_restore_refuses_a_database_that_holds_data(new_database, make_app, tmp_path):
    app, store, backend = make_app(new_database(), "one")
    populate(store, backend)
    archive = tmp_path / "backup.tar.gz"
    assert cli(app, "backup", "--output", str(archive)).exit_code == 0
    result = cli(app, "restore", str(archive))
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert store.count() == len(RECORDS)


def test_restore_rejects_a_file_that_is_not_a_backup(make_app, tmp_path):
    app, _, _ = make_app(f"sqlite:///{tmp_path / 'x.db'}", "one")
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_text("not an archive", encoding="utf-8")
    result = cli(app, "restore", str(bogus))
    assert result.exit_code == 1
    assert "not a GrantRadar backup" in result.output


def test_upgrade_of_a_populated_database_keeps_its_data(new_database, make_app):
    _, store, _ = make_app(new_database(), "one")
    migrate(store.engine, {"alembic_version": "0001_store", VERSION_TABLE: "web0001"})
    ingest(store, RECORDS, now=NOW)
    # The account is written as the code of that revision would: against the old table.
    with store.engine.begin() as conn:
        old_users = Table("users", MetaData(), autoload_with=conn)
        conn.execute(
            insert(old_users).values(
                email="old@uni.example",
                password_hash=PasswordHasher().hash(PASSWORD),
                role="staff",
                display_name="Old",
                created_at=NOW,
                active=True,
            )
        )
    before = [opp for batch in store.iter_batches() for opp in batch]

    store.create_schema()
    upgrade_schema(store.engine)

    assert [opp for batch in store.iter_batches() for opp in batch] == before
    user = verify_password(store.engine, "old@uni.example", PASSWORD)
    assert user is not None
    assert (user.role, user.display_name, user.created_at) == (Role.STAFF, "Old", NOW)
    save_keywords(store.engine, user.id, "glaciers", now=NOW)  # the new tables work
    ops.record_job_start(store.engine, "refresh", now=NOW)
    with store.engine.connect() as conn:
        assert conn.execute(select(profiles.c.user_id)).scalars().all() == [user.id]


def test_users_delete_removes_the_person_and_keeps_history(new_database, make_app, tmp_path):
    app, store, backend = make_app(new_database(), "one")
    aida = populate(store, backend)
    staff = get_user_by_email(store.engine, "staff@uni.example")
    follow(store.engine, staff.id, NIH_R01_CANCER.id, now=NOW)
    bid = {
        "opportunity_id": ERASMUS_CBHE_WATER.id,
        "title": "Water bid",
        "lead_user_id": aida.id,
        "our_role": "coordinator",
        "status": "drafting",
        "checklist": [],
        "milestones_done": [],
        "created_at": NOW,
        "updated_at": NOW,
    }
    with store.engine.begin() as conn:
        bid_id = conn.execute(insert(bids).values(**bid)).inserted_primary_key[0]
        conn.execute(insert(bid_team).values(bid_id=bid_id, user_id=aida.id))
    history = store.changes()
    assert history

    result = cli(app, "users", "delete", "AIDA@uni.example", "--yes")
    assert result.exit_code == 0, result.output
    assert get_user_by_email(store.engine, "aida@uni.example") is None
    with store.engine.connect() as conn:
        for table in (profiles, follows, saved_searches):
            owned = select(func.count()).select_from(table).where(table.c.user_id == aida.id)
            assert conn.execute(owned).scalar() == 0
        kept = conn.execute(select(follows.c.user_id)).scalars().all()
        # The bid stays, without its lead; the person leaves its team.
        bid_rows = conn.execute(select(bids.c.title, bids.c.lead_user_id)).all()
        assert bid_rows == [("Water bid", None)]
        assert conn.execute(select(func.count()).select_from(bid_team)).scalar() == 0
    assert kept == [staff.id]
    assert store.changes() == history
    assert store.count() == len(RECORDS)
    again = cli(app, "users", "delete", "aida@uni.example", "--yes")
    assert again.exit_code == 1
    assert "no account" in again.output


def test_backup_manifest_records_rows_and_revisions(make_app, tmp_path):
    app, store, backend = make_app(f"sqlite:///{tmp_path / 'm.db'}", "one")
    populate(store, backend)
    archive = tmp_path / "b.tar.gz"
    cli(app, "backup", "--output", str(archive))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert rows["opportunities"] == len(RECORDS)
    assert rows["users"] == 2
    with store.engine.connect() as conn:
        head = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    assert manifest["revisions"][VERSION_TABLE] == head
    assert "scheduler_lease" not in rows


@pytest.mark.parametrize("missing", ["manifest.json"])
def test_read_manifest_names_the_problem(tmp_path, missing):
    from webapp.backup import BackupError, read_manifest

    path = tmp_path / "empty.tar.gz"
    with tarfile.open(path, "w:gz"):
        pass
    with pytest.raises(BackupError, match=missing):
        read_manifest(path)
