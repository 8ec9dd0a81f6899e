"""Consortium partner suggestions from the MoU registry, with the reasons for each.

Partners are ranked by whether they can take part in the call (their country against the
call's eligible countries and the rule set's groups), whether they fill a gap the
composition check found, topical fit (their areas against the call text) and the MoU.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from indexer.records import Opportunity

from .consortium import CompositionReport, Member, RuleSet
from .eligibility import CountryGroups, Institution, Verdict, eligibility_verdict
from .text import analyze, analyze_term, strip_tags

_VERDICT_WEIGHT = {
    Verdict.ELIGIBLE: 3.0,
    Verdict.PARTNER_ONLY: 3.0,  # a partner-only country is fine for a partner
    Verdict.UNKNOWN: 1.0,
    Verdict.NOT_ELIGIBLE: 0.0,
}
GAP_WEIGHT = 2.0
AREA_WEIGHT = 1.0
MAX_AREA_SCORE = 3.0
ICM_WEIGHT = 0.25
EXPIRED_MOU_PENALTY = 1.0


@dataclass(frozen=True, slots=True)
class Partner:
    """One institution of the MoU registry."""

    name: str
    country: str
    id: int | None = None
    city: str = ""
    mou_since: date | None = None
    mou_until: date | None = None  # None: open-ended
    areas: tuple[str, ...] = ()
    contact: str = ""
    erasmus_icm: bool = False
    active: bool = True
    kind: str = "hei"

    def mou_active(self, today: date) -> bool:
        """Return True when the MoU is in force on ``today``."""
        started = self.mou_since is None or self.mou_since <= today
        return self.active and started and (self.mou_until is None or today <= self.mou_until)

    def as_member(self) -> Member:
        """Return the partner as a consortium member."""
        return Member(self.name, self.country, self.kind)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A partner worth asking, how strongly, and why."""

    partner: Partner
    score: float
    verdict: Verdict
    reasons: tuple[str, ...]


def partner_verdict(
    partner: Partner, opp: Opportunity, groups: CountryGroups, rules: RuleSet | None
) -> tuple[Verdict, str]:
    """Decide whether a partner's country can take part in the call, with the reason."""
    country = partner.country.upper()
    if rules is not None:
        for key in rules.eligible_groups:
            if groups.contains(key, country):
                where = "all countries" if key == "ALL" else groups.display(key)
                return Verdict.ELIGIBLE, f"can take part: {country} ({where}) in {rules.name}"
    found = eligibility_verdict(opp, Institution(country=country, name=partner.name), groups)
    return found.verdict, found.reason


def area_hits(partner: Partner, call_stems: frozenset[str]) -> list[str]:
    """Return the partner's areas whose every stem occurs in the call text."""
    hits = []
    for area in partner.areas:
        stems = analyze_term(area)
        if stems and all(s in call_stems for s in stems):
            hits.append(area)
    return hits


def call_stems(opp: Opportunity) -> frozenset[str]:
    """Return the stems of a call's title, summary, keywords and description."""
    text = " ".join(
        (opp.title, opp.summary or "", " ".join(opp.keywords), strip_tags(opp.description_html))
    )
    return frozenset(analyze(text))


def fills_gap(partner: Partner, report: CompositionReport | None, groups: CountryGroups) -> str:
    """Return the first missing-requirement sentence this partner would help with, or ''."""
    if report is None:
        return ""
    member = partner.as_member()
    for result in report.results:
        if not result.passed and result.requirement.qualifies(member, groups):
            return result.missing
    return ""


def score_partner(
    partner: Partner,
    opp: Opportunity,
    *,
    groups: CountryGroups,
    today: date,
    rules: RuleSet | None = None,
    report: CompositionReport | None = None,
    stems: frozenset[str] | None = None,
) -> Suggestion:
    """Score one partner for one call and explain the score."""
    verdict, why = partner_verdict(partner, opp, groups, rules)
    score, reasons = _VERDICT_WEIGHT[verdict], [why]
    gap = fills_gap(partner, report, groups)
    if gap:
        score += GAP_WEIGHT
        reasons.append(f"helps with: {gap}")
    hits = area_hits(partner, stems if stems is not None else call_stems(opp))
    if hits:
        score += min(MAX_AREA_SCORE, AREA_WEIGHT * len(hits))
        reasons.append("works on " + ", ".join(hits[:4]) + " (named in the call)")
    if partner.mou_active(today):
        until = f" until {partner.mou_until.isoformat()}" if partner.mou_until else ""
        reasons.append(f"MoU in force{until}")
    else:
        score -= EXPIRED_MOU_PENALTY
        reasons.append("MoU not in force: renew it first")
    if partner.erasmus_icm and (opp.programme or "").startswith("Erasmus"):
        score += ICM_WEIGHT
        reasons.append("already an Erasmus+ mobility (ICM) partner")
    return Suggestion(partner, round(score, 3), verdict, tuple(reasons))


def suggest_partners(
    opp: Opportunity,
    partners: Iterable[Partner],
    *,
    groups: CountryGroups,
    today: date,
    rules: RuleSet | None = None,
    report: CompositionReport | None = None,
    exclude: Collection[int] = (),
    limit: int | None = 10,
) -> list[Suggestion]:
    """Rank the registry's active partners for a call, best first, leaving out ineligible ones.

    :param exclude: partner ids already in the consortium.
    """
    stems = call_stems(opp)
    found: list[Suggestion] = []
    for partner in partners:
        if not partner.active or (partner.id is not None and partner.id in exclude):
            continue
        suggestion = score_partner(
            partner, opp, groups=groups, today=today, rules=rules, report=report, stems=stems
        )
        if suggestion.verdict is not Verdict.NOT_ELIGIBLE:
            found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.partner.name.lower()))
    return found[:limit] if limit is not None else found
