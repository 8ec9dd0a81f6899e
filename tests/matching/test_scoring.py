from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from indexer.records import Deadline, OpportunityKind, OpportunityStatus
from matching.eligibility import Verdict
from matching.feasibility import lead_days
from matching.index import CallIndex
from matching.profiles import Profile, Role, WeightedTerm, profile_from_dict
from matching.relevance import prepare_profile
from matching.scoring import explain, match_to_dict, prepare_call, rank, score
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
    TODAY,
    make_opportunity,
)
from tests.matching.records import (
    AIU,
    CBHE_TEN_DAYS,
    ERASMUS_KA171_PARTNER_ONLY,
    GROUPS,
    NSF_US_ONLY,
    TRAVEL_GRANT_FIVE_DAYS,
)

HYDROLOGIST = profile_from_dict(
    {
        "email": "hydro@aiu.example",
        "keywords": 'water management, irrigation^2, "climate adaptation", glacier',
        "disciplines": ["1.5"],
        "kinds": ["capacity_building", "research_grant"],
        "programmes": ["Erasmus+"],
    }
)
ONCOLOGIST = profile_from_dict({"email": "onco@aiu.example", "keywords": "cancer epidemiology"})
ALL_CALLS = (
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    DAAD_CLOSED_FELLOWSHIP,
    NSF_US_ONLY,
    ERASMUS_KA171_PARTNER_ONLY,
    TRAVEL_GRANT_FIVE_DAYS,
    CBHE_TEN_DAYS,
)


def _score(opp, profile=HYDROLOGIST, today=TODAY):
    return score(opp, profile, institution=AIU, groups=GROUPS, today=today)


def test_score_reasons_in_plain_words():
    match = _score(ERASMUS_CBHE_WATER)
    assert match is not None
    assert "'water management' in title" in match.reasons
    assert "'irrigation' in summary" in match.reasons
    assert "preferred programme: Erasmus+" in match.reasons
    assert "eligible: Kyrgyzstan is in Erasmus+ Region 6: Central Asia" in match.reasons
    assert match.reasons[-1].startswith("deadline in 41 days")
    assert match.days_left == 41


@pytest.mark.parametrize("opp", [NIH_R01_CANCER, NSF_US_ONLY, DAAD_CLOSED_FELLOWSHIP])
def test_score_never_matches_ineligible_or_closed(opp):
    assert _score(opp, ONCOLOGIST) is None
    assert _score(opp) is None


def test_score_past_deadline_with_stale_open_status_is_closed():
    stale = replace(ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW - timedelta(days=2), "D"),))
    assert stale.status is OpportunityStatus.OPEN
    assert _score(stale) is None


def test_score_needs_a_profile_term():
    assert _score(ERASMUS_CBHE_WATER, ONCOLOGIST) is None


def test_score_muted_call_is_not_a_match():
    muted = replace(HYDROLOGIST, muted=frozenset({ERASMUS_CBHE_WATER.id}))
    assert _score(ERASMUS_CBHE_WATER, muted) is None


def test_score_phrase_beats_scattered_words():
    adjacent = make_opportunity(source_key="A", title="Climate adaptation in cities")
    apart = make_opportunity(source_key="B", title="Adaptation of cities to a changing climate")
    profile = Profile(email="x@y", terms=(WeightedTerm("climate adaptation"),))
    a, b = _score(adjacent, profile), _score(apart, profile)
    assert a is not None
    assert b is not None
    assert a.score > b.score
    assert "'climate adaptation' in title" in a.reasons
    assert "'climate adaptation' in text (words apart)" in b.reasons


def test_score_saturates_repeated_words():
    once = make_opportunity(source_key="A", summary="irrigation")
    many = make_opportunity(source_key="B", summary="irrigation " * 50)
    profile = Profile(email="x@y", terms=(WeightedTerm("irrigation"),))
    s1, s50 = _score(once, profile).score, _score(many, profile).score
    assert s50 > s1
    assert s50 < 2 * s1


def test_score_weight_raises_score():
    opp = make_opportunity(title="Irrigation")
    light = Profile(email="x@y", terms=(WeightedTerm("irrigation"),))
    heavy = Profile(email="x@y", terms=(WeightedTerm("irrigation", 2.0),))
    assert _score(opp, heavy).score == pytest.approx(2 * _score(opp, light).score)


def test_score_discipline_hint_alone_matches_with_reason():
    opp = make_opportunity(title="Seismology observatory network")
    profile = Profile(email="x@y", disciplines=("1.5",))
    match = _score(opp, profile)
    assert match is not None
    assert "fits Earth and related environmental sciences ('seismology')" in match.reasons


def test_score_partner_only_weighs_roles():
    partner = Profile(email="x@y", terms=(WeightedTerm("mobility"),), roles=(Role.PARTNER,))
    coordinator = replace(partner, roles=(Role.COORDINATOR,))
    p, c = (
        _score(ERASMUS_KA171_PARTNER_ONLY, partner),
        _score(ERASMUS_KA171_PARTNER_ONLY, coordinator),
    )
    assert p.eligibility.verdict is Verdict.PARTNER_ONLY
    assert p.score > c.score


@pytest.mark.parametrize(
    ("kind", "consortium", "days"),
    [
        (OpportunityKind.CAPACITY_BUILDING, None, 45),
        (OpportunityKind.RESEARCH_GRANT, None, 30),
        (OpportunityKind.RESEARCH_GRANT, True, 45),
        (OpportunityKind.FELLOWSHIP, None, 14),
        (OpportunityKind.EVENT, None, 5),
    ],
)
def test_lead_days_per_kind(kind, consortium, days):
    assert lead_days(make_opportunity(kind=kind, consortium_required=consortium)) == days


def test_score_tight_deadline_is_penalized_and_said():
    profile = Profile(email="x@y", terms=(WeightedTerm("glacier"),))
    tight = _score(CBHE_TEN_DAYS, profile)
    roomy = _score(replace(CBHE_TEN_DAYS, deadlines=(Deadline(NOW + timedelta(days=60)),)), profile)
    assert tight.reasons[-1] == "deadline in 10 days: tight (allow ~45 days to prepare)"
    assert roomy.reasons[-1] == "deadline in 60 days"
    assert tight.score < roomy.score


def test_score_event_with_six_days_is_feasible():
    profile = Profile(email="x@y", terms=(WeightedTerm("glacier"),))
    match = _score(TRAVEL_GRANT_FIVE_DAYS, profile)
    assert match.reasons[-1] == "deadline in 6 days"


def test_score_two_stage_uses_next_deadline():
    match = _score(HORIZON_TWO_STAGE_CLIMATE, today=TODAY + timedelta(days=25))
    assert match.deadline.label == "Stage 2"
    assert match.days_left == 135


def test_rank_orders_and_excludes():
    matches = rank(ALL_CALLS, HYDROLOGIST, institution=AIU, groups=GROUPS, today=TODAY)
    ids = [m.id for m in matches]
    assert ids[0] == ERASMUS_CBHE_WATER.id
    assert NIH_R01_CANCER.id not in ids
    assert NSF_US_ONLY.id not in ids
    assert DAAD_CLOSED_FELLOWSHIP.id not in ids
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_call_index_scores_equal_explain():
    index = CallIndex(ALL_CALLS, institution=AIU, groups=GROUPS, today=TODAY)
    prepared = prepare_profile(HYDROLOGIST)
    for match in index.rank(HYDROLOGIST):
        call = prepare_call(match.opportunity, institution=AIU, groups=GROUPS, today=TODAY)
        again = explain(call, prepared, index.idf)
        assert again.score == match.score
    assert len(index.rank(HYDROLOGIST, limit=2)) == 2


def test_match_to_dict_has_cli_fields():
    data = match_to_dict(_score(ERASMUS_CBHE_WATER))
    assert {"id", "title", "score", "reasons", "eligibility"} <= data.keys()
    assert data["eligibility"] == "eligible"


def test_call_index_limit_keeps_the_best():
    calls = [
        make_opportunity(
            source_key=f"K{i}", title="glacier " * (i % 4 + 1), eligible_groups=("ALL",)
        )
        for i in range(30)
    ]
    index = CallIndex(calls, institution=AIU, groups=GROUPS, today=TODAY)
    profile = Profile(email="x@y", terms=(WeightedTerm("glacier"),), kinds=(OpportunityKind.EVENT,))
    full = [(m.id, m.score) for m in index.rank(profile)]
    assert [(m.id, m.score) for m in index.rank(profile, limit=5)] == full[:5]
