"""Faculty profiles: weighted keywords and phrases, disciplines, preferences."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from indexer.records import OpportunityKind

from . import fos
from .text import analyze_term


class DigestFrequency(StrEnum):
    """How often a person wants matches by e-mail."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class Role(StrEnum):
    """The part a person's institution can take in a consortium."""

    COORDINATOR = "coordinator"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class WeightedTerm:
    """A keyword or a phrase with its weight (1.0 unless the person said otherwise)."""

    text: str
    weight: float = 1.0

    @property
    def stems(self) -> tuple[str, ...]:
        """Return the stem sequence used for matching."""
        return analyze_term(self.text)


@dataclass(frozen=True, slots=True)
class Profile:
    """What one person is looking for."""

    email: str
    name: str = ""
    terms: tuple[WeightedTerm, ...] = ()
    disciplines: tuple[str, ...] = ()
    kinds: tuple[OpportunityKind, ...] = ()
    programmes: tuple[str, ...] = ()
    roles: tuple[Role, ...] = (Role.COORDINATOR, Role.PARTNER)
    languages: tuple[str, ...] = ()
    department: str = ""
    digest: DigestFrequency = DigestFrequency.WEEKLY
    muted: frozenset[str] = field(default_factory=frozenset)


# One term: a quoted phrase or a run of text up to a comma/semicolon/newline, then ^weight.
_TERM = re.compile(r'\s*(?:"(?P<quoted>[^"]*)"|(?P<plain>[^,;\n"^]+))\s*(?:\^(?P<w>[\d.]+))?')


def parse_keywords(text: str) -> tuple[WeightedTerm, ...]:
    """Parse ``water management, irrigation^2, "climate adaptation"`` into weighted terms.

    Terms are separated by commas, semicolons or new lines; ``^N`` sets a weight; quotes
    keep a phrase together (commas inside quotes do not split). Duplicates keep the
    highest weight; terms with no matchable word are dropped.
    """
    found: dict[str, WeightedTerm] = {}
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or m.end() == pos:
            pos += 1
            continue
        pos = m.end()
        raw = " ".join((m.group("quoted") or m.group("plain") or "").split())
        weight = _weight(m.group("w"))
        if not raw or not analyze_term(raw) or weight <= 0:
            continue
        key = raw.casefold()
        if key not in found or found[key].weight < weight:
            found[key] = WeightedTerm(raw, weight)
    return tuple(found.values())


def _weight(raw: str | None) -> float:
    try:
        return float(raw) if raw else 1.0
    except ValueError:
        return 1.0


def format_keywords(terms: Iterable[WeightedTerm]) -> str:
    """Return terms in the syntax :func:`parse_keywords` reads (for edit forms)."""
    parts = []
    for term in terms:
        text = f'"{term.text}"' if "," in term.text or ";" in term.text else term.text
        parts.append(text if term.weight == 1.0 else f"{text}^{term.weight:g}")
    return ", ".join(parts)


def profile_from_dict(data: Mapping[str, Any]) -> Profile:
    """Build a profile from plain data (JSON, a form, a database row).

    ``keywords`` may be a string in :func:`parse_keywords` syntax or a list of strings or
    ``{"text", "weight"}`` objects. Unknown disciplines, kinds and roles are dropped.
    """
    return Profile(
        email=str(data["email"]),
        name=str(data.get("name") or ""),
        terms=_terms(data.get("keywords")),
        disciplines=tuple(d for d in _strings(data.get("disciplines")) if fos.lookup(d)),
        kinds=tuple(_enums(OpportunityKind, data.get("kinds"))),
        programmes=_strings(data.get("programmes")),
        roles=tuple(_enums(Role, data.get("roles"))) or (Role.COORDINATOR, Role.PARTNER),
        languages=tuple(s.lower() for s in _strings(data.get("languages"))),
        department=str(data.get("department") or ""),
        digest=DigestFrequency(data.get("digest") or DigestFrequency.WEEKLY),
        muted=frozenset(_strings(data.get("muted"))),
    )


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """Return the profile as JSON-ready plain data (inverse of :func:`profile_from_dict`)."""
    return {
        "email": profile.email,
        "name": profile.name,
        "keywords": [{"text": t.text, "weight": t.weight} for t in profile.terms],
        "disciplines": list(profile.disciplines),
        "kinds": [str(k) for k in profile.kinds],
        "programmes": list(profile.programmes),
        "roles": [str(r) for r in profile.roles],
        "languages": list(profile.languages),
        "department": profile.department,
        "digest": str(profile.digest),
        "muted": sorted(profile.muted),
    }


def _terms(value: Any) -> tuple[WeightedTerm, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return parse_keywords(value)
    terms: list[WeightedTerm] = []
    for item in value:
        if isinstance(item, Mapping):
            terms.append(WeightedTerm(str(item["text"]), float(item.get("weight", 1.0))))
        else:
            terms.extend(parse_keywords(f'"{item}"' if "," in str(item) else str(item)))
    return tuple(t for t in terms if t.stems and t.weight > 0)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    return tuple(str(v).strip() for v in value if str(v).strip())


def _enums(enum: Any, value: Any) -> Iterable[Any]:
    for raw in _strings(value):
        try:
            yield enum(raw.lower())
        except ValueError:
            continue
