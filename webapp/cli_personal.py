"""`grantradar matches EMAIL` and `grantradar digest` (DESIGN section 7)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from matching.scoring import match_to_dict
from webapp.cli_util import reported, services
from webapp.digests import DigestResult, send_digests
from webapp.matchmaking import compute_matches
from webapp.stores.users import get_user_by_email


@click.command("matches")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@with_appcontext
@reported
def matches_command(email: str, as_json: bool, limit: int) -> None:
    """Print a person's matches with score and reasons (never closed or ineligible calls)."""
    svc = services()
    user = get_user_by_email(svc.store.engine, email)
    if user is None:
        raise click.UsageError(f"no account for {email}")
    found = compute_matches(svc, user, now=svc.clock(), limit=limit)
    if as_json:
        click.echo(json.dumps([match_to_dict(m) for m in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No matches for {user.email} (check the profile's keywords).")
    for rank, match in enumerate(found, 1):
        click.echo(f"{rank:>3}. {match.score:7.3f}  {match.opportunity.title}  [{match.id}]")
        click.echo(f"            {'; '.join(match.reasons)}")


@click.command("digest")
@click.option("--week", help="ISO week to send for, e.g. 2026-W19 (default: this week).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@with_appcontext
@reported
def digest_command(week: str | None, dry_run: bool) -> None:
    """Build and send this week's digests (a second run in the same week sends nothing)."""
    svc = services()
    try:
        report = send_digests(svc, week=week, now=svc.clock(), dry_run=dry_run)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    for email, subject in report.planned:
        click.echo(f"would send to {email}: {subject}")
    for email, error in report.failures:
        click.echo(f"failed: {email}: {error}", err=True)
    counts = ", ".join(f"{r.value} {report.counts.get(r, 0)}" for r in DigestResult)
    click.echo(f"Digests for {report.period}: {counts} ({report.seconds:.1f} s)")
    if report.failures:
        raise SystemExit(1)


COMMANDS: tuple[click.Command, ...] = (matches_command, digest_command)
