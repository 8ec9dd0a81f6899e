"""The `users` command group (other modules add to it, e.g. `users delete`)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from webapp.cli_util import reported, services


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
