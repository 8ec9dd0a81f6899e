"""Tolerant readers for values of JSON APIs whose fields may be damaged or of the wrong type.

A field that should be an object may be null, a list or a string; a number may be a
string, a bool, NaN or absurdly large; a date may be out of range. These readers return
None (or an empty container) instead of raising, so one bad field never costs a record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# Amounts at or above this are garbage (no call funds a quadrillion).
MAX_AMOUNT = Decimal(10) ** 15
# A lone surrogate (from a broken \ud800 escape in JSON) cannot be stored as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Dates outside these years are misreadings or placeholders, not deadlines.
MIN_YEAR, MAX_YEAR = 1900, 2200


def as_mapping(value: Any) -> Mapping[str, Any]:
    """Return ``value`` when it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """Return the objects of a list (other members dropped); a lone object is wrapped."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def flat_strings(value: Any) -> Iterator[str]:
    """Yield the strings (and numbers as text) of a value, flattening nested lists."""
    if isinstance(value, str):
        yield _SURROGATE.sub("\ufffd", value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | Decimal) or (isinstance(value, float) and math.isfinite(value)):
        yield str(value)
    elif isinstance(value, list | tuple):
        for member in value:
            yield from flat_strings(member)


def text_of(value: Any) -> str:
    """Return the first non-blank string of a value (scalar or list), else ""."""
    return next((v.strip() for v in flat_strings(value) if v.strip()), "")


def amount_of(value: Any) -> Decimal | None:
    """Return a finite, non-negative, plausible amount from a number or numeric string."""
    if isinstance(value, bool):
        return None
    text = text_of(value).replace(",", "") if not isinstance(value, int | float) else str(value)
    if not text:
        return None
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        return None
    return amount


def count_of(value: Any) -> int | None:
    """Return a non-negative whole number from an int or digit string, else None."""
    amount = amount_of(value)
    if amount is None or amount != amount.to_integral_value():
        return None
    return int(amount)


def plausible(moment: datetime | None) -> datetime | None:
    """Return a tz-aware datetime in a plausible year that converts to UTC, else None."""
    if moment is None or moment.utcoffset() is None:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


def plausible_date(day: date | None) -> date | None:
    """Return a date in a plausible year, else None."""
    return day if day is not None and MIN_YEAR <= day.year <= MAX_YEAR else None
