"""Helpers for the personal-feature tests: a real SMTP server, faculty accounts, mail parsing."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from config.settings import Settings
from indexer.store import Store
from tests.factories import NOW
from webapp import create_app
from webapp.services import Services
from webapp.stores.profiles import save_keywords
from webapp.stores.users import Role, User, create_user

FACULTY_EMAIL = "aibek@uni.example"
FACULTY_PASSWORD = "water management rules"
FACULTY_KEYWORDS = 'water management, irrigation^2, "climate adaptation", cancer epidemiology'
BASE_URL = "https://radar.uni.example"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Delivered:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Mailbox:
    """Collects what the test SMTP server receives."""

    messages: list[Delivered] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        self.messages.append(
            Delivered(envelope.mail_from, list(envelope.rcpt_tos), msg, envelope.original_content)
        )
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"s3cret"
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A running aiosmtpd server and its mailbox."""

    host: str
    port: int
    mailbox: Mailbox

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


@contextmanager
def running_smtp(*, auth: bool = False) -> Iterator[SmtpServer]:
    """Run a real SMTP server on 127.0.0.1 and a free port for the duration."""
    mailbox = Mailbox()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if auth:
        kwargs = {"authenticator": mailbox.authenticate, "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def personal_app(
    settings: Settings, store: Store, backend: Any, clock: Clock, **overrides: Any
) -> Flask:
    """Build another app on the same store and index with changed settings."""
    changed = settings.model_copy(update={"base_url": BASE_URL, **overrides})
    app = create_app(changed, store=store, backend=backend, clock=clock)
    app.config.update(TESTING=True)
    return app


def services_of(app: Flask) -> Services:
    """Return an app's shared objects."""
    services: Services = app.extensions["grantradar"]
    return services


def make_faculty(
    store: Store, email_address: str = FACULTY_EMAIL, keywords: str = FACULTY_KEYWORDS
) -> User:
    """Create a faculty account with profile keywords."""
    user = create_user(store.engine, email_address, Role.FACULTY, FACULTY_PASSWORD, "Aibek Faculty")
    save_keywords(store.engine, user.id, keywords, now=NOW)
    return user


def outbox_messages(outbox: Path) -> list[EmailMessage]:
    """Parse every .eml file in an outbox folder (name order)."""
    found = []
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def parts(msg: EmailMessage) -> tuple[str, str]:
    """Return the (plain text, HTML) bodies of a multipart/alternative message."""
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None
    assert html is not None
    return (
        str(text.get_content()).replace("\r\n", "\n"),
        str(html.get_content()).replace("\r\n", "\n"),
    )
