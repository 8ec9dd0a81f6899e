"""Explainable scores: text relevance x field overlaps x eligibility x deadline feasibility.

Ineligible and closed calls never become matches. Every match carries its reasons in plain
words, e.g. "'water management' in title; eligible: Kyrgyzstan is in Erasmus+ Region 6
(Central Asia); deadline in 41 days".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from indexer.records import Deadline, Opportunity, OpportunityKind

from .eligibility import (
    CountryGroups,
    EligibilityVerdict,
    Institution,
    eligibility_verdict,
    verdict_factor,
)
from .feasibility import Feasibility, feasibility, next_local_deadline
from .profiles import Profile, Role
from .relevance import (
    FIELD_LABELS,
    IdfLookup,
    PreparedProfile,
    PreparedText,
    TermHit,
    no_idf,
    prepare_profile,
    prepare_text,
    text_hits,
)

KIND_BOOST = 1.25
KIND_MISS = 0.85
PROGRAMME_BOOST = 1.2
LANGUAGE_MISS = 0.6
MAX_TERM_REASONS = 3


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """Everything about a call that does not depend on the profile, computed once."""

    opp: Opportunity
    text: PreparedText
    eligibility: EligibilityVerdict
    feasibility: Feasibility
    deadline: Deadline | None
    days_left: int | None

    @property
    def live(self) -> bool:
        """Return True when the call can become a match (not closed, not ineligible)."""
        return self.feasibility.open and self.eligibility.can_enter


def prepare_call(
    opp: Opportunity, *, institution: Institution, groups: CountryGroups, today: date
) -> PreparedCall:
    """Tokenize a call and decide its eligibility and feasibility once."""
    tz = ZoneInfo(institution.timezone)
    deadline, days_left = next_local_deadline(opp, tz, today)
    return PreparedCall(
        opp=opp,
        text=prepare_text(opp),
        eligibility=eligibility_verdict(opp, institution, groups),
        feasibility=feasibility(opp, deadline, days_left, today),
        deadline=deadline,
        days_left=days_left,
    )


@dataclass(frozen=True, slots=True)
class Match:
    """A call that fits a person, with its score and the reasons in plain words."""

    opportunity: Opportunity
    score: float
    reasons: tuple[str, ...]
    eligibility: EligibilityVerdict
    deadline: Deadline | None
    days_left: int | None
    matched_terms: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Return the call's id."""
        return self.opportunity.id


def overlap_factor(call: PreparedCall, prepared: PreparedProfile) -> tuple[float, list[str]]:
    """Return the multiplier for kind/programme/language overlaps and its reasons."""
    opp, factor, reasons = call.opp, 1.0, []
    if prepared.kinds:
        if opp.kind in prepared.kinds:
            factor *= KIND_BOOST
            reasons.append(f"preferred kind: {_kind_label(opp.kind)}")
        else:
            factor *= KIND_MISS
    if prepared.programmes and opp.programme:
        programme = opp.programme.casefold()
        if any(p in programme or programme in p for p in prepared.programmes):
            factor *= PROGRAMME_BOOST
            reasons.append(f"preferred programme: {opp.programme}")
    languages = prepared.profile.languages
    if languages and opp.language and opp.language.lower() not in languages:
        factor *= LANGUAGE_MISS
        reasons.append(f"call text in {opp.language}")
    return factor, reasons


def call_factor(call: PreparedCall, roles: tuple[Role, ...]) -> float:
    """Return the profile-independent multiplier (eligibility x feasibility) of a call."""
    return verdict_factor(call.eligibility.verdict, roles) * call.feasibility.factor


def explain(call: PreparedCall, prepared: PreparedProfile, idf: IdfLookup = no_idf) -> Match | None:
    """Score one prepared call for one prepared profile; None when it is not a match."""
    if not call.live or call.opp.id in prepared.profile.muted:
        return None
    hits = text_hits(prepared, call.text, idf)
    if not any(h.strong for h in hits):
        return None
    relevance = sum(h.contribution for h in hits)
    overlap, overlap_reasons = overlap_factor(call, prepared)
    total = relevance * overlap * call_factor(call, prepared.profile.roles)
    reasons = [
        *_term_reasons(hits),
        *overlap_reasons,
        call.eligibility.reason,
        call.feasibility.reason,
    ]
    return Match(
        opportunity=call.opp,
        score=round(total, 4),
        reasons=tuple(r for r in reasons if r),
        eligibility=call.eligibility,
        deadline=call.deadline,
        days_left=call.days_left,
        matched_terms=tuple(h.term.text for h in hits if h.strong),
    )


def score(
    opp: Opportunity,
    profile: Profile,
    *,
    institution: Institution,
    groups: CountryGroups,
    today: date,
) -> Match | None:
    """Score one call for one person (no corpus statistics: every word weighs the same)."""
    call = prepare_call(opp, institution=institution, groups=groups, today=today)
    return explain(call, prepare_profile(profile))


def rank(
    opps: Iterable[Opportunity],
    profile: Profile,
    *,
    institution: Institution,
    groups: CountryGroups,
    today: date,
    limit: int | None = None,
) -> list[Match]:
    """Return the person's matches among ``opps``, best first (corpus idf from ``opps``)."""
    from .index import CallIndex  # the index builds on this module

    index = CallIndex(opps, institution=institution, groups=groups, today=today)
    return index.rank(profile, limit=limit)


def match_to_dict(match: Match) -> dict[str, Any]:
    """Return a match as JSON-ready data (the ``grantradar matches --json`` shape)."""
    opp = match.opportunity
    return {
        "id": opp.id,
        "title": opp.title,
        "url": opp.url,
        "score": match.score,
        "reasons": list(match.reasons),
        "eligibility": str(match.eligibility.verdict),
        "eligibility_reason": match.eligibility.reason,
        "next_deadline": match.deadline.at.isoformat() if match.deadline else None,
        "days_left": match.days_left,
        "kind": str(opp.kind),
        "programme": opp.programme,
        "status": str(opp.status),
    }


def _term_reasons(hits: list[TermHit]) -> list[str]:
    reasons: list[str] = []
    disciplines: dict[str, str] = {}
    for hit in hits:
        if not hit.strong:
            continue
        if hit.term.discipline:
            disciplines.setdefault(hit.term.discipline, hit.term.text)
        elif len(reasons) < MAX_TERM_REASONS:
            where = FIELD_LABELS[hit.field] if hit.field else "text (words apart)"
            reasons.append(f"'{hit.term.text}' in {where}")
    reasons.extend(f"fits {name} ('{hint}')" for name, hint in list(disciplines.items())[:1])
    return reasons


_KIND_LABELS: Mapping[OpportunityKind, str] = {
    k: k.value.replace("_", " ") for k in OpportunityKind
}


def _kind_label(kind: OpportunityKind) -> str:
    return _KIND_LABELS[kind]
