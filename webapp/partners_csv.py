"""Read and write the MoU registry CSV format (``config/partners.csv`` documents it).

Parsing is pure: every row becomes a :class:`matching.partners.Partner` or a rejection
with its line number and the reason in plain words, so an import can report both.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from matching.partners import Partner

COLUMNS = (
    "name",
    "country",
    "city",
    "mou_since",
    "mou_until",
    "areas",
    "contact",
    "erasmus_icm",
    "kind",
)
REQUIRED = ("name", "country")
KINDS = ("hei", "research", "company", "ngo", "public", "other")
MAX_ROWS = 5000
MAX_AREAS = 30
MAX_NAME = 300
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PartnerRowError(ValueError):
    """One row (or form) value is invalid; the message says which and why."""


@dataclass(slots=True)
class ParsedCsv:
    """Partners read from a CSV file, and the rows that were rejected."""

    partners: list[tuple[int, Partner]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_date(text: str, column: str) -> date | None:
    """Parse an ISO date (empty: None)."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PartnerRowError(f"{column} {text!r} is not a date like 2026-05-31") from exc


def split_areas(text: str) -> tuple[str, ...]:
    """Split areas on ";" (or ","), trimmed, de-duplicated case-insensitively."""
    seen: dict[str, str] = {}
    for part in re.split(r"[;,]", text):
        area = " ".join(part.split())[:100]
        if area and area.lower() not in seen:
            seen[area.lower()] = area
    if len(seen) > MAX_AREAS:
        raise PartnerRowError(f"at most {MAX_AREAS} areas")
    return tuple(seen.values())


def partner_from_row(row: dict[str, str]) -> Partner:
    """Validate one CSV row (or form data) and build a Partner.

    :raises PartnerRowError: naming the first invalid value.
    """
    values = {k: unescape_cell((row.get(k) or "").strip()) for k in COLUMNS}
    for column in REQUIRED:
        if not values[column]:
            raise PartnerRowError(f"{column} is missing")
    if len(values["name"]) > MAX_NAME:
        raise PartnerRowError(f"name is longer than {MAX_NAME} characters")
    country = values["country"].upper()
    if not _COUNTRY.match(country):
        raise PartnerRowError(f"country {values['country']!r} is not a two-letter ISO code")
    since, until = (
        parse_date(values["mou_since"], "mou_since"),
        parse_date(values["mou_until"], "mou_until"),
    )
    if since and until and until < since:
        raise PartnerRowError("mou_until is before mou_since")
    icm = values["erasmus_icm"].lower()
    if icm not in _YES | _NO:
        raise PartnerRowError(f"erasmus_icm {values['erasmus_icm']!r} is not yes or no")
    kind = values["kind"].lower() or "hei"
    if kind not in KINDS:
        raise PartnerRowError(f"kind {values['kind']!r} is not one of {', '.join(KINDS)}")
    return Partner(
        name=" ".join(values["name"].split()),
        country=country,
        city=values["city"][:200],
        mou_since=since,
        mou_until=until,
        areas=split_areas(values["areas"]),
        contact=values["contact"][:500],
        erasmus_icm=icm in _YES,
        kind=kind,
    )


def escape_cell(text: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`, so an exported file imports unchanged."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _data_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def parse_partners_csv(text: str) -> ParsedCsv:
    """Parse a registry CSV (header row first; ``#`` lines and blank lines are skipped)."""
    result = ParsedCsv()
    lines = list(_data_lines(text.lstrip("\ufeff")))  # Excel writes a byte-order mark
    if not lines:
        result.rejected.append((0, "the file has no header row"))
        return result
    header = [h.strip().lower() for h in next(csv.reader([lines[0][1]]))]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        result.rejected.append((lines[0][0], f"the header lacks {', '.join(missing)}"))
        return result
    seen: dict[tuple[str, str], int] = {}
    for number, line in lines[1 : MAX_ROWS + 1]:
        cells = next(csv.reader([line]))
        try:
            partner = partner_from_row(dict(zip(header, cells, strict=False)))
        except PartnerRowError as exc:
            result.rejected.append((number, str(exc)))
            continue
        key = (partner.name.lower(), partner.country)
        if key in seen:
            result.rejected.append((number, f"same name and country as line {seen[key]}"))
            continue
        seen[key] = number
        result.partners.append((number, partner))
    if len(lines) > MAX_ROWS + 1:
        result.rejected.append((lines[MAX_ROWS + 1][0], f"only {MAX_ROWS} rows are read"))
    return result


def partners_csv(partners: Iterable[Partner]) -> str:
    """Write partners in the registry format (header row, one partner per row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in partners:
        cells = [
            p.name,
            p.country,
            p.city,
            p.mou_since.isoformat() if p.mou_since else "",
            p.mou_until.isoformat() if p.mou_until else "",
            ";".join(p.areas),
            p.contact,
            "yes" if p.erasmus_icm else "no",
            p.kind,
        ]
        writer.writerow([escape_cell(c) for c in cells])
    return out.getvalue()
