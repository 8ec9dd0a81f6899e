"""The matches page, follow/mute buttons, the following page and `grantradar matches`."""

from __future__ import annotations

import json

import pytest

from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
)
from tests.webapp.conftest import AuthActions, csrf_token
from tests.webapp.personal import FACULTY_PASSWORD, make_faculty, services_of
from webapp.notify import compute_matches
from webapp.stores.follows import followed_ids, muted_ids

CBHE_PAGE = f"/opportunities/{ERASMUS_CBHE_WATER.id}"


@pytest.fixture
def faculty(app, store):
    return make_faculty(store)


@pytest.fixture
def signed_in(client, faculty):
    AuthActions(client).login(faculty.email, FACULTY_PASSWORD)
    return client


def _act(client, action: str, opp_id: str, next_url: str = "/matches"):
    page = client.get("/matches")
    data = {"csrf_token": csrf_token(page.text), "opportunity_id": opp_id, "next": next_url}
    return client.post(f"/calls/{action}", data=data)


def test_matches_page_requires_login(client, app):
    assert client.get("/matches").status_code == 302


def test_matches_page_ranks_matches_with_reasons_and_verdicts(signed_in):
    page = signed_in.get("/matches")

    assert page.status_code == 200
    text = page.text
    water = text.index(ERASMUS_CBHE_WATER.title)
    assert water < text.index(HORIZON_TWO_STAGE_CLIMATE.title)
    assert "&#39;water management&#39; in title" in text
    assert "eligible: Kyrgyzstan is in Erasmus+ Region 6: Central Asia" in text
    assert 'class="badge verdict-eligible"' in text
    assert "48 days left" in text  # the moved deadline, with the days left
    assert "+06" in text  # shown in the institution's time zone (Asia/Bishkek)


def test_matches_page_never_shows_ineligible_or_closed_calls(signed_in):
    text = signed_in.get("/matches").text
    assert NIH_R01_CANCER.title not in text  # "cancer epidemiology" is a keyword, but US-only
    assert DAAD_CLOSED_FELLOWSHIP.title not in text


def test_matches_page_without_keywords_points_to_the_profile(client, app, auth):
    auth.login()  # the staff account has no profile
    page = client.get("/matches")
    assert "Your profile has no keywords yet" in page.text


def test_mute_hides_a_call_for_good_and_unmute_brings_it_back(signed_in, store, faculty):
    response = _act(signed_in, "mute", ERASMUS_CBHE_WATER.id)

    assert response.status_code == 302
    assert response.headers["Location"] == "/matches"
    assert ERASMUS_CBHE_WATER.title not in signed_in.get("/matches").text
    assert muted_ids(store.engine, faculty.id) == {ERASMUS_CBHE_WATER.id}
    following = signed_in.get("/following").text
    assert "Muted calls" in following
    assert ERASMUS_CBHE_WATER.title in following

    _act(signed_in, "unmute", ERASMUS_CBHE_WATER.id)
    assert ERASMUS_CBHE_WATER.title in signed_in.get("/matches").text


def test_follow_button_on_the_call_page_and_the_following_list(signed_in, store, faculty):
    page = signed_in.get(CBHE_PAGE)
    assert 'action="/calls/follow"' in page.text

    response = _act(signed_in, "follow", ERASMUS_CBHE_WATER.id, next_url=CBHE_PAGE)

    assert response.headers["Location"] == CBHE_PAGE
    assert followed_ids(store.engine, faculty.id) == {ERASMUS_CBHE_WATER.id}
    assert 'action="/calls/unfollow"' in signed_in.get(CBHE_PAGE).text
    assert ERASMUS_CBHE_WATER.title in signed_in.get("/following").text
    _act(signed_in, "unfollow", ERASMUS_CBHE_WATER.id)
    assert followed_ids(store.engine, faculty.id) == frozenset()


def test_call_actions_refuse_offsite_next_unknown_calls_and_missing_csrf(signed_in):
    offsite = _act(signed_in, "follow", ERASMUS_CBHE_WATER.id, next_url="//evil.example/")
    assert offsite.headers["Location"] == "/following"
    assert _act(signed_in, "follow", "nobody:nothing").status_code == 404
    assert _act(signed_in, "explode", ERASMUS_CBHE_WATER.id).status_code == 400
    no_token = {"opportunity_id": ERASMUS_CBHE_WATER.id}
    assert signed_in.post("/calls/follow", data=no_token).status_code == 400


def test_search_results_carry_follow_buttons_for_signed_in_people(signed_in, client):
    page = signed_in.get("/search?q=water")
    assert 'action="/calls/follow"' in page.text
    assert 'name="next" value="/search?q=water"' in page.text


def test_compute_matches_uses_the_profile_and_limit(app, faculty):
    services = services_of(app)
    found = compute_matches(services, faculty, now=NOW, limit=1)
    assert [m.id for m in found] == [ERASMUS_CBHE_WATER.id]
    assert compute_matches(services, faculty, now=NOW, limit=None)[0].reasons


def test_matches_cli_prints_json_with_reasons(app, faculty):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["matches", faculty.email.upper(), "--json", "--limit", "5"])

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows][:2] == [ERASMUS_CBHE_WATER.id, HORIZON_TWO_STAGE_CLIMATE.id]
    assert all(r["eligibility"] != "not_eligible" and r["status"] != "closed" for r in rows)
    assert {"id", "title", "score", "reasons", "eligibility"} <= rows[0].keys()
    assert any("water management" in reason for reason in rows[0]["reasons"])


def test_matches_cli_text_and_unknown_email(app, faculty):
    runner = app.test_cli_runner()
    text = runner.invoke(args=["matches", faculty.email])
    assert text.exit_code == 0
    assert ERASMUS_CBHE_WATER.title in text.output
    unknown = runner.invoke(args=["matches", "nobody@uni.example"])
    assert unknown.exit_code == 2
    assert "no account for nobody@uni.example" in unknown.output
