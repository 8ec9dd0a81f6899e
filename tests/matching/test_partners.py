from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from matching.consortium import Member, check_composition, rules_for, rules_from_mapping
from matching.eligibility import CountryGroups, Verdict
from matching.partners import Partner, area_hits, call_stems, score_partner, suggest_partners
from tests.factories import ERASMUS_CBHE_WATER, NIH_R01_CANCER, TODAY, make_opportunity

CONFIG = Path(__file__).resolve().parents[2] / "config"
GROUPS = CountryGroups.from_mapping(tomllib.loads((CONFIG / "country_groups.toml").read_text()))
RULES = rules_from_mapping(tomllib.loads((CONFIG / "consortium_rules.toml").read_text()))
CBHE_RULES = rules_for(ERASMUS_CBHE_WATER, RULES)

WATER_DE = Partner(
    "Water University", "DE", id=1, areas=("water management", "irrigation"),
    mou_until=date(2029, 1, 1), erasmus_icm=True,
)  # fmt: skip
HISTORY_FR = Partner("History University", "FR", id=2, areas=("medieval history",))
WATER_KZ = Partner("Steppe Water Institute", "KZ", id=3, areas=("irrigation",))
EXPIRED_IT = Partner(
    "Expired Water University", "IT", id=4, areas=("water management",),
    mou_until=date(2020, 1, 1),
)  # fmt: skip
BRAZIL = Partner("American University", "US", id=5, areas=("water management",))
INACTIVE_NL = Partner("Closed Delta College", "NL", id=6, areas=("water management",), active=False)
REGISTRY = (WATER_DE, HISTORY_FR, WATER_KZ, EXPIRED_IT, BRAZIL, INACTIVE_NL)


def _suggest(**kwargs):
    defaults = {"groups": GROUPS, "today": TODAY, "rules": CBHE_RULES}
    return suggest_partners(ERASMUS_CBHE_WATER, REGISTRY, **{**defaults, **kwargs})


def test_suggest_partners_ranks_topical_eligible_partners_first():
    names = [s.partner.name for s in _suggest()]
    assert names[0] == "Water University"
    assert names.index("History University") > names.index("Steppe Water Institute")


def test_suggest_partners_leaves_out_ineligible_inactive_and_taken_partners():
    names = {s.partner.name for s in _suggest(exclude={3})}
    assert "American University" not in names  # the USA is in no CBHE region
    assert "Closed Delta College" not in names
    assert "Steppe Water Institute" not in names


def test_suggest_partners_explains_each_suggestion():
    top = _suggest()[0]
    assert top.verdict is Verdict.ELIGIBLE
    assert any("EU Member States" in r for r in top.reasons)
    assert "works on water management, irrigation (named in the call)" in top.reasons
    assert "MoU in force until 2029-01-01" in top.reasons
    assert "already an Erasmus+ mobility (ICM) partner" in top.reasons


def test_suggest_partners_penalises_an_expired_mou():
    by_name = {s.partner.name: s for s in _suggest()}
    expired = by_name["Expired Water University"]
    assert "MoU not in force: renew it first" in expired.reasons
    assert expired.score < by_name["Water University"].score


def test_suggest_partners_prefers_partners_that_fill_a_gap():
    members = [Member("Us", "KG"), Member("A", "DE"), Member("B", "FR")]
    report = check_composition(members, CBHE_RULES, GROUPS)
    assert report.missing[0] == "needs 1 more higher education institution"
    suggestion = score_partner(
        WATER_KZ, ERASMUS_CBHE_WATER, groups=GROUPS, today=TODAY, rules=CBHE_RULES, report=report
    )
    assert any(r.startswith("helps with: needs 1 more") for r in suggestion.reasons)


def test_score_partner_without_rules_uses_the_call_eligibility():
    suggestion = score_partner(WATER_DE, NIH_R01_CANCER, groups=GROUPS, today=TODAY)
    assert suggestion.verdict is Verdict.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("areas", "expected"),
    [
        (("water management", "irrigation"), ["water management", "irrigation"]),
        (("Irrigation systems",), []),  # "systems" is not in the call
        (("Water",), ["Water"]),
        ((), []),
    ],
)
def test_area_hits_needs_every_word_of_an_area(areas, expected):
    stems = call_stems(ERASMUS_CBHE_WATER)
    assert area_hits(Partner("P", "DE", areas=areas), stems) == expected


@pytest.mark.parametrize(
    ("since", "until", "active", "expected"),
    [
        (None, None, True, True),
        (date(2020, 1, 1), TODAY, True, True),
        (date(2020, 1, 1), date(2021, 1, 1), True, False),
        (date(2099, 1, 1), None, True, False),
        (None, None, False, False),
    ],
)
def test_partner_mou_active_on_today(since, until, active, expected):
    partner = Partner("P", "DE", mou_since=since, mou_until=until, active=active)
    assert partner.mou_active(TODAY) is expected


def test_suggest_partners_respects_the_limit():
    opp = make_opportunity(eligible_groups=("ALL",))
    assert len(suggest_partners(opp, REGISTRY, groups=GROUPS, today=TODAY, limit=2)) == 2
