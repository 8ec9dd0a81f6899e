from __future__ import annotations

import pytest

from matching.eligibility import CountryGroups, Institution, Verdict, eligibility_verdict
from tests.factories import (
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    make_opportunity,
)
from tests.matching.records import (
    AIU,
    ERASMUS_KA171_PARTNER_ONLY,
    GROUPS,
    HORIZON_MSCA_THIRD_COUNTRY_PARTNERS,
    NO_ELIGIBILITY_INFO,
    NSF_US_ONLY,
    SOROS_CENTRAL_ASIA_TEXT,
    UNKNOWN_GROUP_CALL,
    WORLDWIDE_PRIZE,
)


@pytest.mark.parametrize(
    ("opp", "verdict"),
    [
        (ERASMUS_CBHE_WATER, Verdict.ELIGIBLE),
        (HORIZON_TWO_STAGE_CLIMATE, Verdict.ELIGIBLE),
        (NIH_R01_CANCER, Verdict.NOT_ELIGIBLE),
        (NSF_US_ONLY, Verdict.NOT_ELIGIBLE),
        (ERASMUS_KA171_PARTNER_ONLY, Verdict.PARTNER_ONLY),
        (HORIZON_MSCA_THIRD_COUNTRY_PARTNERS, Verdict.PARTNER_ONLY),
        (SOROS_CENTRAL_ASIA_TEXT, Verdict.ELIGIBLE),
        (WORLDWIDE_PRIZE, Verdict.ELIGIBLE),
        (NO_ELIGIBILITY_INFO, Verdict.UNKNOWN),
        (UNKNOWN_GROUP_CALL, Verdict.UNKNOWN),
    ],
    ids=lambda v: getattr(v, "id", str(v)),
)
def test_eligibility_verdict_for_kyrgyzstan(opp, verdict):
    assert eligibility_verdict(opp, AIU, GROUPS).verdict is verdict


@pytest.mark.parametrize(
    ("groups", "verdict"),
    [
        (("ERASMUS_REGION_6",), Verdict.ELIGIBLE),
        (("HE_LMIC",), Verdict.ELIGIBLE),
        (("ALL",), Verdict.ELIGIBLE),
        (("CENTRAL_ASIA", "EU"), Verdict.ELIGIBLE),
        (("EU",), Verdict.NOT_ELIGIBLE),
        (("EU", "ERASMUS_ASSOCIATED"), Verdict.NOT_ELIGIBLE),
        (("HE_ASSOCIATED",), Verdict.NOT_ELIGIBLE),
        (("ERASMUS_REGION_5", "ERASMUS_REGION_7"), Verdict.NOT_ELIGIBLE),
        ((), Verdict.UNKNOWN),
    ],
)
def test_eligibility_verdict_group_combinations(groups, verdict):
    opp = make_opportunity(eligible_groups=groups)
    assert eligibility_verdict(opp, AIU, GROUPS).verdict is verdict


def test_eligibility_verdict_reason_names_region():
    opp = make_opportunity(eligible_groups=("ERASMUS_REGION_6",))
    result = eligibility_verdict(opp, AIU, GROUPS)
    assert result.reason == "eligible: Kyrgyzstan is in Erasmus+ Region 6: Central Asia"


def test_eligibility_verdict_partner_only_keeps_evidence_sentence():
    result = eligibility_verdict(ERASMUS_KA171_PARTNER_ONLY, AIU, GROUPS)
    assert result.evidence.endswith("take part as partners only.")
    assert result.reason.startswith("partner only: institutions from EU Member States")
    assert "Kyrgyzstan can join as a partner" in result.reason


def test_eligibility_verdict_listed_country_without_groups():
    opp = make_opportunity(eligible_countries=("kg", "KZ"))
    result = eligibility_verdict(opp, AIU, GROUPS)
    assert result.verdict is Verdict.ELIGIBLE
    assert "Kyrgyzstan is listed" in result.reason


def test_eligibility_verdict_not_eligible_says_who_is():
    result = eligibility_verdict(NIH_R01_CANCER, AIU, GROUPS)
    assert result.reason == "not eligible: open to US only, not Kyrgyzstan"
    assert not result.can_enter


def test_eligibility_verdict_names_country_in_text():
    opp = make_opportunity(eligibility_text="Applicants from the Kyrgyz Republic are welcome.")
    result = eligibility_verdict(opp, AIU, GROUPS)
    assert result.verdict is Verdict.ELIGIBLE
    assert result.evidence == "Applicants from the Kyrgyz Republic are welcome."


def test_eligibility_verdict_member_of_lead_group_is_not_partner_only():
    german = Institution(country="DE", country_name="Germany")
    result = eligibility_verdict(ERASMUS_KA171_PARTNER_ONLY, german, GROUPS)
    assert result.verdict is Verdict.ELIGIBLE


def test_country_groups_from_mapping_reads_universal_members():
    groups = CountryGroups.from_mapping(
        {"groups": {"ALL": {"members": ["*"]}, "X": {"name": "X land", "members": ["kg"]}}}
    )
    assert groups.contains("ALL", "ZZ")
    assert groups.contains("X", "KG")
    assert groups.display("X") == "X land"
