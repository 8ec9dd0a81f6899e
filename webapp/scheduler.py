"""The scheduler: every job on its cron, in a persistent job store, run by one process only.

APScheduler 3.x is confined to this module. Jobs live in the app's database
(SQLAlchemyJobStore), so a restart keeps their next run times. Two scheduler processes
may be started (a restart overlapping the old process, a second server): only the one
holding the database lease starts APScheduler; the other waits as a standby, renewing
nothing, and takes over when the lease expires.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from config.institution import Institution
from crawlers.sources import SourceConfig, load_sources
from webapp import job_runner as jr
from webapp.services import Services
from webapp.stores import ops

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
# Times of the fixed jobs, local to the institution (crontab syntax).
ALERTS_CRON = "30 7 * * *"
REFRESH_CRON = "5 * * * *"
REINDEX_CHECK_CRON = "30 3 * * *"
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expr: str, tz: tzinfo | str) -> CronTrigger:
    """Return a trigger for a 5-field crontab line, with crontab's weekday numbers.

    APScheduler 3.x reads weekday numbers with 0 = Monday, crontab(5) with 0 = Sunday
    (APScheduler issue 286, fixed only in 4.x); numbers are turned into names here so
    ``0 6 * * 1`` means Monday as it does in every crontab.
    """
    minute, hour, day, month, weekday = expr.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=tz,
    )


def crontab_weekdays(field: str) -> str:
    """Return a crontab day-of-week field as APScheduler weekday names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            low, high = 0, 6
        else:
            bounds = [_day_number(b) for b in body.split("-")]
            low, high = bounds[0], bounds[-1]
            if step_text and len(bounds) == 1:
                high = 6
        days.update(d % 7 for d in range(low, high + 1, step))
    # APScheduler's week starts on Monday; keep its order so ranges print naturally.
    return ",".join(_CRON_DAYS[d] for d in sorted(days, key=lambda d: (d - 1) % 7))


def _day_number(text: str) -> int:
    return _CRON_DAYS.index(text[:3]) if text[:3] in _CRON_DAYS else int(text)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job: its id (which :class:`~webapp.job_runner.JobRunner` knows) and when."""

    id: str
    name: str
    trigger: CronTrigger


def job_specs(sources: dict[str, SourceConfig], institution: Institution) -> list[JobSpec]:
    """Return every job: a crawl per enabled source, alerts, weekly digests, upkeep."""
    tz = institution.tz
    specs = [
        JobSpec(f"{jr.CRAWL_PREFIX}{key}", f"Crawl {key}", crontab_trigger(src.schedule, tz))
        for key, src in sorted(sources.items())
        if src.enabled
    ]
    weekday = _CRON_DAYS[institution.digest_day % 7]
    digest_cron = f"0 {institution.digest_hour} * * {weekday}"
    specs += [
        JobSpec(jr.ALERTS, "Saved-search alerts, reminders, daily digests", _cron(ALERTS_CRON, tz)),
        JobSpec(jr.WEEKLY_DIGEST, "Weekly digests", _cron(digest_cron, tz)),
        JobSpec(jr.REFRESH, "Status refresh", _cron(REFRESH_CRON, tz)),
        JobSpec(jr.REINDEX_CHECK, "Search index check", _cron(REINDEX_CHECK_CRON, tz)),
    ]
    return specs


def _cron(expr: str, tz: tzinfo) -> CronTrigger:
    return crontab_trigger(expr, tz)


# APScheduler stores a textual reference to the job function, so the function must be a
# module-level name; it reaches the process's runner through this slot.
_active_runner: jr.JobRunner | None = None


def run_scheduled_job(job_id: str) -> None:
    """Run a job on behalf of APScheduler (the function its stored jobs point at)."""
    runner = _active_runner
    if runner is None:
        logger.warning("Job %s fired but no runner is active in this process", job_id)
        return
    runner.run(job_id)


def sync_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> None:
    """Make the stored jobs match the specs, keeping the next run time of unchanged ones.

    Unchanged jobs are left alone so that a run missed while the scheduler was down still
    fires once (coalesced) within the misfire grace time; changed ones are replaced.
    """
    wanted = {spec.id: spec for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            logger.info("Removing job %s (no longer configured)", job.id)
            job.remove()
    for spec in specs:
        job = scheduler.get_job(spec.id)
        if job is not None and repr(job.trigger) == repr(spec.trigger) and job.name == spec.name:
            continue
        scheduler.add_job(
            run_scheduled_job,
            trigger=spec.trigger,
            args=(spec.id,),
            id=spec.id,
            name=spec.name,
            replace_existing=True,
        )


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Shut APScheduler down without it touching the stored jobs on the way out.

    APScheduler 3.x's loop, woken by ``shutdown()``, processes due jobs once more after
    the executor has stopped: a job due at that moment fails to submit but has its next
    run time advanced, so the run is lost. Detaching the job store first prevents that.
    """
    if not scheduler.running:
        return
    scheduler.pause()
    with contextlib.suppress(KeyError):
        scheduler.remove_jobstore("default")
    scheduler.shutdown(wait=True)


def default_owner() -> str:
    """Return an owner name unique to this process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SchedulerService:
    """Hold the lease and run APScheduler while holding it; stand by otherwise."""

    def __init__(
        self,
        services: Services,
        *,
        runner: jr.JobRunner | None = None,
        owner: str | None = None,
        lease_ttl: timedelta = timedelta(seconds=90),
        misfire_grace: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.services = services
        self.owner = owner or default_owner()
        self.lease_ttl = lease_ttl
        self.misfire_grace = misfire_grace
        self.clock = clock or services.clock
        self.runner = runner or jr.JobRunner(services)
        self.runner.may_run = self.holds_lease
        self.scheduler: BackgroundScheduler | None = None

    @property
    def active(self) -> bool:
        """Return whether this process is the one running jobs."""
        return self.scheduler is not None

    def holds_lease(self) -> bool:
        """Return whether the database still names this process as the lease holder."""
        lease = ops.get_lease(self.services.store.engine)
        return lease is not None and lease.owner == self.owner and lease.expires_at > self.clock()

    def step(self) -> bool:
        """Take or renew the lease (the heartbeat), start or stop jobs to match; return active."""
        engine = self.services.store.engine
        try:
            holding = ops.acquire_lease(engine, self.owner, now=self.clock(), ttl=self.lease_ttl)
        except Exception:
            # The database is unreachable: we cannot prove we hold the lease, so stop.
            logger.exception("Scheduler heartbeat failed")
            holding = False
        if holding and not self.active:
            self._activate()
        elif not holding and self.active:
            logger.warning("Scheduler %s lost the lease; standing by", self.owner)
            self._deactivate()
        return self.active

    def run(self, stop: threading.Event, *, heartbeat: float = 30.0) -> None:
        """Beat every ``heartbeat`` seconds until ``stop`` is set, then shut down cleanly."""
        logger.info("Scheduler %s starting (standby until it holds the lease)", self.owner)
        try:
            while True:
                self.step()
                if stop.wait(heartbeat):
                    break
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop running jobs (waiting for the current one) and give the lease up."""
        self._deactivate()
        try:
            ops.release_lease(self.services.store.engine, self.owner)
        except Exception:
            logger.exception("Could not release the scheduler lease")

    def _activate(self) -> None:
        global _active_runner
        svc = self.services
        specs = job_specs(load_sources(svc.settings.sources), svc.institution)
        scheduler = self.build_scheduler()
        _active_runner = self.runner
        scheduler.start(paused=True)
        sync_jobs(scheduler, specs)
        scheduler.resume()
        self.scheduler = scheduler
        logger.info("Scheduler %s holds the lease; %d job(s) scheduled", self.owner, len(specs))

    def build_scheduler(self) -> BackgroundScheduler:
        """Return an APScheduler over the database job store (not started)."""
        # One worker: jobs share the store and the search index, and a crawl already runs
        # in its own subprocess; a job due meanwhile waits its turn (misfire grace time).
        return BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(
                    engine=self.services.store.engine, tablename=JOBS_TABLE
                )
            },
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(self.misfire_grace.total_seconds()),
            },
            timezone=self.services.institution.tz,
        )

    def _deactivate(self) -> None:
        global _active_runner
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            stop_scheduler(scheduler)
        if _active_runner is self.runner:
            _active_runner = None
