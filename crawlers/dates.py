"""Parse dates, times and time zones as funders write them (English, Russian, Turkish...).

Time-zone abbreviations are read as "the local time of the place they name": funders
write "17:00 CET" all year round and mean Brussels time, so CET and CEST both map to
Europe/Brussels, EST/EDT/ET to America/New_York, BST to Europe/London.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --- months -----------------------------------------------------------------------------

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "januar", "janvier", "ocak", "enero"),
    2: ("february", "februar", "fevrier", "şubat", "febrero"),
    3: ("march", "märz", "maerz", "mars", "mart", "marzo"),
    4: ("april", "avril", "nisan", "abril"),
    5: ("may", "mai", "mayıs", "mayo"),
    6: ("june", "juni", "juin", "haziran", "junio"),
    7: ("july", "juli", "juillet", "temmuz", "julio"),
    8: ("august", "août", "aout", "ağustos", "agosto"),
    9: ("september", "septembre", "eylül", "septiembre"),
    10: ("october", "oktober", "octobre", "ekim", "octubre"),
    11: ("november", "novembre", "kasım", "noviembre"),
    12: ("december", "dezember", "décembre", "decembre", "aralık", "diciembre"),
}
# Russian month names change ending with grammatical case (март, марта, марте), so
# they are matched by stem; May is irregular and listed whole.
_RU_STEMS: dict[str, int] = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_RU_MAY = frozenset({"май", "мая", "мае", "маю", "маем"})


def _fold(word: str) -> str:
    """Lower-case ``word`` so that Turkish dotless/dotted i compare equal to i."""
    return word.replace("İ", "i").replace("I", "i").lower().replace("ı", "i").replace("\u0307", "")


_MONTH_LOOKUP: dict[str, int] = {
    _fold(name): num for num, names in _MONTH_NAMES.items() for name in names
}
_ENGLISH = {_fold(names[0]): num for num, names in _MONTH_NAMES.items()}


def month_number(word: str) -> int | None:
    """Return the month (1-12) named by ``word`` in any supported language, else None."""
    w = _fold(word.strip().rstrip("."))
    if len(w) < 3:
        return None
    if w in _MONTH_LOOKUP:
        return _MONTH_LOOKUP[w]
    if w in _RU_MAY:
        return 5
    for stem, num in _RU_STEMS.items():
        if w.startswith(stem) and len(w) <= len(stem) + 3:
            return num
        if stem.startswith(w):  # abbreviation: "янв", "сент"
            return num
    for name, num in _ENGLISH.items():
        if name.startswith(w):  # abbreviation: "Aug", "Sept"
            return num
    for name, num in _MONTH_LOOKUP.items():
        if len(w) >= 3 and name.startswith(w) and len(name) > 4:  # "Şub", "Ağu"
            return num
    return None


# --- time zones -------------------------------------------------------------------------

_TZ_ALIASES: dict[str, str] = {
    "cet": "Europe/Brussels",
    "cest": "Europe/Brussels",
    "central european time": "Europe/Brussels",
    "central european summer time": "Europe/Brussels",
    "brussels time": "Europe/Brussels",
    "brussels local time": "Europe/Brussels",
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "eastern time": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "bst": "Europe/London",
    "uk time": "Europe/London",
    "london time": "Europe/London",
    "msk": "Europe/Moscow",
    "moscow time": "Europe/Moscow",
    "kgt": "Asia/Bishkek",
    "bishkek time": "Asia/Bishkek",
    "kyrgyzstan time": "Asia/Bishkek",
    "gmt": "UTC",
    "utc": "UTC",
    "z": "UTC",
}
MAX_OFFSET_HOURS = 14  # UTC+14 (Kiribati) is the largest offset in use
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def resolve_tz(name: str) -> tzinfo | None:
    """Return the time zone for an abbreviation, an IANA name or a UTC offset, else None."""
    key = " ".join(name.strip().strip("()").lower().split())
    if not key:
        return None
    offset = _OFFSET.match(key)
    if offset:
        sign, hours, minutes = offset.groups()
        if int(hours) > MAX_OFFSET_HOURS or int(minutes or 0) >= 60:
            return None  # "+99" or "+0199" is no offset any place on Earth uses
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta)
    alias = _TZ_ALIASES.get(key)
    try:
        return ZoneInfo(alias or name.strip().strip("()"))
    except (ZoneInfoNotFoundError, ValueError):
        return None


# --- patterns ---------------------------------------------------------------------------

_WORD = r"[^\W\d_]{3,12}\.?"
_DATE_PATTERN = (
    r"(?<![\d.,/-])(?:(?P<d1>\d{1,2})(?:st|nd|rd|th|\.|-?(?:го|е))?\s*(?:of\s+|de\s+)?"
    r"(?P<m1>" + _WORD + r")"
    r",?\s*(?P<y1>\d{4})(?:\s*(?:г\.|года|г\b|yılı))?"
    r"|(?P<m2>" + _WORD + r")\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<mo3>\d{1,2})-(?P<d3>\d{1,2})(?![\d-])"
    r"|(?P<d4>\d{1,2})\.(?P<mo4>\d{1,2})\.(?P<y4>\d{4})"
    r"|(?P<mo5>\d{1,2})/(?P<d5>\d{1,2})/(?P<y5>\d{4}))"
)
_TZ_PATTERN = (
    r"(?P<tz>[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?"
    r"|(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}"
    r"|(?i:(?:brussels|bishkek|kyrgyzstan|london|uk|moscow)(?:\s+local)?\s+time"
    r"|central european(?: summer)? time|eastern time)"
    r"|CEST|CET|EDT|EST|ET|CDT|CST|PDT|PST|PT|BST|MSK|KGT|GMT|UTC|Z)\b"
)
_TIME_PATTERN = (
    r"(?P<h>\d{1,2})(?:(?:[:.h])(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?\s*(?P<ap>[ap]\.?m\.?)?"
    r"|\s*(?P<ap2>[ap]\.?m\.?))(?![\d])(?:\s*(?:noon|midday))?"
    r"|(?P<noon>noon|midday|midnight)"
)
DATE_RE = re.compile(_DATE_PATTERN, re.IGNORECASE)
# What may follow a date: a time ("- 23:59", ", 17:00", "at 5 pm") and a zone ("(CET)").
TRAILER_RE = re.compile(
    r"\s*(?:,|-|–|T|at|à|в|saat|um|by)?\s*(?:" + _TIME_PATTERN + r")"
    r"(?:\s*(?:\(|,)?\s*" + _TZ_PATTERN + r"\)?)?",
    re.IGNORECASE,
)
TZ_ONLY_RE = re.compile(r"\s*\(?\s*" + _TZ_PATTERN + r"\)?")
# Grants.gov "...DateStr" values: "2027-08-18-00-00-00".
_DASHED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")  # Grants.gov XML extract: MMDDYYYY


# Years outside this range are misreadings (e.g. a time "1500" taken for a year).
MIN_YEAR, MAX_YEAR = 1900, 2200


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date (and maybe a time and zone) found in text, with its span."""

    day: date
    clock: time | None
    tz: tzinfo | None
    start: int
    end: int

    def to_datetime(self, default_tz: tzinfo, *, end_of_day: bool) -> datetime:
        """Combine into a tz-aware datetime; a missing time means 00:00 or 23:59:59."""
        clock = self.clock or (time(23, 59, 59) if end_of_day else time(0, 0))
        return datetime.combine(self.day, clock, tzinfo=self.tz or default_tz)


def _date_from_groups(m: re.Match[str]) -> date | None:
    found = _ymd(m.groupdict())
    return found if found and MIN_YEAR <= found.year <= MAX_YEAR else None


def _ymd(g: dict[str, Any]) -> date | None:
    try:
        if g["d1"]:
            month = month_number(g["m1"])
            return date(int(g["y1"]), month, int(g["d1"])) if month else None
        if g["m2"]:
            month = month_number(g["m2"])
            return date(int(g["y2"]), month, int(g["d2"])) if month else None
        if g["y3"]:
            return date(int(g["y3"]), int(g["mo3"]), int(g["d3"]))
        if g["y4"]:
            return date(int(g["y4"]), int(g["mo4"]), int(g["d4"]))
        month, day = int(g["mo5"]), int(g["d5"])
        if month > 12 >= day:  # "25/12/2027" can only be day-first
            month, day = day, month
        return date(int(g["y5"]), month, day)
    except ValueError:
        return None


def _clock(m: re.Match[str]) -> time | None:
    if m.group("noon"):
        # "midnight" on a deadline day means the end of that day, not its first minute.
        return time(23, 59, 59) if m.group("noon").lower() == "midnight" else time(12, 0)
    hour = int(m.group("h"))
    ampm = (m.group("ap") or m.group("ap2") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        return time(hour, int(m.group("mi") or 0), int(m.group("s") or 0))
    except ValueError:
        return None


def _trailer(text: str, pos: int) -> tuple[time | None, tzinfo | None, int]:
    """Read an optional time and zone right after a date ending at ``pos``."""
    m = TRAILER_RE.match(text, pos)
    if m and (m.group("mi") or m.group("ap") or m.group("ap2") or m.group("noon")):
        clock = _clock(m)
        if clock is not None:
            tz = resolve_tz(m.group("tz")) if m.group("tz") else None
            return clock, tz, m.end()
    z = TZ_ONLY_RE.match(text, pos)
    if z and resolve_tz(z.group("tz")):
        return None, resolve_tz(z.group("tz")), z.end()
    return None, None, pos


def iter_dates(text: str, start: int = 0, stop: int | None = None) -> list[DateMatch]:
    """Return every date in ``text[start:stop]`` with the time and zone that follow it."""
    found: list[DateMatch] = []
    pos, stop = start, len(text) if stop is None else stop
    while pos < stop:
        m = DATE_RE.search(text, pos, stop)
        if m is None:
            break
        day = _date_from_groups(m)
        if day is None:
            pos = m.end()
            continue
        clock, tz, end = _trailer(text, m.end())
        found.append(DateMatch(day, clock, tz, m.start(), end))
        pos = end
    return found


def _parse_fixed(text: str, default_tz: tzinfo) -> datetime | None:
    """Parse machine formats; None for impossible values and years out of range."""
    try:
        parsed = _parse_machine(text, default_tz)
    except (ValueError, OverflowError):
        return None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    try:
        parsed.astimezone(UTC)  # storage converts to UTC: the instant must exist there
    except OverflowError:
        return None
    return parsed


def _parse_machine(text: str, default_tz: tzinfo) -> datetime | None:
    """Parse ISO 8601, RFC 822, Grants.gov dashed and compact dates (may raise)."""
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", iso):
        # Python 3.11 rejects "+0000" only in some positions; normalise it to "+00:00".
        iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)
        parsed = datetime.fromisoformat(iso)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)
    dashed = _DASHED.match(text)
    if dashed:
        y, mo, d, h, mi, s = (int(x) for x in dashed.groups())
        return datetime(y, mo, d, h, mi, s, tzinfo=default_tz)
    compact = _COMPACT.match(text)
    if compact:
        mo, d, y = (int(x) for x in compact.groups())
        return datetime(y, mo, d, tzinfo=default_tz)
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d", text):
        try:
            parsed = parsedate_to_datetime(text)
        except TypeError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def parse_datetime(
    text: str | None, *, default_tz: str = "UTC", end_of_day: bool = False
) -> datetime | None:
    """Parse one date or date-time as funders write it; return it tz-aware, or None.

    Handles ISO 8601, RFC 822, ``MM/DD/YYYY``, ``DD.MM.YYYY``, "Aug 18, 2027 12:00:00 AM
    EDT", "12 February 2027, 17:00 CET" and English, Russian, Turkish, German, French
    month names. A value without a zone is in ``default_tz``.

    :param end_of_day: give a date without a time 23:59:59 instead of 00:00 (deadlines).
    """
    if not text or not text.strip():
        return None
    text = " ".join(text.replace("\xa0", " ").split())
    tz = resolve_tz(default_tz) or UTC
    fixed = _parse_fixed(text, tz)
    if fixed is not None:
        return fixed
    matches = iter_dates(text)
    if len(matches) != 1:
        return None
    found = matches[0]
    # Only allow a weekday or similar short word before the date, nothing after it.
    if found.start > 12 or text[found.end :].strip(" .,;)"):
        return None
    return found.to_datetime(tz, end_of_day=end_of_day)
