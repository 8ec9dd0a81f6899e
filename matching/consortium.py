"""Consortium composition rules per programme/action (data) and a checker in plain words.

Rules come from ``config/consortium_rules.toml`` (the web app reads the file and passes the
parsed mapping to :func:`rules_from_mapping`). Each rule set names the calls it applies to
and lists requirements; :func:`check_composition` says which pass and, for the others,
what is missing ("needs 1 more partner from an EU Member State").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.records import Opportunity

from .eligibility import CountryGroups


class RulesError(ValueError):
    """The rules file is malformed; the message names the rule set and the field."""


@dataclass(frozen=True, slots=True)
class Member:
    """One organisation in a consortium (our institution included)."""

    name: str
    country: str
    kind: str = "hei"  # hei, research, company, ngo, public, other


@dataclass(frozen=True, slots=True)
class Requirement:
    """One composition requirement.

    Members qualify when their country is in one of ``groups`` (any country when empty),
    in none of ``exclude_groups``, and their kind is in ``kinds`` (any kind when empty).
    ``min_members`` counts qualifying members (per country taking part when
    ``per_country``); ``min_countries`` counts their distinct countries.
    """

    text: str
    min_members: int = 0
    min_countries: int = 0
    groups: tuple[str, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    per_country: bool = False
    noun: str = "partner"
    where: str = ""  # "from an EU Member State"; derived from the groups when empty

    def qualifies(self, member: Member, groups: CountryGroups) -> bool:
        """Return True when ``member`` counts towards this requirement."""
        country = member.country.upper()
        if self.kinds and member.kind not in self.kinds:
            return False
        if any(groups.contains(g, country) for g in self.exclude_groups):
            return False
        return not self.groups or any(groups.contains(g, country) for g in self.groups)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The composition rules of one programme/action and the calls they apply to."""

    key: str
    name: str
    requirements: tuple[Requirement, ...]
    call_ids: tuple[str, ...] = ()  # substrings of the call id ("CBHE")
    action_types: tuple[str, ...] = ()  # exact action types ("HORIZON-RIA")
    programmes: tuple[str, ...] = ()  # programme names, used with title_words
    title_words: tuple[str, ...] = ()
    eligible_groups: tuple[str, ...] = ()  # groups whose members may take part
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequirementResult:
    """Whether one requirement passes, and what is missing when it does not."""

    requirement: Requirement
    passed: bool
    have: int
    missing: str = ""
    short_by: int = 0


@dataclass(frozen=True, slots=True)
class CompositionReport:
    """The outcome of checking a consortium against a rule set."""

    rules: RuleSet | None
    results: tuple[RequirementResult, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """Return True when there are rules and every requirement passes."""
        return self.rules is not None and all(r.passed for r in self.results)

    @property
    def missing(self) -> tuple[str, ...]:
        """Return what is missing, one plain sentence per failing requirement."""
        return tuple(r.missing for r in self.results if not r.passed)

    def gaps(self) -> tuple[Requirement, ...]:
        """Return the requirements that still fail (a new member could fill them)."""
        return tuple(r.requirement for r in self.results if not r.passed)


def rules_from_mapping(data: Mapping[str, Any]) -> tuple[RuleSet, ...]:
    """Build rule sets from the parsed TOML (``{"rules": {KEY: {...}}}``), in file order.

    :raises RulesError: for a rule set without requirements or a malformed field.
    """
    tables = data.get("rules", data)
    return tuple(_rule_set(str(key), table) for key, table in tables.items())


def _strings(table: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = table.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: {name} must be a list of strings")
    return tuple(value)


def _rule_set(key: str, table: Any) -> RuleSet:
    if not isinstance(table, Mapping) or not table.get("requirements"):
        raise RulesError(f"rule set {key!r}: needs a name and at least one requirement")
    return RuleSet(
        key=key,
        name=str(table.get("name") or key),
        requirements=tuple(
            _requirement(r, f"rule set {key!r} requirement {n}")
            for n, r in enumerate(table["requirements"], start=1)
        ),
        call_ids=_strings(table, "call_ids", key),
        action_types=_strings(table, "action_types", key),
        programmes=_strings(table, "programmes", key),
        title_words=_strings(table, "title_words", key),
        eligible_groups=_strings(table, "eligible_groups", key),
        source=str(table.get("source", "")),
        note=str(table.get("note", "")),
    )


def _requirement(table: Any, where: str) -> Requirement:
    if not isinstance(table, Mapping) or not table.get("text"):
        raise RulesError(f"{where}: needs a text")
    try:
        min_members, min_countries = (
            int(table.get("min_members", 0)),
            int(table.get("min_countries", 0)),
        )
    except (TypeError, ValueError) as exc:
        raise RulesError(f"{where}: min_members/min_countries must be integers") from exc
    if min_members < 0 or min_countries < 0 or not (min_members or min_countries):
        raise RulesError(f"{where}: set min_members or min_countries to a positive number")
    return Requirement(
        text=str(table["text"]),
        min_members=min_members,
        min_countries=min_countries,
        groups=_strings(table, "groups", where),
        exclude_groups=_strings(table, "exclude_groups", where),
        kinds=_strings(table, "kinds", where),
        per_country=bool(table.get("per_country", False)),
        noun=str(table.get("noun") or "partner"),
        where=str(table.get("where", "")),
    )


def rules_for(opp: Opportunity, rule_sets: Iterable[RuleSet]) -> RuleSet | None:
    """Return the rule set for a call: call id first, then action type, then programme."""
    sets = tuple(rule_sets)
    call_id = (opp.call_id or "").upper()
    for rule_set in sets:
        if call_id and any(part.upper() in call_id for part in rule_set.call_ids):
            return rule_set
    for rule_set in sets:
        if opp.action_type and opp.action_type.upper() in map(str.upper, rule_set.action_types):
            return rule_set
    title = opp.title.lower()
    for rule_set in sets:
        if opp.programme in rule_set.programmes and any(
            w.lower() in title for w in rule_set.title_words
        ):
            return rule_set
    return None


def fallback_rules(opp: Opportunity) -> RuleSet | None:
    """Return a rule set from the call record itself (its ``min_partners``), if it says."""
    if not opp.min_partners:
        return None
    requirement = Requirement(
        text=f"at least {opp.min_partners} partners (as the call record states)",
        min_members=opp.min_partners,
    )
    return RuleSet(key="call-record", name="Stated by the call", requirements=(requirement,))


def _plural(noun: str, n: int) -> str:
    if n == 1:
        return noun
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy")):
        return noun[:-1] + "ies"
    return noun + "s"


def _where(requirement: Requirement, groups: CountryGroups) -> str:
    if requirement.where:
        return requirement.where
    if not requirement.groups:
        return ""
    return "from " + " or ".join(groups.display(g) for g in requirement.groups)


def check_requirement(
    requirement: Requirement,
    members: Sequence[Member],
    groups: CountryGroups,
    country_names: Mapping[str, str] | None = None,
) -> RequirementResult:
    """Check one requirement against the members and say what is missing."""
    qualifying = [m for m in members if requirement.qualifies(m, groups)]
    names = country_names or {}
    if requirement.per_country:
        return _check_per_country(requirement, qualifying, names)
    where = _where(requirement, groups)
    if requirement.min_members and len(qualifying) < requirement.min_members:
        short = requirement.min_members - len(qualifying)
        noun = _plural(requirement.noun, short)
        text = " ".join(p for p in (f"needs {short} more {noun}", where) if p)
        return RequirementResult(requirement, False, len(qualifying), text, short)
    countries = {m.country.upper() for m in qualifying}
    if requirement.min_countries and len(countries) < requirement.min_countries:
        short = requirement.min_countries - len(countries)
        text = f"needs {_plural(requirement.noun, short)} from {short} more " + (
            "country" if short == 1 else "different countries"
        )
        if requirement.groups:
            text += " in " + " or ".join(groups.display(g) for g in requirement.groups)
        if countries:
            text += f" (now: {', '.join(sorted(names.get(c, c) for c in countries))})"
        return RequirementResult(requirement, False, len(countries), text, short)
    return RequirementResult(requirement, True, len(qualifying))


def _check_per_country(
    requirement: Requirement, qualifying: Sequence[Member], names: Mapping[str, str]
) -> RequirementResult:
    counts = Counter(m.country.upper() for m in qualifying)
    short = {
        c: requirement.min_members - n for c, n in counts.items() if n < requirement.min_members
    }
    if not short:
        return RequirementResult(requirement, True, len(qualifying))
    parts = [
        f"{n} more {_plural(requirement.noun, n)} from {names.get(c, c)}"
        for c, n in sorted(short.items())
    ]
    text = (
        f"needs {'; '.join(parts)} "
        f"(at least {requirement.min_members} from each such country taking part)"
    )
    return RequirementResult(requirement, False, len(qualifying), text, sum(short.values()))


def check_composition(
    members: Sequence[Member],
    rules: RuleSet | None,
    groups: CountryGroups,
    country_names: Mapping[str, str] | None = None,
) -> CompositionReport:
    """Check a consortium against a rule set (no rules: an empty report that does not pass)."""
    if rules is None:
        return CompositionReport(None, (), ("no composition rules known for this call",))
    results = tuple(
        check_requirement(r, members, groups, country_names) for r in rules.requirements
    )
    notes = tuple(n for n in (rules.note, f"Source: {rules.source}" if rules.source else "") if n)
    return CompositionReport(rules, results, notes)
