"""Serialize stored records for `grantradar export` (JSON lines or CSV)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from indexer.records import FIELD_NAMES, Opportunity, to_dict


def jsonl_lines(records: Iterable[Opportunity]) -> Iterator[str]:
    """Yield one JSON object per record (ISO 8601 dates), without newlines."""
    for opp in records:
        yield json.dumps(to_dict(opp), ensure_ascii=False, sort_keys=False)


# Spreadsheets run a cell that starts with one of these as a formula; crawled titles are
# untrusted, so such cells get a leading apostrophe (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defang(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and "amount" in value:
        return f"{value['amount']} {value['currency']}"
    if isinstance(value, dict) and "at" in value:
        return f"{value['at']} {value['label']}".strip()
    if isinstance(value, list):
        return "; ".join(_flat(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_chunks(records: Iterable[Opportunity]) -> Iterator[str]:
    """Yield CSV text: a header row, then one row per record (lists joined with '; ')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELD_NAMES)
    for opp in records:
        data = to_dict(opp)
        writer.writerow([_defang(_flat(data[name])) for name in FIELD_NAMES])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
