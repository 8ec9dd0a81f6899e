"""Account creation as the CLI and the demo need it: password input and profile seeding."""

from __future__ import annotations

import secrets
import sys

import click

from webapp.services import Services
from webapp.stores.users import User, create_user


def read_password(*, from_stdin: bool) -> tuple[str, bool]:
    """Return ``(password, generated)``: from stdin, a prompt, or generated when not a tty."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("no password on standard input")
        return password, False
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return secrets.token_urlsafe(12), True


def add_user(
    services: Services,
    email: str,
    *,
    role: str,
    password: str,
    keywords: str = "",
    display_name: str | None = None,
) -> User:
    """Create an account and, when keywords are given, its matching profile."""
    user = create_user(
        services.store.engine, email, role, password, display_name, now=services.clock()
    )
    if keywords.strip():
        from webapp.stores.profiles import save_keywords

        save_keywords(services.store.engine, user.id, keywords, now=services.clock())
    return user
