"""The one write path for opportunities: validate, normalize, upsert, record changes, index.

Every crawler item and every status refresh goes through here, so change detection and
the search index can never drift from the store.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from indexer.backend import SearchBackend
from indexer.records import (
    IngestOutcome,
    Opportunity,
    changed_fields,
    compute_content_hash,
    derive_status,
    from_dict,
    make_id,
)
from indexer.store import Store

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_TITLE = 1_000
MAX_SUMMARY = 2_000


@dataclass
class IngestReport:
    """Counts per outcome, the reasons for invalid items and the ids that changed."""

    counts: Counter[IngestOutcome] = field(default_factory=Counter)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another report's figures to this one."""
        self.counts.update(other.counts)
        self.invalid.extend(other.invalid)
        self.changed_ids.extend(other.changed_ids)

    def summary(self) -> str:
        """Return the counts as one short line."""
        return outcome_counts(self.counts)


def outcome_counts(counts: Mapping[IngestOutcome, int]) -> str:
    """Return ``"added N, updated N, unchanged N, invalid N"``."""
    return ", ".join(f"{o.value} {counts.get(o, 0)}" for o in IngestOutcome)


def _item_key(item: Opportunity | Mapping[str, Any]) -> str:
    if isinstance(item, Opportunity):
        return item.id
    return str(item.get("id") or item.get("source_key") or item.get("url") or "?")


def validate(opp: Opportunity) -> None:
    """Check what no source may get wrong.

    :raises ValueError: naming the first problem found.
    """
    if not opp.title.strip():
        raise ValueError("empty title")
    if urlsplit(opp.url).scheme not in ("http", "https"):
        raise ValueError(f"url is not http(s): {opp.url!r}")
    if opp.id != make_id(opp.source, opp.source_key):
        raise ValueError("id is not '{source}:{source_key}'")
    for money in (opp.budget_total, opp.award_min, opp.award_max):
        if money is not None and (len(money.currency) != 3 or money.amount < 0):
            raise ValueError(f"bad money value {money!r}")


def normalize(opp: Opportunity, *, now: datetime) -> Opportunity:
    """Return the record with derived status, tidy text and its content hash."""
    deadlines = tuple(sorted(set(opp.deadlines), key=lambda d: d.at))
    tidy = dataclasses.replace(
        opp,
        title=" ".join(opp.title.split())[:MAX_TITLE],
        summary=opp.summary.strip()[:MAX_SUMMARY],
        deadlines=deadlines,
        status=derive_status(opp.opening_date, deadlines, opp.status, now),
        fetched_at=opp.fetched_at or now,
        first_seen=None,
        last_changed=None,
        content_hash=None,
    )
    return dataclasses.replace(tidy, content_hash=compute_content_hash(tidy))


def _upsert_one(
    store: Store,
    conn: Connection,
    opp: Opportunity,
    stored_hash: str | None,
    *,
    now: datetime,
    run_id: int | None,
) -> tuple[IngestOutcome, Opportunity]:
    """Write one record given the content hash stored for its id (None: not stored yet)."""
    if stored_hash is None:
        new = dataclasses.replace(opp, first_seen=now, last_changed=now)
        store.write(conn, new, exists=False)
        return IngestOutcome.ADDED, new
    if stored_hash == opp.content_hash:
        return IngestOutcome.UNCHANGED, opp
    old = store.get_in(conn, opp.id)
    assert old is not None  # its hash was just read in this transaction
    new = dataclasses.replace(opp, first_seen=old.first_seen or now, last_changed=now)
    store.write(conn, new, exists=True)
    store.add_changes(conn, opp.id, changed_fields(old, new), now=now, run_id=run_id)
    return IngestOutcome.UPDATED, new


def _batches(
    items: Iterable[Opportunity | Mapping[str, Any]], size: int
) -> Iterator[Sequence[Opportunity | Mapping[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _prepare(item: Opportunity | Mapping[str, Any], now: datetime) -> Opportunity:
    opp = item if isinstance(item, Opportunity) else from_dict(item)
    validate(opp)
    return normalize(opp, now=now)


def _ingest_batch(
    store: Store,
    batch: Sequence[Opportunity | Mapping[str, Any]],
    *,
    now: datetime,
    run_id: int | None,
) -> tuple[IngestReport, list[Opportunity]]:
    report = IngestReport()
    changed: dict[str, Opportunity] = {}
    prepared: list[Opportunity] = []
    for item in batch:
        try:
            prepared.append(_prepare(item, now))
        except (ValueError, TypeError) as exc:
            report.counts[IngestOutcome.INVALID] += 1
            report.invalid.append((_item_key(item), str(exc)))
    with store.transaction() as conn:
        # One lookup for the whole batch; kept current so a repeated id sees its first copy.
        hashes = store.content_hashes_in(conn, (opp.id for opp in prepared))
        for opp in prepared:
            outcome, stored = _upsert_one(
                store, conn, opp, hashes.get(opp.id), now=now, run_id=run_id
            )
            report.counts[outcome] += 1
            if outcome is not IngestOutcome.UNCHANGED:
                hashes[opp.id] = stored.content_hash or ""
                changed[stored.id] = stored
                report.changed_ids.append(stored.id)
    return report, list(changed.values())


def ingest(
    store: Store,
    items: Iterable[Opportunity | Mapping[str, Any]],
    *,
    now: datetime,
    backend: SearchBackend | None = None,
    run_id: int | None = None,
) -> IngestReport:
    """Validate, normalize and upsert items; record changes; update the search index.

    Items are records or dicts in :func:`indexer.records.to_dict` form. Re-ingesting the
    same content changes nothing. The store is committed before the index is touched, so
    a failing index never loses data (``grantradar reindex`` recovers it).

    :return: counts per :class:`IngestOutcome`, invalid items with reasons, changed ids.
    """
    report = IngestReport()
    for batch in _batches(items, BATCH_SIZE):
        batch_report, changed = _ingest_batch(store, batch, now=now, run_id=run_id)
        report.merge(batch_report)
        if backend is not None and changed:
            backend.upsert(changed)
    for key, reason in report.invalid[:20]:
        logger.warning("Invalid item %s: %s", key, reason, extra={"item": key})
    logger.info("Ingested: %s", report.summary(), extra={"counts": dict(report.counts)})
    return report


def refresh_statuses(
    store: Store, *, now: datetime, backend: SearchBackend | None = None
) -> IngestReport:
    """Re-derive the status of records whose dates have passed (open -> closed, ...).

    Runs daily; each status change is an UPDATED with a history row, like a crawl's.
    """
    due = store.get_many(store.ids_due_for_status_refresh(now))
    return ingest(store, due, now=now, backend=backend)
