"""`grantradar grants-gov-extract`: import the Grants.gov daily XML extract."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from crawlers.extract import ExtractCounts, extract_items, fetch_local_copy
from crawlers.sources import SourceConfig, load_sources
from indexer.ingest import ingest
from indexer.records import RunStatus
from webapp.cli_util import reported, services

DEFAULT_SOURCE = "grants-gov-extract"
EXTRACT_INDEX = "https://www.grants.gov/xml-extract"


def _source(key: str) -> SourceConfig:
    registry = load_sources(services().settings.sources)
    if key in registry:
        return registry[key]
    return SourceConfig(key=key, type="grants_gov", url=EXTRACT_INDEX, tags=("us",))


@click.command("grants-gov-extract")
@click.argument("location")
@click.option(
    "--source",
    "source_key",
    default=DEFAULT_SOURCE,
    show_default=True,
    help="Source key the records are stored under (a grants_gov source's key "
    "gives the same ids as its API crawl).",
)
@click.option(
    "--all-applicants",
    is_flag=True,
    help="Also import calls limited to US applicants (left out by default).",
)
@with_appcontext
@reported
def grants_gov_extract_command(location: str, source_key: str, all_applicants: bool) -> None:
    """Import a GrantsDBExtract zip or XML file (a path or an http(s) URL), streamed."""
    svc = services()
    source, now = _source(source_key), svc.clock()
    run_id = svc.store.start_run(source.key, now)
    counts, started = ExtractCounts(), time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="grantradar-extract-") as workdir:
            path = fetch_local_copy(
                location,
                Path(workdir),
                user_agent=svc.settings.user_agent,
                timeout=svc.settings.crawl_timeout,
            )
            items = extract_items(path, source, now, counts=counts, everything=all_applicants)
            report = ingest(svc.store, items, now=now, backend=svc.backend, run_id=run_id)
    except Exception as exc:
        svc.store.finish_run(
            run_id,
            status=RunStatus.FAILED,
            counts={},
            error=str(exc),
            http_status=None,
            now=svc.clock(),
        )
        raise
    svc.store.finish_run(
        run_id,
        status=RunStatus.SUCCESS,
        counts=report.counts,
        error=None,
        http_status=None,
        now=svc.clock(),
    )
    click.echo(
        f"{source.key}: read {counts.read}, left out {counts.us_only} US-only; "
        f"{report.summary()} in {time.monotonic() - started:.1f}s"
    )
    if report.invalid:
        sys.exit(1)


COMMANDS: tuple[click.Command, ...] = (grants_gov_extract_command,)
