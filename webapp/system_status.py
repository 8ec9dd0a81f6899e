"""What /healthz and the staff system page report: database, search, scheduler, sources.

Each check returns a :class:`Check`; the report is healthy when every check passes. The
facts are plain data so the JSON endpoint and the page show the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from crawlers.sources import load_sources
from indexer.records import RunStatus
from indexer.store import CrawlRun
from webapp.job_runner import index_count
from webapp.services import Services
from webapp.stores import ops

# Defaults; the app config keys HEALTH_HEARTBEAT_MAX_AGE (seconds) and
# HEALTH_SOURCE_FAILURES override them.
HEARTBEAT_MAX_AGE = timedelta(minutes=5)
SOURCE_FAILURES = 3


@dataclass(frozen=True, slots=True)
class Check:
    """One part of the system: whether it works, in words, and the facts behind that."""

    ok: bool
    detail: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        return {"ok": self.ok, "detail": self.detail, **self.facts}


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every check by name."""

    checks: Mapping[str, Check]

    @property
    def failing(self) -> list[str]:
        """Return the names of the failing checks."""
        return [name for name, check in self.checks.items() if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        """Return the /healthz document."""
        return {
            "status": "ok" if not self.failing else "failing",
            "failing": self.failing,
            "checks": {name: check.as_dict() for name, check in self.checks.items()},
        }


def _guarded(check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as exc:  # a broken part is a finding, not a crash of the endpoint
        return Check(False, f"{type(exc).__name__}: {exc}")


def check_database(services: Services) -> Check:
    """Run a trivial query on the store's database."""
    with services.store.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Check(True, "reachable", {"dialect": services.store.engine.dialect.name})


def check_search(services: Services, now: datetime) -> Check:
    """Ask the search backend for its size: a stopped engine fails here."""
    indexed = index_count(services, now=now)
    return Check(True, f"{indexed} record(s) indexed", {"indexed": indexed})


def check_scheduler(services: Services, now: datetime, max_age: timedelta) -> Check:
    """Check that some scheduler holds the lease and beat its heart recently."""
    lease = ops.get_lease(services.store.engine)
    if lease is None:
        return Check(False, "no scheduler is running", {"heartbeat_age_seconds": None})
    age = (now - lease.heartbeat_at).total_seconds()
    facts: dict[str, Any] = {
        "owner": lease.owner,
        "heartbeat_at": lease.heartbeat_at.isoformat(),
        "heartbeat_age_seconds": round(age, 1),
    }
    if age > max_age.total_seconds():
        return Check(False, f"last heartbeat {age:.0f} s ago", facts)
    return Check(True, f"heartbeat {age:.0f} s ago", facts)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source with its recent runs summed up."""

    key: str
    type: str
    schedule: str
    enabled: bool
    last_run: CrawlRun | None
    last_success_at: datetime | None
    failures_in_a_row: int

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        last = self.last_run
        return {
            "last_success": self.last_success_at.isoformat() if self.last_success_at else None,
            "last_status": last.status.value if last else None,
            "failures_in_a_row": self.failures_in_a_row,
            "error": last.error if last else None,
        }


_GOOD = (RunStatus.SUCCESS, RunStatus.NOT_MODIFIED)


def source_health(services: Services, *, window: int = 20) -> list[SourceHealth]:
    """Return every registered source with its last run, last success and failure streak."""
    rows = []
    for key, source in load_sources(services.settings.sources).items():
        runs = [
            r for r in services.store.runs(key, limit=window) if r.status is not RunStatus.RUNNING
        ]
        streak = next((i for i, r in enumerate(runs) if r.status in _GOOD), len(runs))
        success = next((r for r in runs if r.status in _GOOD), None)
        rows.append(
            SourceHealth(
                key=key,
                type=source.type,
                schedule=source.schedule,
                enabled=source.enabled,
                last_run=runs[0] if runs else None,
                last_success_at=(success.finished_at or success.started_at) if success else None,
                failures_in_a_row=streak,
            )
        )
    return rows


def check_sources(services: Services, limit: int) -> Check:
    """Fail when an enabled source has failed ``limit`` runs in a row."""
    rows = [r for r in source_health(services) if r.enabled]
    broken = [r.key for r in rows if r.failures_in_a_row >= limit]
    facts = {"sources": {r.key: r.as_dict() for r in rows}}
    if broken:
        return Check(False, f"failing {limit}+ runs in a row: {', '.join(broken)}", facts)
    return Check(True, f"{len(rows)} enabled source(s)", facts)


def health_report(
    services: Services,
    *,
    now: datetime,
    heartbeat_max_age: timedelta = HEARTBEAT_MAX_AGE,
    source_failures: int = SOURCE_FAILURES,
) -> HealthReport:
    """Run every check (each guarded: one broken part never hides the others)."""
    return HealthReport(
        {
            "database": _guarded(lambda: check_database(services)),
            "search": _guarded(lambda: check_search(services, now)),
            "scheduler": _guarded(lambda: check_scheduler(services, now, heartbeat_max_age)),
            "sources": _guarded(lambda: check_sources(services, source_failures)),
        }
    )
