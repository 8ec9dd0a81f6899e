"""Operations commands: `scheduler`, `backup`, `restore` and `users delete`."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType

import click
from flask.cli import with_appcontext

from webapp import jobs
from webapp.cli_users import users_group
from webapp.cli_util import reported, services
from webapp.job_runner import DEFAULT_ALERT_AFTER, JobRunner


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM and Ctrl-C (SIGINT) so shutdown runs its clean-up."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"Received {signal.Signals(signum).name}; stopping.", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.command("scheduler")
@click.option(
    "--alert-after",
    type=click.IntRange(1),
    default=DEFAULT_ALERT_AFTER,
    show_default=True,
    envvar="GRANTRADAR_ALERT_AFTER_FAILURES",
    help="E-mail admins when a source has failed this many runs in a row.",
)
@click.option(
    "--heartbeat",
    type=click.FloatRange(1.0),
    default=30.0,
    show_default=True,
    envvar="GRANTRADAR_SCHEDULER_HEARTBEAT",
    help="Seconds between lease renewals; the lease lasts three heartbeats.",
)
@click.option("--list", "list_only", is_flag=True, help="Print the jobs and their next runs.")
@click.option("--run-job", "run_jobs", multiple=True, help="Run this job id once now, then exit.")
@with_appcontext
@reported
def scheduler_command(
    alert_after: int, heartbeat: float, list_only: bool, run_jobs: tuple[str, ...]
) -> None:
    """Run the scheduled jobs (crawls, alerts, digests, upkeep) until stopped."""
    from crawlers.sources import load_sources
    from webapp.scheduler import SchedulerService, job_specs

    svc = services()
    runner = JobRunner(svc, alert_after=alert_after)
    if list_only:
        now = svc.clock()
        for spec in job_specs(load_sources(svc.settings.sources), svc.institution):
            fire = spec.trigger.get_next_fire_time(None, now.astimezone(svc.institution.tz))
            click.echo(f"{spec.id:<32} next {fire.isoformat() if fire else 'never'}  {spec.name}")
        return
    if run_jobs:
        outcomes = [runner.run(job_id) for job_id in run_jobs]
        for outcome in outcomes:
            if outcome is not None:
                state = "ok" if outcome.ok else "FAILED"
                click.echo(
                    f"{outcome.job_id}: {state} in {outcome.seconds:.1f} s: {outcome.summary}"
                )
        if any(o is None or not o.ok for o in outcomes):
            raise SystemExit(1)
        return
    service = SchedulerService(svc, runner=runner, lease_ttl=timedelta(seconds=3 * heartbeat))
    stop = threading.Event()
    stop_on_signals(stop)
    service.run(stop, heartbeat=heartbeat)
    click.echo("Scheduler stopped.")


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive path (default: instance/backups/grantradar-<UTC time>.tar.gz).",
)
@with_appcontext
@reported
def backup_command(output: Path | None) -> None:
    """Write every table and the settings files to a tar.gz archive (not the index)."""
    from webapp.backup import write_backup

    svc = services()
    now = svc.clock()
    if output is None:
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        output = svc.settings.instance_dir / "backups" / f"grantradar-{stamp}.tar.gz"
    report = write_backup(svc.store.engine, svc.settings, output, now=now)
    total = sum(report.rows.values())
    click.echo(f"Backed up {total} row(s) from {len(report.rows)} table(s) to {report.path}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--settings-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the archived settings files (default: instance/restored-settings).",
)
@with_appcontext
@reported
def restore_command(archive: Path, settings_dir: Path | None) -> None:
    """Load a backup into an empty database, upgrade it, and rebuild the search index."""
    from webapp.backup import restore_backup

    svc = services()
    target = settings_dir or svc.settings.instance_dir / "restored-settings"
    report = restore_backup(svc.store.engine, archive, settings_dir=target)
    click.echo(f"Restored {sum(report.rows.values())} row(s) into {len(report.rows)} table(s).")
    indexed = jobs.reindex(svc.store, svc.backend).indexed
    click.echo(f"Rebuilt the search index: {indexed} record(s).")
    for path in report.settings_files:
        click.echo(f"Settings file written to {path} (point GRANTRADAR_SOURCES/INSTITUTION at it)")


@click.command("delete")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@reported
def users_delete_command(email: str, yes: bool) -> None:
    """Delete an account with its profile, saved searches and notices (history stays)."""
    from webapp.stores.erase import delete_user
    from webapp.stores.users import get_user_by_email

    engine = services().store.engine
    user = get_user_by_email(engine, email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    if not yes:
        click.confirm(f"Delete the {user.role.value} account {user.email}?", abort=True)
    delete_user(engine, user.id)
    click.echo(f"Deleted account {user.email}.")


users_group.add_command(users_delete_command)

COMMANDS: tuple[click.Command, ...] = (scheduler_command, backup_command, restore_command)
