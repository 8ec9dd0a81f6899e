"""Alert e-mails: new saved-search results, changes to followed calls, closing reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from indexer.ingest import ingest
from indexer.records import Deadline, Money
from matching.profiles import DigestFrequency
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, NOW, make_opportunity
from tests.webapp.conftest import AuthActions, csrf_token
from tests.webapp.personal import (
    FACULTY_PASSWORD,
    Clock,
    free_port,
    make_faculty,
    parts,
    personal_app,
    running_smtp,
    services_of,
)
from webapp.alerts import AlertResult, send_alerts
from webapp.stores.follows import follow
from webapp.stores.profiles import alerts_enabled, save_profile
from webapp.stores.saved_searches import list_saved_searches

NEW_WATER_CALL = make_opportunity(
    source="water-fund",
    source_key="WF-2027-1",
    title="Small grants for water management innovation",
    summary="Grants for irrigation and water management pilots.",
    eligible_groups=("ALL",),
    deadlines=(Deadline(NOW + timedelta(days=60), "Deadline"),),
)


@pytest.fixture
def smtp():
    with running_smtp() as server:
        yield server


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def mail_app(app, settings, store, backend, smtp, clock):
    return personal_app(settings, store, backend, clock, smtp_url=smtp.url)


@pytest.fixture
def faculty(app, store):
    return make_faculty(store)


def _save_search(app, faculty, query: str, name: str, frequency: str = "daily") -> None:
    client = app.test_client()
    AuthActions(client).login(faculty.email, FACULTY_PASSWORD)
    page = client.get(f"/search?{query}")
    data = {"csrf_token": csrf_token(page.text), "name": name, "frequency": frequency}
    data.update(dict(p.split("=") for p in query.split("&")))
    assert client.post("/saved-searches", data=data).status_code == 302


def test_send_alerts_mails_new_saved_search_results_once(mail_app, smtp, store, backend, faculty):
    _save_search(mail_app, faculty, "q=water", "Water calls")
    quiet = send_alerts(services_of(mail_app), now=NOW + timedelta(hours=1))
    assert quiet.counts[AlertResult.SENT] == 0  # nothing new since the search was saved

    ingest(store, [NEW_WATER_CALL], now=NOW + timedelta(hours=2), backend=backend)
    report = send_alerts(services_of(mail_app), now=NOW + timedelta(days=1))
    again = send_alerts(services_of(mail_app), now=NOW + timedelta(days=2))

    assert report.counts[AlertResult.SENT] == 1
    assert report.new_results == 1
    assert again.counts[AlertResult.SENT] == 0
    [delivered] = smtp.mailbox.messages
    assert delivered.rcpt_tos == [faculty.email]
    msg = delivered.message
    assert "1 new result" in msg["Subject"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(msg)
    assert 'New for your saved search "Water calls" (1)' in text
    assert "Small grants for water management innovation" in html
    assert "Capacity building in higher education" not in text  # seen when saved


def test_send_alerts_weekly_search_waits_a_week(mail_app, smtp, store, backend, faculty):
    _save_search(mail_app, faculty, "q=water", "Weekly water", frequency="weekly")
    ingest(store, [NEW_WATER_CALL], now=NOW + timedelta(hours=2), backend=backend)

    early = send_alerts(services_of(mail_app), now=NOW + timedelta(days=2))
    later = send_alerts(services_of(mail_app), now=NOW + timedelta(days=7))

    assert early.new_results == 0
    assert later.new_results == 1


def test_send_alerts_reports_changes_to_followed_calls(mail_app, smtp, store, backend, faculty):
    follow(store.engine, faculty.id, ERASMUS_CBHE_WATER.id, now=NOW)
    moved = replace(
        ERASMUS_CBHE_WATER,
        deadlines=(Deadline(NOW + timedelta(days=70), "Deadline"),),
        budget_total=Money(ERASMUS_CBHE_WATER.budget_total.amount * 2, "EUR"),
    )
    ingest(store, [moved], now=NOW + timedelta(hours=3), backend=backend)

    report = send_alerts(services_of(mail_app), now=NOW + timedelta(hours=4))
    again = send_alerts(services_of(mail_app), now=NOW + timedelta(days=1))

    assert report.changes == 2
    assert again.changes == 0
    text, _ = parts(smtp.mailbox.messages[0].message)
    assert "deadline moved from" in text
    assert "budget changed from EUR 10,000,000 to EUR 20,000,000" in text
    # The move recorded before the follow (conftest's second crawl at NOW) is not news.
    assert text.count("deadline moved") == 1


def test_send_alerts_sends_each_closing_reminder_once(mail_app, smtp, store, faculty):
    follow(store.engine, faculty.id, HORIZON_TWO_STAGE_CLIMATE.id, now=NOW)  # stage 1 in 20 days

    day6 = send_alerts(services_of(mail_app), now=NOW + timedelta(days=6))  # 14 days left
    day7 = send_alerts(services_of(mail_app), now=NOW + timedelta(days=7))
    day17 = send_alerts(services_of(mail_app), now=NOW + timedelta(days=17))  # 3 days left

    assert (day6.reminders, day7.reminders, day17.reminders) == (1, 0, 1)
    texts = [parts(d.message)[0] for d in smtp.mailbox.messages]
    assert "deadline in 14 days" in texts[0]
    assert "deadline in 3 days" in texts[1]


def test_send_alerts_failed_send_is_retried(app, settings, store, backend, smtp, faculty):
    follow(store.engine, faculty.id, HORIZON_TWO_STAGE_CLIMATE.id, now=NOW)
    down = personal_app(
        settings, store, backend, Clock(), smtp_url=f"smtp://127.0.0.1:{free_port()}"
    )
    failed = send_alerts(services_of(down), now=NOW + timedelta(days=6))
    assert failed.counts[AlertResult.FAILED] == 1

    up = personal_app(settings, store, backend, Clock(), smtp_url=smtp.url)
    retried = send_alerts(services_of(up), now=NOW + timedelta(days=6, hours=1))

    assert retried.reminders == 1
    assert len(smtp.mailbox.messages) == 1


def test_alerts_unsubscribe_turns_off_alerts_and_saved_searches(mail_app, smtp, store, faculty):
    _save_search(mail_app, faculty, "q=water", "Water calls")
    follow(store.engine, faculty.id, HORIZON_TWO_STAGE_CLIMATE.id, now=NOW)
    send_alerts(services_of(mail_app), now=NOW + timedelta(days=6))
    url = urlsplit(smtp.mailbox.messages[0].message["List-Unsubscribe"][1:-1])
    assert url.path.startswith("/unsubscribe/alerts/")

    response = mail_app.test_client().post(url.path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not alerts_enabled(store.engine, faculty.id)
    assert [s.frequency for s in list_saved_searches(store.engine, faculty.id)] == [
        DigestFrequency.OFF
    ]
    report = send_alerts(services_of(mail_app), now=NOW + timedelta(days=17))
    assert report.counts[AlertResult.OFF] == 1
    assert len(smtp.mailbox.messages) == 1


def test_send_alerts_sends_daily_digests(mail_app, smtp, store, faculty):
    from webapp.stores.profiles import get_profile

    profile = get_profile(store.engine, faculty)
    save_profile(store.engine, faculty.id, replace(profile, digest=DigestFrequency.DAILY), now=NOW)

    first = send_alerts(services_of(mail_app), now=NOW)
    same_day = send_alerts(services_of(mail_app), now=NOW + timedelta(hours=2))

    assert first.digests.period == "2026-11-28"
    assert first.digests.counts["sent"] == 1
    assert same_day.digests.counts["sent"] == 0
    assert "Capacity building in higher education" in parts(smtp.mailbox.messages[0].message)[0]
