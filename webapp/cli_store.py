"""Commands over sources and the store: crawl, validate-source, sources, export, import, changes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from crawlers.sources import load_sources
from crawlers.validate import format_report, validate_source
from indexer.export import csv_chunks, jsonl_lines
from indexer.ingest import ingest
from indexer.records import RunStatus
from webapp import jobs
from webapp.cli_util import reported, services


@click.command("crawl")
@click.argument("source_keys", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Crawl every enabled source.")
@with_appcontext
@reported
def crawl_command(source_keys: tuple[str, ...], everything: bool) -> None:
    """Crawl sources now; exit 1 if any source failed."""
    if not source_keys and not everything:
        raise click.UsageError("name one or more sources, or use --all")
    svc = services()

    def progress(result: Any) -> None:
        click.echo(result.summary())

    try:
        results = jobs.crawl(
            svc.settings,
            svc.store,
            svc.backend,
            source_keys,
            everything=everything,
            now=svc.clock(),
            progress=progress,
        )
    except jobs.UnknownSourceError as exc:
        raise click.UsageError(str(exc)) from exc
    failed = [r.source for r in results if r.status is RunStatus.FAILED]
    click.echo(f"{len(results)} source(s) crawled, {len(failed)} failed")
    if failed:
        click.echo(f"failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@click.command("validate-source")
@click.argument("key")
@click.option("--limit", default=5, show_default=True, help="How many items to show.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
@reported
def validate_source_command(key: str, limit: int, as_json: bool) -> None:
    """Crawl one source live and report its items and field coverage; store nothing."""
    svc = services()
    registry = load_sources(svc.settings.sources)
    if key not in registry:
        known = ", ".join(sorted(registry)) or "none"
        raise click.UsageError(f"unknown source: {key} (known: {known})")
    report = validate_source(registry[key], settings=svc.settings, now=svc.clock())
    if as_json:
        click.echo(json.dumps(report.to_dict(limit), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(format_report(report, limit)))
    if not report.ok:
        sys.exit(1)


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@with_appcontext
@reported
def sources_command(as_json: bool) -> None:
    """List each source with its last run: status, counts, error."""
    from webapp.reports import source_rows

    svc = services()
    rows = source_rows(svc.settings, svc.store)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        last = row["last_run"]
        state = "never run" if last is None else f"{last['status']} {last['finished_at']}"
        counts = "" if last is None else " ".join(f"{k}={v}" for k, v in last["counts"].items())
        click.echo(f"{row['key']:<28} {row['type']:<13} {state} {counts}")
        if last and last["error"]:
            click.echo(f"{'':<28} error: {last['error']}")


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@with_appcontext
@reported
def export_command(fmt: str) -> None:
    """Print every stored opportunity (jsonl: one JSON object per line)."""
    store = services().store
    records = (opp for batch in store.iter_batches() for opp in batch)
    if fmt == "jsonl":
        for line in jsonl_lines(records):
            click.echo(line)
    else:
        for chunk in csv_chunks(records):
            click.echo(chunk, nl=False)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any] | str]:
    """Yield each line's object; a line that is not a JSON object yields its complaint."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {number}: not JSON ({exc.msg})"
                continue
            yield data if isinstance(data, dict) else f"line {number}: not a JSON object"


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@reported
def import_command(path: Path) -> None:
    """Ingest records from a JSON-lines file in `export` form (another instance, a test set)."""
    svc = services()
    rows = list(_read_jsonl(path))
    broken = [r for r in rows if isinstance(r, str)]
    report = ingest(
        svc.store, (r for r in rows if not isinstance(r, str)), now=svc.clock(), backend=svc.backend
    )
    click.echo(f"Imported {path.name}: {report.summary()}, unreadable {len(broken)}")
    for problem in [*broken, *(f"{key}: {reason}" for key, reason in report.invalid)][:20]:
        click.echo(f"  {problem}", err=True)
    if broken or report.invalid:
        sys.exit(1)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            "use an ISO date such as 2026-11-01", param_hint="--since"
        ) from exc
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@click.command("changes")
@click.option("--since", help="Only changes on or after this ISO date or datetime.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@with_appcontext
@reported
def changes_command(since: str | None, as_json: bool) -> None:
    """Print the change history: opportunity id, field, old, new, when."""
    rows = services().store.changes(_parse_since(since))
    if as_json:
        payload = [
            {
                "opportunity_id": c.opportunity_id,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "changed_at": c.changed_at.isoformat(),
            }
            for c in rows
        ]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for c in rows:
        old, new = json.dumps(c.old, ensure_ascii=False), json.dumps(c.new, ensure_ascii=False)
        click.echo(f"{c.changed_at.isoformat()}  {c.opportunity_id}  {c.field}: {old} -> {new}")


COMMANDS: tuple[click.Command, ...] = (
    crawl_command,
    validate_source_command,
    sources_command,
    export_command,
    import_command,
    changes_command,
)
