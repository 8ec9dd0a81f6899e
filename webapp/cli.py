"""The `grantradar` command line (a Flask CLI group; `flask --app webapp` works the same).

Every command prints one clear line on failure and exits 1 (2 for bad usage), never a
traceback; DESIGN section 7 is the contract for names, options and --json output. The
commands live in the cli_* modules; this one assembles them and runs the console script.
"""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from webapp import cli_bids, cli_extract, cli_ops, cli_personal, cli_search, cli_store
from webapp.cli_users import users_group
from webapp.cli_util import reported, services

logger = logging.getLogger(__name__)


@click.command("init-db")
@with_appcontext
@reported
def init_db_command() -> None:
    """Create or upgrade the database schema and the search index."""
    from webapp.db import init_db

    init_db(services())
    click.echo("Database and search index are ready.")


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


COMMANDS: tuple[click.Command, ...] = (
    init_db_command,
    *cli_store.COMMANDS,
    *cli_search.COMMANDS,
    users_group,
    run_command,
    demo_command,
    *cli_personal.COMMANDS,
    *cli_ops.COMMANDS,
    *cli_bids.COMMANDS,
    *cli_extract.COMMANDS,
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
