"""Outgoing mail: SMTP from ``GRANTRADAR_SMTP_URL``, else .eml files in the outbox folder.

URL forms (user and password are optional and percent-decoded):

- ``smtp://user:password@host:25`` - plain SMTP, upgraded with STARTTLS when the server
  offers it;
- ``smtp+starttls://user:password@host:587`` - STARTTLS required;
- ``smtps://user:password@host:465`` - TLS from the first byte.
"""

from __future__ import annotations

import email.policy
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from config.settings import Settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0
# The default policy folds at 78 characters and RFC 2047-encodes any longer token, which
# turns a long List-Unsubscribe URL into something no mail client can use; RFC 5322
# allows lines up to 998 characters.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)


class MailError(RuntimeError):
    """A message could not be handed to the mail server or written to the outbox."""


class Security(StrEnum):
    """How the SMTP connection is protected."""

    OPPORTUNISTIC = "opportunistic"  # smtp://: STARTTLS when offered
    STARTTLS = "starttls"  # smtp+starttls://: STARTTLS or fail
    SSL = "ssl"  # smtps://


_SCHEMES = {
    "smtp": (Security.OPPORTUNISTIC, 25),
    "smtp+starttls": (Security.STARTTLS, 587),
    "smtps": (Security.SSL, 465),
}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to deliver mail over SMTP."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpConfig:
    """Parse an SMTP URL.

    :raises MailError: for an unknown scheme, a missing host or a bad port.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise MailError(f"unsupported SMTP URL scheme {scheme!r}: use smtp, smtp+starttls, smtps")
    security, default_port = _SCHEMES[scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise MailError(f"bad port in SMTP URL: {exc}") from exc
    if not parts.hostname:
        raise MailError("the SMTP URL names no host")
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def build_message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """Build a message from the configured sender: plain text, plus an HTML alternative."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    if now is not None:
        msg["Date"] = format_datetime(now)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def send_message(settings: Settings, msg: EmailMessage) -> None:
    """Deliver one message by SMTP, or write it to the outbox when no SMTP URL is set.

    :raises MailError: when the server refuses the message or cannot be reached.
    """
    if not settings.smtp_url:
        path = write_to_outbox(settings.resolved_outbox_dir(), msg)
        logger.info("mail written to outbox %s", path, extra={"to": msg["To"]})
        return
    config = parse_smtp_url(settings.smtp_url)
    try:
        _deliver(config, msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP delivery to {msg['To']} failed: {exc}") from exc
    logger.info("mail sent to %s via %s", msg["To"], config.host, extra={"to": msg["To"]})


def _deliver(config: SmtpConfig, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.security is Security.SSL:
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT)
    with smtp:
        smtp.ehlo()
        if config.security is not Security.SSL:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif config.security is Security.STARTTLS:
                raise MailError(f"{config.host} does not offer STARTTLS")
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(msg)


def write_to_outbox(outbox: Path, msg: EmailMessage) -> Path:
    """Write a message as an .eml file; readers never see a half-written file."""
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.eml"
    tmp = outbox / f".{name}.tmp"
    try:
        tmp.write_bytes(msg.as_bytes())
        os.replace(tmp, outbox / name)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MailError(f"cannot write to the outbox {outbox}: {exc}") from exc
    return outbox / name
