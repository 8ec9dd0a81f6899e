"""The scheduler against a sources file of local feeds: on time, once, one process, restarts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, table

from config.institution import load_institution
from indexer.records import RunStatus
from indexer.sqlite_fts import SqliteFtsBackend
from indexer.store import Store
from tests.crawlers.conftest import start_server
from tests.crawlers.test_runner import feed
from tests.factories import NOW
from tests.ops.conftest import make_ops_settings, write_sources
from webapp import job_runner as jr
from webapp.scheduler import (
    SchedulerService,
    crontab_trigger,
    crontab_weekdays,
    job_specs,
    stop_scheduler,
)
from webapp.services import Services
from webapp.stores import ops
from webapp.stores.schema import upgrade_schema


@pytest.fixture
def feed_server():
    server = start_server()
    yield server
    server.stop()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def env(tmp_path, feed_server):
    url = feed_server.add("/calls.rss", feed(), headers={"Content-Type": "application/rss+xml"})
    settings = make_ops_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'grantradar.db'}",
        sources=write_sources(tmp_path, {"local-feed": (url, "0 6 * * *")}),
        outbox_dir=tmp_path / "outbox",
    )
    store = Store(settings.resolved_database_url())
    store.create_schema()
    upgrade_schema(store.engine)
    backend = SqliteFtsBackend(settings.resolved_search_path())
    backend.ensure_ready()
    clock = Clock(NOW)
    services = Services(
        settings=settings,
        store=store,
        backend=backend,
        institution=load_institution(settings.institution),
        clock=clock,
    )
    yield services, clock
    store.engine.dispose()


def service(services, owner, **kwargs):
    return SchedulerService(services, owner=owner, lease_ttl=timedelta(seconds=90), **kwargs)


def stored_job_count(services) -> int:
    with services.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table("apscheduler_jobs"))).scalar()


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1", "mon"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("*/2", "tue,thu,sat,sun"),
        ("6,0", "sat,sun"),
    ],
)
def test_crontab_weekdays_reads_crontab_numbers(field, names):
    assert crontab_weekdays(field) == names


def test_crontab_trigger_monday_means_monday_in_the_given_zone():
    trigger = crontab_trigger("0 6 * * 1", "Asia/Bishkek")
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire.isoformat() == "2026-11-30T06:00:00+06:00"


def test_job_specs_schedule_sources_and_digests_in_the_institution_zone(env):
    services, _ = env
    from crawlers.sources import load_sources

    registry = load_sources(services.settings.sources)
    specs = {s.id: s for s in job_specs(registry, services.institution)}
    assert set(specs) == {
        "crawl:local-feed",
        jr.ALERTS,
        jr.WEEKLY_DIGEST,
        jr.REFRESH,
        jr.REINDEX_CHECK,
    }
    fires = {k: s.trigger.get_next_fire_time(None, NOW).isoformat() for k, s in specs.items()}
    # NOW is Saturday 28 Nov 2026 09:00 UTC = 15:00 in Bishkek (UTC+6).
    assert fires["crawl:local-feed"] == "2026-11-29T06:00:00+06:00"
    assert fires[jr.WEEKLY_DIGEST] == "2026-11-30T08:00:00+06:00"
    assert fires[jr.ALERTS] == "2026-11-29T07:30:00+06:00"


def test_scheduler_runs_each_job_at_its_fire_time_once(env):
    services, clock = env
    outcomes = []
    runner = jr.JobRunner(services, listener=outcomes.append)
    sched = service(services, "one", runner=runner)
    assert sched.step() is True
    fire_times = {job.id: job.next_run_time for job in sched.scheduler.get_jobs()}
    sched.shutdown()
    # Drive the jobs through the times their triggers computed, in order.
    for job_id, fire in sorted(fire_times.items(), key=lambda item: item[1]):
        if job_id in (jr.ALERTS, jr.WEEKLY_DIGEST):
            continue  # covered by the personal features' own tests
        clock.now = fire.astimezone(UTC)
        assert sched.step() is True
        runner.run(job_id, now=clock.now)
        sched.shutdown()
    assert [o.ok for o in outcomes] == [True] * len(outcomes)
    runs = services.store.runs("local-feed")
    assert [r.status for r in runs] == [RunStatus.SUCCESS]
    assert services.store.count() == 2
    states = {s.job_id: s for s in ops.get_job_states(services.store.engine)}
    assert states["crawl:local-feed"].last_success_at == fire_times["crawl:local-feed"]
    assert "added 2" in states["crawl:local-feed"].last_summary


def test_scheduler_fires_a_missed_job_once_after_a_restart(env):
    services, _ = env
    first = service(services, "first")
    first.step()
    ids_before = sorted(j.id for j in first.scheduler.get_jobs())
    first.shutdown()
    # While "down", the crawl came due: make its stored next run time a moment ago.
    paused = first.build_scheduler()
    paused.start(paused=True)
    paused.modify_job("crawl:local-feed", next_run_time=datetime.now(UTC) - timedelta(seconds=5))
    stop_scheduler(paused)

    done = threading.Event()
    outcomes = []

    def finished(outcome):
        outcomes.append(outcome)
        done.set()

    second = service(services, "second", runner=jr.JobRunner(services, listener=finished))
    assert second.step() is True
    try:
        assert done.wait(timeout=120), "the missed crawl did not run"
        ids_after = sorted(j.id for j in second.scheduler.get_jobs())
        next_crawl = second.scheduler.get_job("crawl:local-feed").next_run_time
    finally:
        second.shutdown()
    assert [o.job_id for o in outcomes] == ["crawl:local-feed"]
    assert outcomes[0].ok
    assert ids_after == ids_before
    assert stored_job_count(services) == len(ids_before)
    assert next_crawl > datetime.now(UTC)
    assert len(services.store.runs("local-feed")) == 1


def test_scheduler_restart_keeps_jobs_without_duplicates(env, tmp_path, feed_server):
    services, _ = env
    first = service(services, "first")
    first.step()
    before = ops.next_run_times(services.store.engine)
    first.shutdown()
    second = service(services, "second")
    second.step()
    second.shutdown()
    assert ops.next_run_times(services.store.engine) == before
    assert stored_job_count(services) == len(before)
    # A changed sources file: the new source is added, the removed one dropped.
    write_sources(tmp_path, {"other-feed": (feed_server.url("/other.rss"), "15 4 * * *")})
    third = service(services, "third")
    third.step()
    third.shutdown()
    after = ops.next_run_times(services.store.engine)
    assert "crawl:other-feed" in after
    assert "crawl:local-feed" not in after
    assert len(after) == len(before)


def test_two_schedulers_started_together_only_one_runs_jobs(env):
    services, clock = env
    schedulers = [service(services, f"proc-{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    active = {}

    def start(s):
        barrier.wait()
        active[s.owner] = s.step()

    threads = [threading.Thread(target=start, args=(s,)) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(active.values()) == [False, True]
        holder = next(s for s in schedulers if s.active)
        standby = next(s for s in schedulers if not s.active)
        assert standby.runner.run(jr.REFRESH) is None  # the standby refuses to run jobs
        assert holder.step() is True  # the heartbeat renews the lease
        # The holder stops beating (hung or killed); after the lease expires the standby
        # takes over, and the old holder, on its next beat, steps down.
        clock.now = NOW + timedelta(seconds=91)
        assert standby.step() is True
        assert holder.step() is False
        assert ops.get_lease(services.store.engine).owner == standby.owner
    finally:
        for s in schedulers:
            s.shutdown()
    assert ops.get_lease(services.store.engine) is None


def test_job_failures_alert_admins_once_per_streak(env, feed_server, tmp_path):
    services, _ = env
    from webapp.stores.users import create_user

    create_user(services.store.engine, "admin@uni.example", "admin", "a long admin password")
    broken = feed_server.add("/broken.rss", "gone", status=404)
    write_sources(tmp_path, {"local-feed": (broken, "0 6 * * *")})
    runner = jr.JobRunner(services, alert_after=2)
    outbox = tmp_path / "outbox"

    def mails():
        return sorted(outbox.glob("*.eml")) if outbox.exists() else []

    first = runner.run("crawl:local-feed")
    assert not first.ok
    assert not first.alerted
    assert mails() == []
    second = runner.run("crawl:local-feed")
    assert second.alerted
    assert len(mails()) == 1
    assert "crawl:local-feed" in mails()[0].read_text()
    third = runner.run("crawl:local-feed")
    assert not third.alerted  # once per streak
    assert len(mails()) == 1
    # Any other job alerts on its first failure; success ends the streak.
    services.backend.close()
    (tmp_path / "search.db").unlink()
    (tmp_path / "search.db").mkdir()  # the index file can no longer be opened
    failed = runner.run(jr.REINDEX_CHECK)
    assert not failed.ok
    assert failed.alerted
    assert len(mails()) == 2
    states = {s.job_id: s for s in ops.get_job_states(services.store.engine)}
    assert states["crawl:local-feed"].failure_streak == 3
    assert len(ops.recent_alerts(services.store.engine)) == 2


def test_scheduler_command_lists_jobs_and_runs_one_on_demand(env):
    services, _ = env
    from webapp import create_app

    app = create_app(
        services.settings, store=services.store, backend=services.backend, clock=services.clock
    )
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["scheduler", "--list"])
    assert listed.exit_code == 0, listed.output
    assert "crawl:local-feed" in listed.output
    assert "next 2026-11-29T06:00:00+06:00" in listed.output
    ran = runner.invoke(args=["scheduler", "--run-job", jr.REFRESH])
    assert ran.exit_code == 0, ran.output
    assert "refresh: ok" in ran.output
    unknown = runner.invoke(args=["scheduler", "--run-job", "nonsense"])
    assert unknown.exit_code == 1
    assert "unknown job" in unknown.output


def test_alert_and_digest_jobs_run_through_the_personal_features(env):
    services, _ = env
    from webapp.stores.profiles import save_keywords
    from webapp.stores.users import create_user

    user = create_user(services.store.engine, "aida@uni.example", "faculty", "a long password!")
    save_keywords(services.store.engine, user.id, "water management", now=NOW)
    runner = jr.JobRunner(services)
    for job_id in (jr.ALERTS, jr.WEEKLY_DIGEST):
        outcome = runner.run(job_id)
        assert outcome.ok, outcome.summary
    again = runner.run(jr.WEEKLY_DIGEST)
    assert again.ok
    assert again.summary != ""
