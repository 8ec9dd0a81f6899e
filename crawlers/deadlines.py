"""Find labelled deadlines ("Deadline: 12 February 2027, 17:00 CET") in free text."""

from __future__ import annotations

import re
from datetime import UTC, time, tzinfo

from indexer.records import Deadline

from .dates import TRAILER_RE, DateMatch, iter_dates, resolve_tz

# A label names the deadline and is kept ("Stage 1 deadline"); a cue only says that a
# deadline follows ("до", "no later than") and gives an empty label.
_EN_NOUN = (
    r"(?:(?:stage|phase|step|round)\s*\d+|first|second|third|final|full|full[- ]proposals?"
    r"|pre-?proposals?|letters?\s+of\s+intent|LOI|concept\s+notes?|expressions?\s+of\s+interest"
    r"|registration|applications?|submissions?|proposals?|nominations?|abstracts?)"
)
_EN_QUALIFIER = r"(?:" + _EN_NOUN + r"[\s-]+)*"
_LABELS = (
    _EN_QUALIFIER + r"(?:deadline(?:\s+date)?|closing\s+date|due\s+date|cut-?off(?:\s+dates?)?"
    r"|submission\s+date|expiration\s+date|close\s+date|call\s+closes)"
    r"(?:\s*\((?:stage|phase)\s*\d+\))?",
    # "Letters of intent due 1 Feb 2027", "Applications close on 30 April 2027"
    r"(?:(?:the\s+)?call|" + _EN_NOUN + r")(?:[\s-]+" + _EN_NOUN + r")*"
    r"\s+(?:are\s+|is\s+|will\s+)?(?:due|close[sd]?)(?:\s+(?:on|by|at))?",
    r"(?:крайний\s+)?срок(?:и)?\s+(?:подачи|при[её]ма|представления)"
    r"(?:\s+(?:заявок|заявлений|документов|предложений|проектов|заявки))?",
    r"дедлайн|окончание\s+при[её]ма\s+(?:заявок|документов)",
    r"son\s+başvuru(?:\s+tarihi)?|başvuru(?:lar)?\s+(?:için\s+)?son\s+(?:tarihi?|gün[üu])",
    r"bewerbungsschluss|einsendeschluss|antragsfrist|einreichungsfrist",
    r"date\s+limite(?:\s+de\s+(?:dépôt|candidature|soumission)s?)?",
)
_CUES = (
    r"до",
    r"(?:accepted|open|submitted|received)\s+(?:until|by|before)",
    r"(?:apply|submit|register)(?:\s+online)?\s+(?:until|by|before)",
    r"no\s+later\s+than",
    r"при[её]м\s+(?:заявок|документов)\s+(?:продлится\s+|осуществляется\s+)?до",
)
LABEL_RE = re.compile(
    r"(?<!\w)(?:(?P<label>" + "|".join(_LABELS) + r")|(?P<cue>" + "|".join(_CUES) + r"))(?!\w)",
    re.IGNORECASE,
)
# Between a label and its date: ": ", " is ", " for full proposals: ", "17:00 CET on"...
_MAX_GAP = 60
# A sentence end breaks the link, but not the dots of "5 p.m. ET".
_GAP_BREAK = re.compile(r"[;\n]|(?<![ap]\.m)\.\s|\b(?:deadline|срок)\b", re.IGNORECASE)
# Between two dates under one label ("Cut-off dates: 15 March 2027 and 15 September 2027").
_LIST_JOIN = re.compile(r"^\s*(?:,|and|or|&|и|или|ve|\s)\s*$", re.IGNORECASE)


_LABEL_EDGES = re.compile(r"^the\s+|\s+(?:on|by|at)$", re.IGNORECASE)


def _clean_label(raw: str) -> str:
    label = _LABEL_EDGES.sub("", " ".join(raw.split()).strip(" :-–"))
    return label[:1].upper() + label[1:]


def _time_before(gap: str) -> tuple[time | None, tzinfo | None]:
    """Read a time written before the date ("17:00 CET on 12 February 2027")."""
    for m in TRAILER_RE.finditer(gap):
        if m.group("mi") or m.group("ap") or m.group("ap2") or m.group("noon"):
            hour, minute = int(m.group("h") or 12), int(m.group("mi") or 0)
            ampm = (m.group("ap") or m.group("ap2") or "").lower().replace(".", "")
            hour += 12 if ampm == "pm" and hour < 12 else 0
            hour = 0 if ampm == "am" and hour == 12 else hour
            tz = resolve_tz(m.group("tz")) if m.group("tz") else None
            return (time(hour, minute) if hour < 24 and minute < 60 else None), tz
    return None, None


def _dates_after(text: str, pos: int) -> tuple[list[DateMatch], str]:
    """Return the date(s) that follow a label ending at ``pos`` and the gap text before them."""
    found = iter_dates(text, pos, min(len(text), pos + _MAX_GAP + 120))
    if not found:
        return [], ""
    gap = text[pos : found[0].start]
    if len(gap) > _MAX_GAP or _GAP_BREAK.search(gap):
        return [], ""
    dates = [found[0]]
    for nxt in found[1:]:
        if not _LIST_JOIN.match(text[dates[-1].end : nxt.start]):
            break
        dates.append(nxt)
    return dates, gap


def _to_deadline(match: DateMatch, gap: str, label: str, default: tzinfo) -> Deadline:
    if match.clock is None:
        clock, tz = _time_before(gap)
        if clock is not None:
            match = DateMatch(match.day, clock, match.tz or tz, match.start, match.end)
    return Deadline(at=match.to_datetime(default, end_of_day=True), label=label)


def find_deadlines(
    text: str | None, *, default_tz: str = "Europe/Brussels"
) -> tuple[Deadline, ...]:
    """Return the labelled deadlines found in plain ``text``, sorted and de-duplicated.

    A date needs a label or cue before it ("Deadline:", "Closing date", "Stage 2
    deadline", "Срок подачи заявок: до", "Son başvuru tarihi"); unlabelled dates (posting
    dates, project start dates) are ignored. A date without a time means the END of that
    day (23:59:59) in ``default_tz``, or in the zone written next to it. Each deadline keeps
    its label; the same instant found twice is kept once, with the first label.
    Pass HTML through :func:`crawlers.html.html_to_text` first.
    """
    if not text:
        return ()
    text = text.replace("\xa0", " ")
    default = resolve_tz(default_tz) or UTC
    by_instant: dict[object, Deadline] = {}
    pos = 0
    for m in LABEL_RE.finditer(text):
        if m.start() < pos:
            continue
        dates, gap = _dates_after(text, m.end())
        label = _clean_label(m.group("label")) if m.group("label") else ""
        for found in dates:
            deadline = _to_deadline(found, gap, label, default)
            known = by_instant.get(deadline.at)
            if known is None or (not known.label and label):
                by_instant[deadline.at] = deadline
            pos = found.end
    return tuple(sorted(by_instant.values(), key=lambda d: d.at))
