"""Partner registry commands: `partners import PATH` and `partners export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from webapp.cli_util import reported, services
from webapp.partners_csv import parse_partners_csv, partners_csv
from webapp.stores.partners import import_partners, list_partners


@click.group("partners")
def partners_group() -> None:
    """Manage the MoU partner registry."""


@partners_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@reported
def import_command(path: Path) -> None:
    """Import a registry CSV (format: config/partners.csv); known partners are updated."""
    parsed = parse_partners_csv(path.read_text(encoding="utf-8-sig"))
    report = import_partners(
        services().store.engine, parsed.partners, now=services().clock(), rejected=parsed.rejected
    )
    click.echo(
        f"{report.accepted} partners imported ({report.added} added, {report.updated} updated), "
        f"{len(report.rejected)} rows rejected."
    )
    for line, reason in report.rejected:
        click.echo(f"  line {line}: {reason}", err=True)
    if report.rejected:
        sys.exit(1)


@partners_group.command("export")
@with_appcontext
@reported
def export_command() -> None:
    """Print the active registry as CSV (the import format)."""
    click.echo(partners_csv(list_partners(services().store.engine)), nl=False)


COMMANDS: tuple[click.Command, ...] = (partners_group,)
