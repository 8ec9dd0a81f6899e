"""The notification jobs, by the names the scheduler and the CLI call.

- :func:`compute_matches` - one person's ranked matches (:mod:`webapp.matchmaking`);
- :func:`send_digests` - weekly (or daily) digests, idempotent (:mod:`webapp.digests`);
- :func:`send_alerts` - saved-search results, followed-call changes, closing reminders
  and the daily digests (:mod:`webapp.alerts`).
"""

from __future__ import annotations

from webapp.alerts import AlertReport, AlertResult, send_alerts
from webapp.digests import DigestReport, DigestResult, preview_digest, send_digests
from webapp.matchmaking import compute_matches

__all__ = [
    "AlertReport",
    "AlertResult",
    "DigestReport",
    "DigestResult",
    "compute_matches",
    "preview_digest",
    "send_alerts",
    "send_digests",
]
