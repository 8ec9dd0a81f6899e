"""Build crawler items in ``records.to_dict()`` form: one place for ids, defaults, status."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from crawlers.sources import SourceConfig
from indexer.records import (
    OpportunityKind,
    OpportunityStatus,
    derive_status,
    from_dict,
    make_id,
    to_dict,
)


def build_item(
    source: SourceConfig,
    now: datetime,
    *,
    source_key: str,
    url: str,
    title: str,
    status: OpportunityStatus | str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Build one item with the source's defaults (funder, programme, kind, tags).

    Values may be native (``Deadline``, ``date``, ``Money``, enums) or already encoded.
    ``status`` is what the source states and is used only when the record has no dates.
    An item that cannot form a record is returned unconverted, so ingest counts it invalid
    with the reason.
    """
    values: dict[str, Any] = {
        "funder": source.funder,
        "programme": source.programme,
        "kind": source.kind or OpportunityKind.OTHER,
    }
    values.update({k: v for k, v in fields.items() if v is not None})
    values["tags"] = tuple(dict.fromkeys((*source.tags, *(fields.get("tags") or ()))))
    source_key = str(source_key or "").strip()
    values.update(
        id=make_id(source.key, source_key),
        source=source.key,
        source_key=source_key,
        url=(url or "").strip(),
        title=" ".join((title or "").split()),
        fetched_at=now,
    )
    try:
        opp = from_dict(values)
    except ValueError:
        return values
    fallback = OpportunityStatus(status) if status else OpportunityStatus.OPEN
    derived = derive_status(opp.opening_date, opp.deadlines, fallback, now)
    return to_dict(dataclasses.replace(opp, status=derived))
