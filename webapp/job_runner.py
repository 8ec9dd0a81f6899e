"""Run one scheduled job by id: dispatch, one summary log line, state, alerts to admins.

The scheduler (webapp/scheduler.py) decides *when*; this module decides *what* a job id
means and what happens when it fails. Nothing here imports APScheduler, so tests call
:meth:`JobRunner.run` directly with the fire times the triggers compute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from indexer.backend import SearchQuery
from indexer.records import OpportunityStatus, RunStatus
from webapp import jobs
from webapp.mail import build_message, send_message
from webapp.services import Services
from webapp.stores import ops
from webapp.urls import absolute

logger = logging.getLogger(__name__)

CRAWL_PREFIX = "crawl:"
ALERTS = "alerts"
WEEKLY_DIGEST = "digest-weekly"
REFRESH = "refresh"
REINDEX_CHECK = "reindex-check"
DEFAULT_ALERT_AFTER = 3


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What one run of a job came to."""

    job_id: str
    ok: bool
    summary: str
    seconds: float
    error: str | None = None
    alerted: bool = False


class JobFailedError(RuntimeError):
    """A job ran to its end but reports a failure (e.g. a source's crawl failed)."""


class JobRunner:
    """Run jobs by id against the app's services, recording every outcome.

    :param alert_after: a source's crawl alerts admins after this many failed runs in a
        row; any other job alerts on its first failure. One e-mail per failure streak.
    :param may_run: asked before each run; a scheduler that lost its lease says no.
    :param listener: called with every outcome (tests wait on it instead of sleeping).
    """

    def __init__(
        self,
        services: Services,
        *,
        alert_after: int = DEFAULT_ALERT_AFTER,
        may_run: Callable[[], bool] | None = None,
        listener: Callable[[JobOutcome], None] | None = None,
    ) -> None:
        self.services = services
        self.alert_after = max(1, alert_after)
        self.may_run = may_run
        self.listener = listener

    def run(self, job_id: str, *, now: datetime | None = None) -> JobOutcome | None:
        """Run one job now (or as of ``now``); None when this process may not run jobs."""
        if self.may_run is not None and not self.may_run():
            logger.warning("Skipping job %s: this scheduler does not hold the lease", job_id)
            return None
        now = now or self.services.clock()
        engine = self.services.store.engine
        ops.record_job_start(engine, job_id, now=now)
        started = time.monotonic()
        try:
            summary = self._dispatch(job_id, now)
            outcome = JobOutcome(job_id, True, summary, time.monotonic() - started)
            ops.record_job_success(
                engine, job_id, now=now, summary=summary, seconds=outcome.seconds
            )
        except JobFailedError as exc:  # reported failure: the summary line says it all
            outcome = self._failed(job_id, now, exc, time.monotonic() - started)
        except Exception as exc:  # a failing job must never stop the scheduler
            logger.exception("Job %s raised", job_id)
            outcome = self._failed(job_id, now, exc, time.monotonic() - started)
        level = logging.INFO if outcome.ok else logging.ERROR
        logger.log(
            level,
            "Job %s %s in %.1f s: %s",
            job_id,
            "succeeded" if outcome.ok else "failed",
            outcome.seconds,
            outcome.summary,
            extra={"job_id": job_id, "ok": outcome.ok, "seconds": round(outcome.seconds, 3)},
        )
        if self.listener is not None:
            self.listener(outcome)
        return outcome

    def _failed(self, job_id: str, now: datetime, exc: Exception, seconds: float) -> JobOutcome:
        error = str(exc) if isinstance(exc, JobFailedError) else f"{type(exc).__name__}: {exc}"
        engine = self.services.store.engine
        state = ops.record_job_failure(engine, job_id, now=now, error=error, seconds=seconds)
        threshold = self.alert_after if job_id.startswith(CRAWL_PREFIX) else 1
        alerted = False
        if state.failure_streak >= threshold and not state.alerted:
            alerted = alert_admins(self.services, state, now=now)
        return JobOutcome(job_id, False, error, seconds, error=error, alerted=alerted)

    def _dispatch(self, job_id: str, now: datetime) -> str:
        if job_id.startswith(CRAWL_PREFIX):
            return self._crawl(job_id.removeprefix(CRAWL_PREFIX), now)
        handlers: dict[str, Callable[[datetime], str]] = {
            ALERTS: self._alerts,
            WEEKLY_DIGEST: self._weekly_digest,
            REFRESH: self._refresh,
            REINDEX_CHECK: self._reindex_check,
        }
        if job_id not in handlers:
            raise LookupError(f"unknown job {job_id!r}")
        return handlers[job_id](now)

    def _crawl(self, source: str, now: datetime) -> str:
        svc = self.services
        results = jobs.crawl(
            svc.settings, svc.store, svc.backend, [source], everything=False, now=now
        )
        lines = [r.summary() for r in results]
        if any(r.status is RunStatus.FAILED for r in results):
            raise JobFailedError("; ".join(lines))
        return "; ".join(lines)

    def _alerts(self, now: datetime) -> str:
        # Saved-search alerts, followed-call changes, closing reminders and daily digests.
        from webapp.alerts import send_alerts

        return _report_line(send_alerts(self.services, now=now))

    def _weekly_digest(self, now: datetime) -> str:
        from webapp.digests import send_digests

        return _report_line(send_digests(self.services, week=None, now=now, dry_run=False))

    def _refresh(self, now: datetime) -> str:
        report = jobs.refresh(self.services.store, self.services.backend, now=now)
        return _report_line(report)

    def _reindex_check(self, now: datetime) -> str:
        svc = self.services
        stored = svc.store.count()
        indexed = index_count(svc, now=now)
        if stored == indexed:
            return f"index holds all {stored} record(s)"
        report = jobs.reindex(svc.store, svc.backend)
        return f"index held {indexed} of {stored} record(s); reindexed {report.indexed}"


def index_count(services: Services, *, now: datetime) -> int:
    """Return how many records the search index holds (every status, archive included)."""
    every = tuple(s.value for s in OpportunityStatus)
    page = services.backend.search(SearchQuery(filters={"status": every}, per_page=1, now=now))
    return page.total


def _report_line(report: object) -> str:
    """Return a report's counts as one short line (reports differ by job)."""
    counts = getattr(report, "counts", None)
    if counts:
        parts = [f"{getattr(k, 'value', k)}={v}" for k, v in sorted(counts.items(), key=str)]
        text = ", ".join(parts)
    else:
        text = "nothing to do"
    failures = getattr(report, "failures", None)
    if failures:
        raise JobFailedError(f"{text}; {len(failures)} failure(s), first: {failures[0]}")
    return text


def alert_admins(services: Services, state: ops.JobState, *, now: datetime) -> bool:
    """E-mail the admins about a failing job once per failure streak; return whether sent."""
    engine = services.store.engine
    recipients = ops.admin_emails(engine)
    subject = f"[GrantRadar] {state.job_id} failing ({state.failure_streak} run(s) in a row)"
    body = (
        f"The scheduled job {state.job_id} has failed {state.failure_streak} time(s) in a row.\n"
        f"Last failure: {now.isoformat()}\nError: {state.last_error}\n\n"
        f"Last success: {state.last_success_at.isoformat() if state.last_success_at else 'never'}"
        f"\n\nSystem page: {absolute(services.settings, '/admin/system')}\n"
        "You will not be told again until the job has succeeded once.\n"
    )
    error: str | None = None
    if not recipients:
        error = "no active admin account to tell"
        logger.warning("Cannot alert about %s: %s", state.job_id, error)
    else:
        msg = build_message(
            services.settings, to=", ".join(recipients), subject=subject, text=body, now=now
        )
        try:
            send_message(services.settings, msg)
        except Exception as exc:  # a broken mail server must not break the scheduler
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("Alert mail about %s failed", state.job_id)
    ops.log_alert(
        engine,
        job_id=state.job_id,
        subject=subject,
        body=body,
        recipients=recipients,
        now=now,
        error=error,
    )
    if error is None or not recipients:
        ops.mark_alerted(engine, state.job_id)
    return error is None
