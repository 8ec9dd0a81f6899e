"""Alert e-mails: new saved-search results, changes to followed calls, closing reminders.

One message per person per run, holding everything due. What was announced (result ids,
reminder keys, the change mark) is recorded only after the message went out, so a failed
send is simply retried by the next run. People with daily digests get them here too.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from werkzeug.datastructures import MultiDict

from indexer.backend import SortOrder
from indexer.records import Opportunity
from matching.alerts import ChangeNotice, Reminder, closing_reminders, followed_changes
from matching.profiles import DigestFrequency, Profile
from webapp.alert_mail import AlertMail, SearchSection, alert_message
from webapp.digests import DigestReport, send_digests
from webapp.forms import parse_search_args
from webapp.mail import send_message
from webapp.matchmaking import local_today
from webapp.services import Services
from webapp.stores.follows import followed_since
from webapp.stores.notices import (
    add_reminder_keys,
    alert_result_ids,
    get_mark,
    sent_reminder_keys,
    set_alert_result_ids,
    set_mark,
)
from webapp.stores.profiles import active_people
from webapp.stores.saved_searches import SavedSearch, alerting_searches
from webapp.stores.users import User

logger = logging.getLogger(__name__)

ALERT_RESULTS = 100  # newest results compared per saved search
CHANGES_MARK = "follow_changes"
# Slack so that a job scheduled "daily at 07:00" that ran at 07:02 yesterday still runs.
MIN_GAP = {
    DigestFrequency.DAILY: timedelta(hours=20),
    DigestFrequency.WEEKLY: timedelta(days=6, hours=20),
}


class AlertResult:
    """What happened to one person's alerts in one run (plain constants)."""

    SENT = "sent"
    FAILED = "failed"
    NOTHING = "nothing"
    OFF = "off"


@dataclass(slots=True)
class AlertReport:
    """Counts per outcome and per kind of notice, plus the daily digests sent alongside."""

    counts: Counter[str] = field(default_factory=Counter)
    new_results: int = 0
    changes: int = 0
    reminders: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    digests: DigestReport | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class _Plan:
    searches: list[tuple[SavedSearch, list[Opportunity], frozenset[str]]]
    changes: list[ChangeNotice]
    reminders: list[Reminder]
    calls: dict[str, Opportunity]
    mark: datetime | None

    @property
    def empty(self) -> bool:
        return not (any(new for _, new, _ in self.searches) or self.changes or self.reminders)


def _due(search: SavedSearch, last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= MIN_GAP.get(search.frequency, timedelta(days=1))


def _search_news(
    services: Services, search: SavedSearch, profile: Profile, now: datetime
) -> tuple[list[Opportunity], frozenset[str]] | None:
    notified, last = alert_result_ids(services.store.engine, search.id)
    if not _due(search, last, now):
        return None
    query = parse_search_args(MultiDict(list(search.query)), now=now, per_page=ALERT_RESULTS)
    page = services.backend.search(replace(query, sort=SortOrder.NEWEST, page=1))
    ids = [h.id for h in page.hits]
    new = [i for i in ids if i not in notified and i not in profile.muted]
    return services.store.get_many(new), frozenset(notified | set(ids))


def _follow_news(
    services: Services, user: User, now: datetime
) -> tuple[list[ChangeNotice], list[Reminder], dict[str, Opportunity], datetime | None]:
    store, tz = services.store, services.institution.tz
    since_by_call = followed_since(store.engine, user.id)
    if not since_by_call:
        return [], [], {}, None
    mark = get_mark(store.engine, user.id, CHANGES_MARK)
    since = mark or min(since_by_call.values())
    rows = [
        r
        for r in store.changes(since, opportunity_ids=sorted(since_by_call))
        if r.changed_at > since_by_call[r.opportunity_id]
    ]
    changes = followed_changes(rows, since_by_call.keys(), tz=tz, since=since)
    calls = {o.id: o for o in store.get_many(sorted(since_by_call))}
    reminders = closing_reminders(
        calls.values(),
        today=local_today(services, now),
        tz=tz,
        sent=sent_reminder_keys(store.engine, user.id),
    )
    newest = max((r.changed_at for r in rows), default=None)
    return changes, reminders, calls, newest


def plan_alerts(
    services: Services, user: User, profile: Profile, searches: Sequence[SavedSearch], now: datetime
) -> _Plan:
    """Gather everything due for one person (nothing is recorded)."""
    found = []
    for search in searches:
        news = _search_news(services, search, profile, now)
        if news is not None:
            found.append((search, *news))
    changes, reminders, calls, mark = _follow_news(services, user, now)
    return _Plan(found, changes, reminders, calls, mark)


def _record(services: Services, user: User, plan: _Plan, now: datetime) -> None:
    with services.store.engine.begin() as conn:
        for search, _new, remember in plan.searches:
            set_alert_result_ids(conn, search.id, remember, now=now)
        keys = [k for r in plan.reminders for k in r.keys]
        add_reminder_keys(conn, user.id, keys, now=now)
        if plan.mark is not None:
            set_mark(conn, user.id, CHANGES_MARK, plan.mark)


def _mail(services: Services, user: User, plan: _Plan) -> AlertMail:
    sections = [SearchSection(s, new) for s, new, _ in plan.searches if new]
    return AlertMail(user, sections, plan.changes, plan.reminders, plan.calls)


def _alert_one(
    services: Services,
    user: User,
    profile: Profile,
    searches: Sequence[SavedSearch],
    now: datetime,
    report: AlertReport,
) -> str:
    plan = plan_alerts(services, user, profile, searches, now)
    if plan.empty:
        if plan.searches or plan.mark is not None:
            # Remember what was checked (results muted or seen, the change mark).
            _record(services, user, replace(plan, reminders=[]), now)
        return AlertResult.NOTHING
    msg = alert_message(services, _mail(services, user, plan), now=now)
    try:
        send_message(services.settings, msg)
    except Exception as exc:
        logger.exception("alerts for %s failed", user.email)
        report.failures.append((user.email, str(exc)))
        return AlertResult.FAILED
    _record(services, user, plan, now)
    report.new_results += sum(len(new) for _, new, _ in plan.searches)
    report.changes += len(plan.changes)
    report.reminders += len(plan.reminders)
    return AlertResult.SENT


def send_alerts(services: Services, *, now: datetime) -> AlertReport:
    """Send every person's due alerts, then the daily digests; return the counts."""
    started = time.monotonic()
    report = AlertReport()
    by_user: defaultdict[int, list[SavedSearch]] = defaultdict(list)
    for search in alerting_searches(services.store.engine):
        by_user[search.user_id].append(search)
    for user, profile, alerts_on in active_people(services.store.engine):
        if not alerts_on:
            report.counts[AlertResult.OFF] += 1
            continue
        report.counts[_alert_one(services, user, profile, by_user[user.id], now, report)] += 1
    report.digests = send_digests(services, now=now, frequency=DigestFrequency.DAILY)
    report.seconds = time.monotonic() - started
    logger.info(
        "Completed alerts in %.1f s: %s, %d new results, %d changes, %d reminders",
        report.seconds,
        dict(report.counts),
        report.new_results,
        report.changes,
        report.reminders,
        extra={"counts": dict(report.counts)},
    )
    return report


def remember_current_results(services: Services, search: SavedSearch, *, now: datetime) -> None:
    """Record a saved search's current results as seen (the person just saw them)."""
    query = parse_search_args(MultiDict(list(search.query)), now=now, per_page=ALERT_RESULTS)
    page = services.backend.search(replace(query, sort=SortOrder.NEWEST, page=1))
    with services.store.engine.begin() as conn:
        set_alert_result_ids(conn, search.id, [h.id for h in page.hits], now=now)
