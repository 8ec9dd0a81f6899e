"""webapp.mail against a real SMTP server (aiosmtpd) and the outbox folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from tests.factories import NOW
from tests.webapp.personal import free_port, outbox_messages, parts, running_smtp
from webapp.mail import MailError, Security, build_message, parse_smtp_url, send_message


def _settings(tmp_path: Path, smtp_url: str = "") -> Settings:
    return Settings(
        instance_dir=tmp_path / "instance",
        smtp_url=smtp_url,
        mail_from="GrantRadar <radar@uni.example>",
    )


def _message(settings: Settings, to: str = "person@uni.example"):
    return build_message(
        settings,
        to=to,
        subject="Test – Тест",
        text="Plain body",
        html="<p>HTML body</p>",
        headers={"List-Unsubscribe": "<https://radar.example/u/1>"},
        now=NOW,
    )


@pytest.mark.parametrize(
    ("url", "host", "port", "security", "user", "password"),
    [
        ("smtp://mail.example", "mail.example", 25, Security.OPPORTUNISTIC, None, None),
        ("smtp://u:p@mail.example:2525", "mail.example", 2525, Security.OPPORTUNISTIC, "u", "p"),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example",
            "mail.example",
            587,
            Security.STARTTLS,
            "u@x",
            "p:w",
        ),
        ("smtps://mail.example", "mail.example", 465, Security.SSL, None, None),
    ],
)
def test_parse_smtp_url_reads_every_form(url, host, port, security, user, password):
    config = parse_smtp_url(url)
    assert (config.host, config.port, config.security) == (host, port, security)
    assert (config.username, config.password) == (user, password)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://mail.example:99999"])
def test_parse_smtp_url_rejects_bad_urls(url):
    with pytest.raises(MailError):
        parse_smtp_url(url)


def test_send_message_delivers_over_smtp(tmp_path):
    with running_smtp() as server:
        settings = _settings(tmp_path, server.url)
        send_message(settings, _message(settings))
    [delivered] = server.mailbox.messages
    assert delivered.rcpt_tos == ["person@uni.example"]
    assert delivered.mail_from == "radar@uni.example"
    msg = delivered.message
    assert msg["Subject"] == "Test – Тест"
    assert msg.get_content_type() == "multipart/alternative"
    assert parts(msg) == ("Plain body\n", "<p>HTML body</p>\n")
    assert msg["List-Unsubscribe"] == "<https://radar.example/u/1>"
    assert msg["Message-ID"].endswith("@uni.example>")


def test_send_message_logs_in_with_url_credentials(tmp_path):
    with running_smtp(auth=True) as server:
        settings = _settings(tmp_path, f"smtp://radar:s3cret@127.0.0.1:{server.port}")
        send_message(settings, _message(settings))
        wrong = _settings(tmp_path, f"smtp://radar:wrong@127.0.0.1:{server.port}")
        with pytest.raises(MailError):
            send_message(wrong, _message(wrong))
    assert server.mailbox.logins == ["radar"]
    assert len(server.mailbox.messages) == 1


def test_send_message_requires_starttls_when_asked(tmp_path):
    with running_smtp() as server:
        settings = _settings(tmp_path, f"smtp+starttls://127.0.0.1:{server.port}")
        with pytest.raises(MailError, match="STARTTLS"):
            send_message(settings, _message(settings))
    assert server.mailbox.messages == []


def test_send_message_raises_mail_error_when_server_is_down(tmp_path):
    settings = _settings(tmp_path, f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(MailError, match=r"person@uni\.example"):
        send_message(settings, _message(settings))


def test_send_message_writes_outbox_without_smtp_url(tmp_path):
    settings = _settings(tmp_path)
    send_message(settings, _message(settings, to="one@uni.example"))
    send_message(settings, _message(settings, to="two@uni.example"))
    outbox = settings.resolved_outbox_dir()
    assert not list(outbox.glob(".*"))  # no temporary file left behind
    messages = outbox_messages(outbox)
    assert sorted(m["To"] for m in messages) == ["one@uni.example", "two@uni.example"]
    assert all(parts(m)[1] == "<p>HTML body</p>\n" for m in messages)
