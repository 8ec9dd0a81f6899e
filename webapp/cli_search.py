"""Commands over the search index: search and reindex."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from flask.cli import with_appcontext

from indexer.backend import FILTER_KEYS, SearchQuery
from webapp import jobs
from webapp.cli_util import reported, services
from webapp.search_json import page_as_json

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


# Unknown "options" are search text: "-Erasmus" excludes a word, as in the search box.
@click.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("text", nargs=-1, type=click.UNPROCESSED)
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
    page = svc.backend.search(replace(query, now=svc.clock()))
    if as_json:
        click.echo(json.dumps(page_as_json(page), indent=2, ensure_ascii=False))
        return
    click.echo(f"{page.total} result(s)")
    for hit in page.hits:
        deadline = hit.next_deadline.strftime("%Y-%m-%d %H:%M %Z") if hit.next_deadline else "-"
        click.echo(f"{hit.status:<11} {deadline:<20} {hit.title}  [{hit.id}]")


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


COMMANDS: tuple[click.Command, ...] = (search_command, reindex_command)
