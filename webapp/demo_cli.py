"""`grantradar demo`: load the demo through the real crawlers, create the logins, serve."""

from __future__ import annotations

import click
from flask import Flask

from crawlers.runner import SourceRunResult
from webapp.accounts import add_user
from webapp.db import init_db
from webapp.demo import DemoAccount, load_demo
from webapp.demo_office import seed_office
from webapp.serve import serve
from webapp.services import Services
from webapp.stores.users import get_user_by_email


def _create_account(services: Services, account: DemoAccount) -> bool:
    if get_user_by_email(services.store.engine, account.email) is not None:
        return False
    add_user(
        services,
        account.email,
        role=account.role,
        password=account.password,
        keywords=", ".join(account.keywords),
        display_name=account.display_name,
    )
    return True


def run_demo(services: Services, app: Flask, *, load_only: bool, host: str, port: int) -> None:
    """Load the demo snapshots, print the address and the logins, then serve."""
    init_db(services)
    click.echo("Loading the demo snapshots through the crawlers…")

    def progress(result: SourceRunResult) -> None:
        click.echo(f"  {result.summary()}")

    report = load_demo(
        services.settings,
        store=services.store,
        backend=services.backend,
        now=services.clock(),
        progress=progress,
        create_account=lambda account: _create_account(services, account),
    )
    office = seed_office(services, services.clock())
    outcomes = ", ".join(f"{n} {o.value}" for o, n in report.counts.items() if n)
    click.echo(
        f"Demo loaded from {len(report.results)} source(s), {len(report.failed)} failed "
        f"({outcomes or 'all feeds unchanged since the last load'}); "
        f"{services.store.count()} call(s) stored."
    )
    if office.partners or office.bids:
        click.echo(f"Grants office: {office.partners} MoU partner(s), {office.bids} demo bid(s).")
    click.echo("Demo logins (local demo only):")
    for account in report.accounts:
        click.echo(f"  {account.role:<8} {account.email:<40} password: {account.password}")
    if load_only:
        return
    click.echo(f"GrantRadar is running on http://{host}:{port}/  (Ctrl-C stops it)")
    serve(app, host=host, port=port)
