"""Weekly digests delivered to a real SMTP server (aiosmtpd), and into the outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from matching.profiles import DigestFrequency
from tests.factories import NOW
from tests.webapp.conftest import STAFF_EMAIL
from tests.webapp.personal import (
    BASE_URL,
    Clock,
    free_port,
    make_faculty,
    outbox_messages,
    parts,
    personal_app,
    running_smtp,
    services_of,
)
from webapp.digests import DigestResult, send_digests
from webapp.stores.follows import follow
from webapp.stores.notices import DigestStatus, claim_digest, digest_entry
from webapp.stores.profiles import get_profile
from webapp.stores.users import get_user_by_email

WEEK = "2026-W48"  # NOW is Saturday 28 November 2026


@pytest.fixture
def smtp():
    with running_smtp() as server:
        yield server


@pytest.fixture
def faculty(app, store):
    user = make_faculty(store)
    follow(store.engine, user.id, "eu-portal:HORIZON-CL5-2027-D1-01-two-stage", now=NOW)
    return user


@pytest.fixture
def mail_app(app, settings, store, backend, smtp, faculty):
    return personal_app(settings, store, backend, Clock(), smtp_url=smtp.url)


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_send_digests_delivers_multipart_with_rfc8058_headers(mail_app, smtp, faculty):
    report = send_digests(services_of(mail_app), now=NOW)

    assert report.period == WEEK
    assert report.counts[DigestResult.SENT] == 1
    [delivered] = smtp.mailbox.messages  # the staff account has no keywords: nothing to send
    assert delivered.rcpt_tos == [faculty.email]
    msg = delivered.message
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == faculty.email
    assert WEEK in msg["Subject"]
    unsubscribe = msg["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(BASE_URL)}/unsubscribe/digest/[\w.-]+>", unsubscribe)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire the URL stays readable: not folded or RFC 2047-encoded.
    assert f"\nList-Unsubscribe: {unsubscribe}\r\n".encode() in delivered.raw
    text, html = parts(msg)
    for body in (text, html):
        assert "Capacity building in higher education: water management" in body
        assert "Climate adaptation pathways" in body  # followed, closing within 14 days
        assert "R01-cancer" not in body  # ineligible for Kyrgyzstan
        assert "DAAD research stays" not in body  # closed
    assert "'water management' in title" in text
    assert unsubscribe[1:-1] in html
    assert unsubscribe[1:-1] in text
    assert f"{BASE_URL}/profile" in html
    assert f"{BASE_URL}/profile" in text
    hrefs = _hrefs(html)
    assert hrefs
    assert all(urlsplit(h).scheme == "https" and urlsplit(h).netloc for h in hrefs)
    assert f"{BASE_URL}/opportunities/eu-portal:ERASMUS-EDU-2027-CBHE-STRAND-2" in hrefs


def test_unsubscribe_one_click_post_stops_the_next_digest(mail_app, smtp, store, faculty):
    send_digests(services_of(mail_app), now=NOW)
    [delivered] = smtp.mailbox.messages
    url = urlsplit(delivered.message["List-Unsubscribe"][1:-1])

    client = mail_app.test_client()  # no session, no CSRF token: a mail client's POST
    response = client.post(url.path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "unsubscribed" in response.text
    assert get_profile(store.engine, faculty).digest is DigestFrequency.OFF
    next_week = send_digests(services_of(mail_app), now=NOW + timedelta(days=7))
    assert next_week.period == "2026-W49"
    assert next_week.counts[DigestResult.SENT] == 0
    assert len(smtp.mailbox.messages) == 1


def test_unsubscribe_get_only_asks_to_confirm(mail_app, smtp, store, faculty):
    send_digests(services_of(mail_app), now=NOW)
    path = urlsplit(smtp.mailbox.messages[0].message["List-Unsubscribe"][1:-1]).path
    client = mail_app.test_client()

    page = client.get(path)

    assert page.status_code == 200
    assert "Unsubscribe" in page.text
    assert "<form" in page.text
    assert get_profile(store.engine, faculty).digest is DigestFrequency.WEEKLY
    assert client.post(path[:-3] + "xyz").status_code == 404  # tampered token
    assert client.post(path.replace("/digest/", "/alerts/")).status_code == 404  # wrong purpose


def test_send_digests_second_run_in_the_same_week_sends_nothing(mail_app, smtp, store, faculty):
    first = send_digests(services_of(mail_app), now=NOW)
    second = send_digests(services_of(mail_app), now=NOW + timedelta(days=1))

    assert first.counts[DigestResult.SENT] == 1
    assert second.counts[DigestResult.ALREADY] == 1
    assert second.counts[DigestResult.SENT] == 0
    assert len(smtp.mailbox.messages) == 1
    assert digest_entry(store.engine, faculty.id, WEEK).status is DigestStatus.SENT


def test_send_digests_next_week_sends_only_new_matches(mail_app, smtp, faculty):
    send_digests(services_of(mail_app), now=NOW)
    report = send_digests(services_of(mail_app), now=NOW + timedelta(days=7))

    # The matches were announced last week; only the followed call closing soon remains.
    assert report.counts[DigestResult.SENT] == 1
    text, _ = parts(smtp.mailbox.messages[1].message)
    assert "Capacity building in higher education" not in text
    assert "Climate adaptation pathways" in text


def test_send_digests_after_a_crash_never_sends_a_second_copy(mail_app, smtp, store, faculty):
    # A run claimed the row and died before recording the outcome: it may have sent.
    claim_digest(store.engine, faculty.id, WEEK, now=NOW)

    report = send_digests(services_of(mail_app), now=NOW)

    assert report.counts[DigestResult.ALREADY] == 1
    assert smtp.mailbox.messages == []


def test_send_digests_retries_a_failed_send(app, settings, store, backend, smtp, faculty):
    down = personal_app(
        settings, store, backend, Clock(), smtp_url=f"smtp://127.0.0.1:{free_port()}"
    )
    failed = send_digests(services_of(down), now=NOW)
    assert failed.counts[DigestResult.FAILED] == 1
    assert failed.failures[0][0] == faculty.email
    entry = digest_entry(store.engine, faculty.id, WEEK)
    assert entry.status is DigestStatus.FAILED
    assert entry.error

    up = personal_app(settings, store, backend, Clock(), smtp_url=smtp.url)
    retried = send_digests(services_of(up), now=NOW + timedelta(hours=1))
    again = send_digests(services_of(up), now=NOW + timedelta(hours=2))

    assert retried.counts[DigestResult.SENT] == 1
    assert again.counts[DigestResult.SENT] == 0
    assert [d.rcpt_tos for d in smtp.mailbox.messages] == [[faculty.email]]
    entry = digest_entry(store.engine, faculty.id, WEEK)
    assert (entry.status, entry.attempts) == (DigestStatus.SENT, 2)


def test_send_digests_dry_run_sends_and_records_nothing(mail_app, smtp, store, faculty):
    report = send_digests(services_of(mail_app), now=NOW, dry_run=True)

    assert report.counts[DigestResult.WOULD_SEND] == 1
    assert [email for email, _ in report.planned] == [faculty.email]
    assert smtp.mailbox.messages == []
    assert digest_entry(store.engine, faculty.id, WEEK) is None
    assert send_digests(services_of(mail_app), now=NOW).counts[DigestResult.SENT] == 1


def test_send_digests_writes_outbox_without_smtp(app, settings, store, backend, faculty):
    outbox_app = personal_app(settings, store, backend, Clock())
    send_digests(services_of(outbox_app), now=NOW)
    send_digests(services_of(outbox_app), now=NOW)

    [msg] = outbox_messages(settings.resolved_outbox_dir())
    [raw] = [p.read_bytes() for p in settings.resolved_outbox_dir().glob("*.eml")]
    assert f"\nList-Unsubscribe: <{BASE_URL}/unsubscribe/digest/".encode() in raw
    assert msg["To"] == faculty.email
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(msg)
    assert "water management" in text
    assert "<html" in html


def test_send_digests_rejects_a_bad_week(mail_app):
    with pytest.raises(ValueError, match="ISO week"):
        send_digests(services_of(mail_app), week="2026-48", now=NOW)


def test_digest_cli_dry_run_prints_and_bad_week_is_usage_error(mail_app, smtp, faculty):
    runner = mail_app.test_cli_runner()

    result = runner.invoke(args=["digest", "--dry-run", "--week", WEEK])
    assert result.exit_code == 0, result.output
    assert f"would send to {faculty.email}: " in result.output
    assert smtp.mailbox.messages == []

    bad = runner.invoke(args=["digest", "--week", "next week"])
    assert bad.exit_code == 2

    sent = runner.invoke(args=["digest"])
    assert sent.exit_code == 0
    assert "sent 1" in sent.output
    assert runner.invoke(args=["digest"]).output.count("sent 0") == 1


def test_digest_preview_is_for_staff_only(mail_app, auth, store, faculty):
    client = mail_app.test_client()
    from tests.webapp.conftest import STAFF_PASSWORD, AuthActions

    actions = AuthActions(client)
    actions.login(faculty.email, "water management rules")
    assert client.get(f"/admin/digest-preview/{faculty.id}").status_code == 403
    actions.logout()

    actions.login(STAFF_EMAIL, STAFF_PASSWORD)
    index = client.get("/admin/digest-preview")
    page = client.get(f"/admin/digest-preview/{faculty.id}")
    html = client.get(f"/admin/digest-preview/{faculty.id}/html")
    staff = get_user_by_email(store.engine, STAFF_EMAIL)

    assert faculty.email in index.text
    assert page.status_code == 200
    assert WEEK in page.text
    assert "List-Unsubscribe" in page.text
    assert "Capacity building in higher education" in html.text
    assert "'unsafe-inline'" in html.headers["Content-Security-Policy"]
    assert "script" not in html.headers["Content-Security-Policy"]
    assert client.get(f"/admin/digest-preview/{staff.id}").status_code == 200
    assert digest_entry(store.engine, faculty.id, WEEK) is None  # previews record nothing
