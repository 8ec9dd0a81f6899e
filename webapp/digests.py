"""E-mail digests: one per person per period, built from matching and sent through mail.

One digest per person per ISO week (or per day for people who asked for daily digests),
idempotently: the log row is claimed before sending and marked sent after, so a second run
sends nothing and a crash halfway never causes a second copy; a failed send is retried.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

from matching.alerts import closing_reminders, followed_changes
from matching.digest import Digest, build_digest, iso_week, week_monday
from matching.index import CallIndex
from matching.profiles import DigestFrequency, Profile
from matching.render import render_digest
from webapp.mail import build_message, send_message
from webapp.matchmaking import call_index, local_today
from webapp.services import Services
from webapp.stores.follows import followed_ids
from webapp.stores.notices import (
    claim_digest,
    digest_entry,
    last_digest_sent_at,
    mark_digest_failed,
    mark_digest_sent,
    notified_match_ids,
)
from webapp.stores.profiles import active_people
from webapp.stores.users import User
from webapp.tokens import Purpose
from webapp.urls import list_unsubscribe_headers, profile_url, unsubscribe_url

logger = logging.getLogger(__name__)

CANDIDATES = 40  # matches considered per person before "already announced" ones drop out
FIRST_DIGEST_LOOKBACK = timedelta(days=7)


class DigestResult(StrEnum):
    """What happened to one person's digest in one run."""

    SENT = "sent"
    FAILED = "failed"
    ALREADY = "already"  # sent, or claimed by a run that may have sent it
    NOTHING = "nothing"  # nothing new worth a message
    WOULD_SEND = "would_send"  # --dry-run


@dataclass(slots=True)
class DigestReport:
    """Counts per outcome, what a dry run would send, and the failures."""

    period: str
    frequency: DigestFrequency
    counts: Counter[DigestResult] = field(default_factory=Counter)
    planned: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, subject)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, error)
    seconds: float = 0.0


def digest_period(
    services: Services, frequency: DigestFrequency, week: str | None, now: datetime
) -> tuple[str, str]:
    """Return ``(week, period)``: the ISO week and the digest-log key for this run.

    :raises ValueError: when ``week`` is not ``YYYY-Www``.
    """
    today = local_today(services, now)
    if week is not None:
        week_monday(week)
        week = week.strip()
    else:
        week = iso_week(today)
    return week, (today.isoformat() if frequency is DigestFrequency.DAILY else week)


def person_digest(
    services: Services,
    user: User,
    profile: Profile,
    *,
    week: str,
    now: datetime,
    index: CallIndex | None = None,
) -> Digest | None:
    """Build one person's digest (new matches, changes to followed calls, closing soon)."""
    store, tz = services.store, services.institution.tz
    index = index if index is not None else call_index(services, now)
    announced = notified_match_ids(store.engine, user.id)
    matches = [m for m in index.rank(profile, limit=CANDIDATES) if m.id not in announced]
    followed = followed_ids(store.engine, user.id)
    calls = {o.id: o for o in store.get_many(sorted(followed))} if followed else {}
    since = last_digest_sent_at(store.engine, user.id) or now - FIRST_DIGEST_LOOKBACK
    rows = store.changes(since, opportunity_ids=sorted(followed)) if followed else []
    changes = followed_changes(rows, followed, tz=tz, since=since)
    closing = closing_reminders(
        calls.values(), today=local_today(services, now), tz=tz, sent=frozenset()
    )
    return build_digest(
        profile,
        matches,
        changes,
        closing,
        week=week,
        tz=tz,
        base_url=services.settings.base_url,
        calls=calls,
    )


def digest_message(
    services: Services, user: User, digest: Digest, *, now: datetime
) -> EmailMessage:
    """Render a digest as a multipart/alternative message with RFC 8058 headers."""
    settings = services.settings
    unsubscribe = unsubscribe_url(settings, user.id, Purpose.UNSUBSCRIBE_DIGEST)
    subject, html, text = render_digest(
        digest,
        unsubscribe_url=unsubscribe,
        profile_url=profile_url(settings),
        brand=f"GrantRadar · {services.institution.short_name}",
    )
    return build_message(
        settings,
        to=user.email,
        subject=subject,
        text=text,
        html=html,
        headers={**list_unsubscribe_headers(unsubscribe), "Auto-Submitted": "auto-generated"},
        now=now,
    )


def send_digests(
    services: Services,
    *,
    week: str | None = None,
    now: datetime,
    dry_run: bool = False,
    frequency: DigestFrequency = DigestFrequency.WEEKLY,
) -> DigestReport:
    """Send every due digest of one period; a second run in the same period sends nothing.

    :raises ValueError: when ``week`` is not ``YYYY-Www``.
    """
    started = time.monotonic()
    week, period = digest_period(services, frequency, week, now)
    report = DigestReport(period=period, frequency=frequency)
    index = call_index(services, now)
    for user, profile, _alerts in active_people(services.store.engine):
        if profile.digest is frequency:
            result = _one_digest(services, user, profile, index, week, period, now, dry_run, report)
            report.counts[result] += 1
    report.seconds = time.monotonic() - started
    logger.info(
        "Completed %s digests for %s in %.1f s: %s",
        frequency,
        period,
        report.seconds,
        dict(report.counts),
        extra={"period": period, "counts": dict(report.counts), "dry_run": dry_run},
    )
    return report


def _one_digest(
    services: Services,
    user: User,
    profile: Profile,
    index: CallIndex,
    week: str,
    period: str,
    now: datetime,
    dry_run: bool,
    report: DigestReport,
) -> DigestResult:
    engine = services.store.engine
    entry = digest_entry(engine, user.id, period)
    if entry is not None and entry.status != "failed":
        return DigestResult.ALREADY
    digest = person_digest(services, user, profile, week=week, now=now, index=index)
    if digest is None:
        return DigestResult.NOTHING
    msg = digest_message(services, user, digest, now=now)
    if dry_run:
        report.planned.append((user.email, str(msg["Subject"])))
        return DigestResult.WOULD_SEND
    if not claim_digest(engine, user.id, period, now=now):
        return DigestResult.ALREADY
    try:
        send_message(services.settings, msg)
    except Exception as exc:
        logger.exception("digest for %s failed", user.email)
        mark_digest_failed(engine, user.id, period, str(exc))
        report.failures.append((user.email, str(exc)))
        return DigestResult.FAILED
    mark_digest_sent(engine, user.id, period, [i.opportunity_id for i in digest.items], now=now)
    return DigestResult.SENT


def preview_digest(
    services: Services, user: User, profile: Profile, *, now: datetime
) -> EmailMessage | None:
    """Return the message this week's digest would be, without sending or recording it."""
    week, _ = digest_period(services, DigestFrequency.WEEKLY, None, now)
    # Staff preview what the digest holds even for people who switched it off.
    weekly = replace(profile, digest=DigestFrequency.WEEKLY)
    digest = person_digest(services, user, weekly, week=week, now=now)
    return digest_message(services, user, digest, now=now) if digest is not None else None
