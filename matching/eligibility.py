"""Can our institution enter this call? A verdict with its evidence, in plain words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from indexer.records import Opportunity

from .profiles import Role

ALL_COUNTRIES = "ALL"

# Groups whose members may apply for / coordinate the actions that also admit third
# countries as partners (Erasmus+ programme countries, Horizon Europe associated countries).
DEFAULT_LEAD_GROUPS = frozenset({"EU", "ERASMUS_ASSOCIATED", "HE_ASSOCIATED"})


class Verdict(StrEnum):
    """Whether the institution can enter a call."""

    ELIGIBLE = "eligible"
    PARTNER_ONLY = "partner_only"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Institution:
    """The university GrantRadar works for (configuration, passed in as plain data)."""

    country: str
    timezone: str = "UTC"
    name: str = ""
    country_name: str = ""
    country_aliases: tuple[str, ...] = ()

    @property
    def country_label(self) -> str:
        """Return the country's display name, falling back to its ISO code."""
        return self.country_name or self.country.upper()


@dataclass(frozen=True, slots=True)
class CountryGroups:
    """Country groups by key (``config/country_groups.toml``) with display names."""

    members: Mapping[str, frozenset[str]]
    names: Mapping[str, str] = field(default_factory=dict)
    lead_groups: frozenset[str] = DEFAULT_LEAD_GROUPS
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CountryGroups:
        """Build from the parsed ``config/country_groups.toml`` (``{"groups": {KEY: {...}}}``)."""
        tables = data.get("groups", data)
        members, names, aliases = {}, {}, {}
        for key, table in tables.items():
            codes = frozenset(str(c).upper() for c in table.get("members", ()))
            members[key] = frozenset({ALL_COUNTRIES}) if "*" in codes else codes
            names[key] = str(table.get("name") or key)
            aliases[key] = tuple(str(a) for a in table.get("aliases", ()))
        return cls(members=members, names=names, aliases=aliases)

    def display(self, key: str) -> str:
        """Return the display name of a group key (the key itself when it has none)."""
        return self.names.get(key, key)

    def contains(self, key: str, country: str) -> bool:
        """Return True when ``country`` belongs to the group ``key``."""
        found = self.members.get(key, frozenset())
        return key == ALL_COUNTRIES or country in found or ALL_COUNTRIES in found

    def groups_of(self, country: str) -> tuple[str, ...]:
        """Return the keys of the (non-universal) groups a country belongs to."""
        return tuple(k for k, m in self.members.items() if country in m)

    def is_known(self, key: str) -> bool:
        """Return True when the group key is defined (or is ALL)."""
        return key == ALL_COUNTRIES or key in self.members


@dataclass(frozen=True, slots=True)
class EligibilityVerdict:
    """A verdict, the evidence it rests on, and the reason in plain words."""

    verdict: Verdict
    reason: str
    evidence: str = ""

    @property
    def can_enter(self) -> bool:
        """Return True unless the institution is known to be excluded."""
        return self.verdict is not Verdict.NOT_ELIGIBLE


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_PARTNER_ROLE = re.compile(
    r"(?:participat\w*|take\s+part|join\w*|involved|included|eligible)\s+(?:\w+\s+){0,4}?"
    r"(?:only\s+)?as\s+(?:\w+\s+){0,2}?partners?\b"
    r"|\bonly\s+as\s+(?:\w+\s+)?partners?\b|\bpartners?\s+only\b"
    # "cannot coordinate" implies partner-only; "cannot apply" does not (it excludes).
    r"|\b(?:cannot|can\s+not|may\s+not|are\s+not\s+eligible\s+to)\s+(?:be\s+|act\s+as\s+)?"
    r"(?:the\s+)?(?:coordinat\w*|lead\s+(?:the\s+)?(?:project|consortium))",
    re.IGNORECASE,
)
_WORLDWIDE = re.compile(
    r"\b(?:all|any)\s+countr(?:y|ies)\b|\bworldwide\b|\bfrom\s+any\s+country\b"
    r"|\bno\s+(?:geographic|country)\s+restrictions?\b|\bregardless\s+of\s+(?:nationality|country)\b",
    re.IGNORECASE,
)


def eligibility_verdict(
    opp: Opportunity, institution: Institution, groups: CountryGroups
) -> EligibilityVerdict:
    """Decide whether ``institution`` can enter ``opp``, from its countries, groups and text."""
    country = institution.country.upper()
    label = institution.country_label
    text = opp.eligibility_text or ""
    partner_sentence = _find_sentence(text, _PARTNER_ROLE)
    listed = tuple(c.upper() for c in opp.eligible_countries)
    via = [g for g in opp.eligible_groups if groups.contains(g, country)]
    in_lead = any(groups.contains(g, country) for g in groups.lead_groups if g in groups.members)
    lead_listed = [g for g in opp.eligible_groups if g in groups.lead_groups]
    if (country in listed or via) and not (partner_sentence and lead_listed and not in_lead):
        return _eligible_listed(country in listed, via, label, groups, partner_sentence)
    if partner_sentence and not in_lead:
        leads = ", ".join(groups.display(g) for g in lead_listed) or "other countries"
        return EligibilityVerdict(
            Verdict.PARTNER_ONLY,
            f"partner only: institutions from {leads} apply; {label} can join as a partner",
            partner_sentence,
        )
    return _from_text_or_lists(opp, institution, groups, text)


def _eligible_listed(
    direct: bool, via: list[str], label: str, groups: CountryGroups, evidence: str
) -> EligibilityVerdict:
    key = next((g for g in via if g != ALL_COUNTRIES), None)
    if key is None and direct:
        return EligibilityVerdict(
            Verdict.ELIGIBLE, f"eligible: {label} is listed among the eligible countries", evidence
        )
    key = key or ALL_COUNTRIES
    if key == ALL_COUNTRIES:
        reason = "eligible: open to all countries"
    else:
        reason = f"eligible: {label} is in {groups.display(key)}"
    return EligibilityVerdict(Verdict.ELIGIBLE, reason, evidence or f"eligible groups: {key}")


def _from_text_or_lists(
    opp: Opportunity, institution: Institution, groups: CountryGroups, text: str
) -> EligibilityVerdict:
    label = institution.country_label
    names = [n for n in (institution.country_name, *institution.country_aliases) if n]
    sentence = _find_sentence(text, _alias_pattern(names)) if names else ""
    if sentence:
        return EligibilityVerdict(Verdict.ELIGIBLE, f"eligible: the call names {label}", sentence)
    for key in groups.groups_of(institution.country.upper()):
        if key in groups.lead_groups or not groups.aliases.get(key):
            continue
        sentence = _find_sentence(text, _alias_pattern(groups.aliases[key]))
        if sentence:
            reason = f"eligible: the call names {groups.display(key)}, which includes {label}"
            return EligibilityVerdict(Verdict.ELIGIBLE, reason, sentence)
    worldwide = _find_sentence(text, _WORLDWIDE)
    if worldwide:
        return EligibilityVerdict(Verdict.ELIGIBLE, "eligible: open to all countries", worldwide)
    if not opp.eligible_countries and not opp.eligible_groups:
        return EligibilityVerdict(Verdict.UNKNOWN, "eligibility unclear: check the call", text)
    unknown = [g for g in opp.eligible_groups if not groups.is_known(g)]
    if unknown:
        return EligibilityVerdict(
            Verdict.UNKNOWN,
            f"eligibility unclear: unknown country group {', '.join(unknown)}",
            text,
        )
    open_to = [groups.display(g) for g in opp.eligible_groups] + list(opp.eligible_countries)
    more = " and others" if len(open_to) > 4 else ""
    return EligibilityVerdict(
        Verdict.NOT_ELIGIBLE,
        f"not eligible: open to {', '.join(open_to[:4])}{more} only, not {label}",
        text,
    )


def _find_sentence(text: str, pattern: re.Pattern[str]) -> str:
    if not text or not pattern.search(text):
        return ""
    for sentence in _SENTENCE_END.split(text):
        if pattern.search(sentence):
            return " ".join(sentence.split())[:300]
    return ""


def verdict_factor(verdict: Verdict, roles: tuple[Role, ...]) -> float:
    """Return how much a verdict weighs on a score (0 for calls we cannot enter)."""
    if verdict is Verdict.ELIGIBLE:
        return 1.0
    if verdict is Verdict.PARTNER_ONLY:
        # A partner-only call still fits someone willing to join a consortium as partner.
        return 0.8 if Role.PARTNER in roles else 0.4
    if verdict is Verdict.UNKNOWN:
        return 0.7
    return 0.0


@lru_cache(maxsize=256)
def _alias_pattern_cached(aliases: tuple[str, ...]) -> re.Pattern[str]:
    # A trailing "*" in the configuration lets the word take an ending ("Азии*").
    parts = [
        re.escape(a[:-1]) + r"\w*" if a.endswith("*") else re.escape(a) + r"\b" for a in aliases
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


def _alias_pattern(aliases: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    return _alias_pattern_cached(tuple(aliases))
