"""Text relevance of a profile's terms against one call: field weights, phrases, saturation.

A call is tokenized once into a :class:`PreparedText`; a profile's terms are analyzed once
into a :class:`PreparedProfile`. The formula, per term ``t`` of weight ``w``:

- one word: ``w * idf(s) * sat(tf(s))`` where ``tf`` sums the field weights of each
  occurrence and ``sat(x) = x / (x + K)`` so that repetition saturates;
- a phrase of ``n`` words: an exact (adjacent, in order) occurrence scores like one word
  with the mean idf of its words, plus ``PARTIAL_SHARE * w / n`` per word found anywhere.

``idf`` comes from a corpus (see :mod:`matching.index`); scoring a lone call uses 1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from indexer.records import Opportunity, OpportunityKind

from . import fos
from .profiles import Profile
from .text import analyze, analyze_term, strip_tags

K = 1.2
PARTIAL_SHARE = 0.4
HINT_WEIGHT = 0.3

FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "keywords": 2.0,
    "meta": 1.5,
    "summary": 1.5,
    "description": 1.0,
}
FIELD_LABELS: Mapping[str, str] = {
    "title": "title",
    "keywords": "keywords",
    "meta": "programme",
    "summary": "summary",
    "description": "description",
}

IdfLookup = Callable[[str], float]


def no_idf(stem: str) -> float:
    """Return 1.0: the idf used when a call is scored without a corpus."""
    return 1.0


def sat(x: float) -> float:
    """Return the saturated weight of a field-weighted term frequency."""
    return x / (x + K)


@dataclass(frozen=True, slots=True)
class PreparedTerm:
    """One profile term, analyzed; ``discipline`` is set for hint terms from FOS fields."""

    text: str
    stems: tuple[str, ...]
    weight: float
    discipline: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedProfile:
    """A profile with its terms analyzed once, ready to score many calls."""

    profile: Profile
    terms: tuple[PreparedTerm, ...]
    kinds: frozenset[OpportunityKind]
    programmes: tuple[str, ...]


def prepare_profile(profile: Profile) -> PreparedProfile:
    """Analyze a profile's keywords and discipline hints once."""
    terms: list[PreparedTerm] = []
    seen: set[tuple[str, ...]] = set()
    for term in profile.terms:
        stems = analyze_term(term.text)
        if stems and stems not in seen:
            seen.add(stems)
            terms.append(PreparedTerm(term.text, stems, term.weight))
    for hint, field in fos.hints_for(profile.disciplines).items():
        stems = analyze_term(hint)
        if stems and stems not in seen:
            seen.add(stems)
            terms.append(PreparedTerm(hint, stems, HINT_WEIGHT, field.name))
    return PreparedProfile(
        profile=profile,
        terms=tuple(terms),
        kinds=frozenset(profile.kinds),
        programmes=tuple(p.casefold() for p in profile.programmes if p.strip()),
    )


@dataclass(frozen=True, slots=True)
class PreparedText:
    """A call's text fields as stem sequences, plus field-weighted term frequencies."""

    fields: Mapping[str, tuple[str, ...]]
    tf: Mapping[str, float]
    # Each field as " stem stem ... " so that phrase counting is one str.count per field.
    joined: Mapping[str, str]


def prepare_text(opp: Opportunity) -> PreparedText:
    """Tokenize a call's fields once."""
    meta = " ".join(x for x in (opp.funder, opp.programme, opp.call_id, opp.action_type) if x)
    fields = {
        "title": tuple(analyze(opp.title)),
        "keywords": tuple(analyze(" ; ".join(opp.keywords))),
        "meta": tuple(analyze(meta)),
        "summary": tuple(analyze(opp.summary)),
        "description": tuple(analyze(strip_tags(opp.description_html))),
    }
    tf: dict[str, float] = {}
    for name, stems in fields.items():
        weight = FIELD_WEIGHTS[name]
        for s in stems:
            tf[s] = tf.get(s, 0.0) + weight
    joined = {name: f" {' '.join(stems)} " for name, stems in fields.items() if stems}
    return PreparedText(fields=fields, tf=tf, joined=joined)


@dataclass(frozen=True, slots=True)
class TermHit:
    """How one profile term met one call."""

    term: PreparedTerm
    contribution: float
    strong: bool
    field: str | None


def phrase_tf(text: PreparedText, stems: tuple[str, ...]) -> tuple[float, str | None]:
    """Return the field-weighted count of exact occurrences of a phrase, and its best field."""
    total, best, best_weight = 0.0, None, 0.0
    needle = f" {' '.join(stems)} "
    for name, joined in text.joined.items():
        count = joined.count(needle)
        if count:
            weight = FIELD_WEIGHTS[name]
            total += weight * count
            if weight > best_weight:
                best, best_weight = name, weight
    return total, best


def best_field(text: PreparedText, stem: str) -> str | None:
    """Return the highest-weighted field in which a stem occurs."""
    found = [n for n, seq in text.fields.items() if stem in seq]
    return max(found, key=lambda n: FIELD_WEIGHTS[n]) if found else None


def term_hit(term: PreparedTerm, text: PreparedText, idf: IdfLookup) -> TermHit | None:
    """Score one term against one call's text; None when no word of it occurs."""
    stems = term.stems
    if len(stems) == 1:
        tf = text.tf.get(stems[0], 0.0)
        if not tf:
            return None
        value = term.weight * idf(stems[0]) * sat(tf)
        return TermHit(term, value, True, best_field(text, stems[0]))
    found = [s for s in stems if s in text.tf]
    if not found:
        return None
    share = PARTIAL_SHARE * term.weight / len(stems)
    value = sum(share * idf(s) * sat(text.tf[s]) for s in found)
    ptf, field = phrase_tf(text, stems) if len(found) == len(stems) else (0.0, None)
    if ptf:
        value += term.weight * (sum(idf(s) for s in stems) / len(stems)) * sat(ptf)
    return TermHit(term, value, len(found) == len(stems), field)


def text_hits(prepared: PreparedProfile, text: PreparedText, idf: IdfLookup) -> list[TermHit]:
    """Return every term hit of a profile against a call, strongest first."""
    hits = [h for t in prepared.terms if (h := term_hit(t, text, idf)) is not None]
    hits.sort(key=lambda h: h.contribution, reverse=True)
    return hits
