"""Health endpoints: ``/healthz`` (JSON for monitors) and the staff "system" page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, render_template

from webapp.auth import role_required
from webapp.services import get_services
from webapp.stores import ops
from webapp.system_status import (
    HEARTBEAT_MAX_AGE,
    SOURCE_FAILURES,
    HealthReport,
    health_report,
    source_health,
)

bp = Blueprint("health", __name__)


def _report() -> HealthReport:
    services = get_services()
    max_age = current_app.config.get("HEALTH_HEARTBEAT_MAX_AGE")
    return health_report(
        services,
        now=services.clock(),
        heartbeat_max_age=timedelta(seconds=max_age) if max_age else HEARTBEAT_MAX_AGE,
        source_failures=int(current_app.config.get("HEALTH_SOURCE_FAILURES", SOURCE_FAILURES)),
    )


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Report every part's health; HTTP 503 names the failing parts."""
    report = _report()
    response = jsonify(report.as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if not report.failing else 503


@bp.route("/admin/system")
@role_required("staff", "admin")
def system() -> str:
    """Show the health checks, sources with their last runs, and the scheduled jobs."""
    services = get_services()
    engine = services.store.engine
    states = {state.job_id: state for state in ops.get_job_states(engine)}
    next_runs = ops.next_run_times(engine)
    jobs = [
        (job_id, next_runs.get(job_id), states.get(job_id))
        for job_id in sorted({*states, *next_runs})
    ]
    return render_template(
        "system.html",
        report=_report(),
        sources=source_health(services),
        jobs=jobs,
        alerts=ops.recent_alerts(engine),
        tz=services.institution.tz,
    )
