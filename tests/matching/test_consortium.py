from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from matching.consortium import (
    Member,
    Requirement,
    RulesError,
    check_composition,
    check_requirement,
    fallback_rules,
    rules_for,
    rules_from_mapping,
)
from matching.eligibility import CountryGroups
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, make_opportunity

CONFIG = Path(__file__).resolve().parents[2] / "config"
GROUPS = CountryGroups.from_mapping(tomllib.loads((CONFIG / "country_groups.toml").read_text()))
RULES = rules_from_mapping(tomllib.loads((CONFIG / "consortium_rules.toml").read_text()))
NAMES = {"KG": "Kyrgyzstan", "KZ": "Kazakhstan", "DE": "Germany"}

AIU = Member("Our university", "KG")
HEI = {c: Member(f"University {c}", c) for c in ("DE", "FR", "IT", "KZ", "TR", "PK", "KR")}
SECOND_KG = Member("Osh university", "KG")


def _rules(key: str):
    return next(r for r in RULES if r.key == key)


def test_rules_from_mapping_reads_every_rule_set_with_source_and_note():
    assert {r.key for r in RULES} >= {
        "erasmus-cbhe",
        "erasmus-mundus",
        "horizon-ria-ia",
        "msca-staff-exchanges",
    }
    assert all(r.source and "verify" in r.note.lower() for r in RULES)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": {"x": {"name": "X"}}}, "at least one requirement"),
        ({"rules": {"x": {"requirements": [{"min_members": 2}]}}}, "needs a text"),
        ({"rules": {"x": {"requirements": [{"text": "t"}]}}}, "positive number"),
        ({"rules": {"x": {"requirements": [{"text": "t", "min_members": "a"}]}}}, "integers"),
        (
            {"rules": {"x": {"groups": "EU", "requirements": [{"text": "t", "min_members": 1}]}}},
            None,
        ),
        (
            {
                "rules": {
                    "x": {"call_ids": "CBHE", "requirements": [{"text": "t", "min_members": 1}]}
                }
            },
            "list of strings",
        ),
    ],
)
def test_rules_from_mapping_rejects_malformed_rules(data, message):
    if message is None:
        assert rules_from_mapping(data)[0].key == "x"
        return
    with pytest.raises(RulesError, match=message):
        rules_from_mapping(data)


@pytest.mark.parametrize(
    ("opp", "expected"),
    [
        (ERASMUS_CBHE_WATER, "erasmus-cbhe"),
        (HORIZON_TWO_STAGE_CLIMATE, "horizon-ria-ia"),
        (make_opportunity(action_type="HORIZON-TMA-MSCA-SE"), "msca-staff-exchanges"),
        (
            make_opportunity(programme="Erasmus+", title="Erasmus Mundus Joint Masters 2027"),
            "erasmus-mundus",
        ),
        (make_opportunity(title="A national research grant"), None),
    ],
)
def test_rules_for_picks_the_rule_set_of_the_call(opp, expected):
    found = rules_for(opp, RULES)
    assert (found.key if found else None) == expected


def test_fallback_rules_uses_min_partners_from_the_record():
    rules = fallback_rules(make_opportunity(min_partners=3))
    assert rules is not None
    report = check_composition([AIU, HEI["DE"]], rules, GROUPS)
    assert report.missing == ("needs 1 more partner",)
    assert fallback_rules(make_opportunity()) is None


@pytest.mark.parametrize(
    ("members", "missing"),
    [
        (
            [AIU],
            (
                "needs 3 more higher education institutions",
                "needs higher education institutions from 2 more different countries in "
                "EU Member States or Third countries associated to Erasmus+",
                "needs 1 more higher education institution from Kyrgyzstan "
                "(at least 2 from each such country taking part)",
            ),
        ),
        (
            [AIU, SECOND_KG, HEI["DE"], HEI["KZ"]],
            (
                "needs higher education institution from 1 more country in EU Member States or "
                "Third countries associated to Erasmus+ (now: Germany)",
                "needs 1 more higher education institution from Kazakhstan "
                "(at least 2 from each such country taking part)",
            ),
        ),
        ([AIU, SECOND_KG, HEI["DE"], HEI["TR"]], ()),
    ],
)
def test_check_composition_cbhe_says_what_is_missing(members, missing):
    report = check_composition(members, _rules("erasmus-cbhe"), GROUPS, NAMES)
    assert report.missing == missing
    assert report.passed is (not missing)


def test_check_composition_horizon_needs_an_eu_member():
    rules = _rules("horizon-ria-ia")
    # Türkiye and Korea are associated to Horizon Europe, but neither is an EU member state.
    report = check_composition([AIU, HEI["TR"], HEI["KR"]], rules, GROUPS, NAMES)
    assert "needs 1 more partner from an EU Member State" in report.missing
    assert (
        "needs 1 more partner from EU Member States or Countries associated to Horizon Europe"
        in report.missing
    )
    ok = check_composition([AIU, HEI["DE"], HEI["FR"], HEI["TR"]], rules, GROUPS)
    assert ok.passed


def test_check_composition_mundus_counts_countries():
    rules = _rules("erasmus-mundus")
    short = check_composition([AIU, HEI["DE"], HEI["PK"]], rules, GROUPS)
    assert not short.passed
    assert check_composition([AIU, HEI["DE"], HEI["FR"]], rules, GROUPS).passed


def test_check_requirement_counts_only_the_kinds_named():
    requirement = Requirement(text="t", min_members=2, kinds=("hei",), noun="university")
    company = Member("Firm", "DE", kind="company")
    result = check_requirement(requirement, [AIU, company], GROUPS)
    assert (result.passed, result.missing, result.short_by) == (False, "needs 1 more university", 1)


def test_check_composition_without_rules_does_not_pass():
    report = check_composition([AIU], None, GROUPS)
    assert not report.passed
    assert report.missing == ()
    assert report.notes
