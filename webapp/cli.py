"""The `grantradar` command line (a Flask CLI group; `flask --app webapp` works the same).

Every command prints one clear line on failure and exits 1 (2 for bad usage), never a
traceback; DESIGN section 7 is the contract for names, options and --json output.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from indexer.backend import FILTER_KEYS, SearchPage, SearchQuery
from indexer.export import csv_chunks, jsonl_lines
from indexer.ingest import ingest
from indexer.records import RunStatus
from webapp import jobs
from webapp.services import Services, get_services

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def reported(func: F) -> F:
    """Turn any failure of a command into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`grantradar export | head`): stop quietly.
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - must outlive this frame
            sys.exit(0)
        except Exception as exc:
            logger.debug("command failed", exc_info=True)
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def services() -> Services:
    """Return the app's shared objects (inside the app context Flask's CLI provides)."""
    return get_services()


# --- schema ---------------------------------------------------------------------------


@click.command("init-db")
@with_appcontext
@reported
def init_db_command() -> None:
    """Create or upgrade the database schema and the search index."""
    from webapp.db import init_db

    init_db(services())
    click.echo("Database and search index are ready.")


# --- crawling -------------------------------------------------------------------------


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


# --- store ----------------------------------------------------------------------------


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


# --- search ---------------------------------------------------------------------------

_RANGE_KEYS = ("deadline_from", "deadline_to", "budget_min", "budget_max", "closing")


def _range_value(key: str, value: str) -> Any:
    try:
        if key.startswith("deadline"):
            return date.fromisoformat(value)
        if key.startswith("budget"):
            return Decimal(value)
        return int(value)
    except (ValueError, InvalidOperation) as exc:
        raise click.BadParameter(f"bad value for {key}: {value!r}", param_hint="--filter") from exc


def build_cli_query(text: str, filters: tuple[str, ...], limit: int) -> SearchQuery:
    """Turn `search` arguments into a SearchQuery (bad filters are usage errors)."""
    exact: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, Any] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not value:
            raise click.BadParameter(f"expected key=value, got {item!r}", param_hint="--filter")
        if key in _RANGE_KEYS:
            ranges[key] = _range_value(key, value.strip())
        elif key in FILTER_KEYS:
            exact[key] = (*exact.get(key, ()), value.strip())
        else:
            known = ", ".join((*FILTER_KEYS, *_RANGE_KEYS))
            raise click.BadParameter(f"unknown filter {key!r} (use {known})", param_hint="--filter")
    return SearchQuery(
        text=text,
        filters=exact,
        deadline_from=ranges.get("deadline_from"),
        deadline_to=ranges.get("deadline_to"),
        budget_min=ranges.get("budget_min"),
        budget_max=ranges.get("budget_max"),
        closing_within_days=ranges.get("closing"),
        per_page=limit,
    )


def page_as_json(page: SearchPage) -> dict[str, Any]:
    """Return the `search --json` object of DESIGN section 7."""
    return {
        "total": page.total,
        "hits": [
            {
                "id": h.id,
                "title": h.title,
                "url": h.url,
                "score": round(h.score, 4),
                "next_deadline": h.next_deadline.isoformat() if h.next_deadline else None,
                "status": h.status,
                "funder": h.funder,
                "programme": h.programme,
                "kind": h.kind,
                "call_id": h.call_id,
                "snippet": h.snippet_html,
            }
            for h in page.hits
        ],
        "facets": {k: {f.value: f.count for f in v} for k, v in page.facets.items()},
    }


@click.command("search")
@click.argument("text", nargs=-1)
@click.option("--filter", "filters", multiple=True, help="key=value, e.g. programme=Erasmus+.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@with_appcontext
@reported
def search_command(
    text: tuple[str, ...], filters: tuple[str, ...], as_json: bool, limit: int
) -> None:
    """Search the calls (open and forthcoming unless --filter status=closed)."""
    svc = services()
    query = build_cli_query(" ".join(text), filters, limit)
    page = svc.backend.search(_with_now(query, svc.clock()))
    if as_json:
        click.echo(json.dumps(page_as_json(page), indent=2, ensure_ascii=False))
        return
    click.echo(f"{page.total} result(s)")
    for hit in page.hits:
        deadline = hit.next_deadline.strftime("%Y-%m-%d %H:%M %Z") if hit.next_deadline else "-"
        click.echo(f"{hit.status:<11} {deadline:<20} {hit.title}  [{hit.id}]")


def _with_now(query: SearchQuery, now: datetime) -> SearchQuery:
    from dataclasses import replace

    return replace(query, now=now)


@click.command("reindex")
@with_appcontext
@reported
def reindex_command() -> None:
    """Rebuild the search index from the store."""
    svc = services()
    total = svc.store.count()
    with click.progressbar(length=total, label="Reindexing", file=sys.stderr) as bar:
        report = jobs.reindex(svc.store, svc.backend, progress=bar.update)
    click.echo(f"Indexed {report.indexed} record(s) in {report.seconds:.1f} s.")


# --- users ----------------------------------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["faculty", "staff", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--keywords", default="", help='Profile keywords, e.g. "water management, GIS".')
@click.option("--name", "display_name", default=None, help="Display name.")
@with_appcontext
@reported
def users_add_command(
    email: str, role: str, password_stdin: bool, keywords: str, display_name: str | None
) -> None:
    """Create an account (the password is read from stdin, prompted, or generated)."""
    from webapp.accounts import add_user, read_password

    password, generated = read_password(from_stdin=password_stdin)
    user = add_user(
        services(),
        email,
        role=role,
        password=password,
        keywords=keywords,
        display_name=display_name,
    )
    click.echo(f"Created {user.role} account {user.email}.")
    if generated:
        click.echo(f"Generated password: {password}")


# --- serving --------------------------------------------------------------------------


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
@reported
def run_command(host: str, port: int) -> None:
    """Serve the web app (waitress, a production WSGI server)."""
    from flask import current_app

    from webapp.serve import serve

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    serve(app, host=host, port=port)


@click.command("demo")
@click.option("--load-only", is_flag=True, help="Load the demo data and accounts, do not serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
@reported
def demo_command(load_only: bool, host: str, port: int) -> None:
    """Load the demo snapshots through the real crawlers, create demo users, serve."""
    from flask import current_app

    from webapp.demo_cli import run_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_demo(services(), app, load_only=load_only, host=host, port=port)


# Imported here, not at the top: these modules decorate their commands with `reported`.
from webapp import cli_bids, cli_ops, cli_personal  # noqa: E402

COMMANDS = (
    init_db_command,
    crawl_command,
    sources_command,
    export_command,
    import_command,
    changes_command,
    search_command,
    reindex_command,
    users_group,
    run_command,
    demo_command,
    *cli_personal.COMMANDS,
    *cli_ops.COMMANDS,
    *cli_bids.COMMANDS,
)


def register_cli(app: Flask) -> None:
    """Add the GrantRadar commands to the app's CLI group."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from webapp import create_app

    return create_app()


def main() -> None:
    """Run the `grantradar` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cli = FlaskGroup(
        name="grantradar",
        create_app=_create_app,
        add_default_commands=False,
        load_dotenv=False,
        help="GrantRadar: funding calls for a university, crawled, searched, matched.",
    )
    try:
        cli.main(prog_name="grantradar")
    except Exception as exc:
        # Failures while building the app (a broken settings file, an unreadable
        # database) happen before any command's own error handling.
        logger.debug("start-up failed", exc_info=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
