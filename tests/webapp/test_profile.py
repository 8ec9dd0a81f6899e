"""The profile page, CV keyword proposals and `users add --keywords`."""

from __future__ import annotations

import re

import pytest

from indexer.records import OpportunityKind
from matching.profiles import DigestFrequency, Role
from tests.factories import NOW
from tests.webapp.conftest import AuthActions, csrf_token
from tests.webapp.personal import FACULTY_PASSWORD, make_faculty
from webapp.stores.profiles import alerts_enabled, get_profile, save_keywords
from webapp.stores.users import get_user_by_email

CV = """
Dr. Aibek Usenov. Associate Professor, Department of Hydrology.
Research interests: glacier melt, water management, irrigation efficiency.
Publications:
Usenov A. (2021). Glacier melt and irrigation efficiency in the Chui valley. J. Hydrology.
Usenov A. (2022). Water management under glacier melt scenarios. Water Resources.
Usenov A. (2023). Remote sensing of glacier melt in the Tien Shan. Remote Sensing.
"""


@pytest.fixture
def faculty(app, store):
    return make_faculty(store)


@pytest.fixture
def signed_in(client, faculty):
    AuthActions(client).login(faculty.email, FACULTY_PASSWORD)
    return client


def _form(client, **overrides):
    page = client.get("/profile")
    data = {
        "csrf_token": csrf_token(page.text),
        "keywords": 'glacier hydrology^2, "water management"',
        "disciplines": ["1.5", "2.7"],
        "kinds": ["research_grant", "capacity_building"],
        "programmes": "Erasmus+, Horizon Europe",
        "roles": ["partner"],
        "languages": "en, RU",
        "department": "Hydrology",
        "digest": "daily",
        "alerts": "y",
    }
    data.update(overrides)
    return data


def test_profile_page_requires_login(client, app):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=/profile" in response.headers["Location"]


def test_profile_page_shows_the_stored_profile(signed_in):
    page = signed_in.get("/profile")
    assert page.status_code == 200
    assert "water management, irrigation^2, climate adaptation, cancer epidemiology" in page.text
    assert "1.5 Earth and related environmental sciences" in page.text  # the FOS picker
    assert re.search(r'value="weekly"\s+checked', page.text)


def test_profile_edit_saves_every_field(signed_in, store, faculty):
    response = signed_in.post("/profile", data=_form(signed_in))

    assert response.status_code == 302
    profile = get_profile(store.engine, faculty)
    assert [(t.text, t.weight) for t in profile.terms] == [
        ("glacier hydrology", 2.0),
        ("water management", 1.0),
    ]
    assert profile.disciplines == ("1.5", "2.7")
    assert profile.kinds == (OpportunityKind.RESEARCH_GRANT, OpportunityKind.CAPACITY_BUILDING)
    assert profile.programmes == ("Erasmus+", "Horizon Europe")
    assert profile.roles == (Role.PARTNER,)
    assert profile.languages == ("en", "ru")
    assert profile.department == "Hydrology"
    assert profile.digest is DigestFrequency.DAILY
    assert alerts_enabled(store.engine, faculty.id)
    assert "Profile saved" in signed_in.get("/profile").text


def test_profile_edit_turns_alerts_off_when_unchecked(signed_in, store, faculty):
    data = _form(signed_in)
    del data["alerts"]
    signed_in.post("/profile", data=data)
    assert not alerts_enabled(store.engine, faculty.id)


def test_profile_edit_shows_errors_next_to_fields(signed_in, store, faculty):
    data = _form(signed_in, languages="english", keywords="water^99", roles=[])

    response = signed_in.post("/profile", data=data)

    assert response.status_code == 400
    assert "Use two-letter codes such as en or ru, not english." in response.text
    assert "Weights go up to 10: check water." in response.text
    assert "Choose at least one role." in response.text
    assert 'value="english"' in response.text  # what was typed is kept
    assert get_profile(store.engine, faculty).languages == ()  # nothing saved


def test_profile_edit_rejects_a_post_without_csrf_token(signed_in, store, faculty):
    data = _form(signed_in)
    del data["csrf_token"]
    assert signed_in.post("/profile", data=data).status_code == 400
    assert get_profile(store.engine, faculty).department == ""


def test_profile_cv_proposes_keywords_without_saving(signed_in, store, faculty):
    page = signed_in.get("/profile")
    response = signed_in.post("/profile/cv", data={"csrf_token": csrf_token(page.text), "cv": CV})

    assert response.status_code == 200
    assert "Proposed from your text:" in response.text
    assert "glacier melt" in response.text
    textarea = response.text.split('name="keywords"', 1)[1].split("</textarea>", 1)[0]
    assert "water management" in textarea
    assert "glacier melt" in textarea
    assert "usenov" not in textarea.lower()  # author names are not research interests
    assert "glacier melt" not in [t.text for t in get_profile(store.engine, faculty).terms]


def test_profile_cv_requires_text(signed_in):
    page = signed_in.get("/profile")
    response = signed_in.post("/profile/cv", data={"csrf_token": csrf_token(page.text), "cv": ""})
    assert response.status_code == 400
    assert "Paste some text first." in response.text


def test_save_keywords_replaces_terms_and_keeps_other_fields(app, store, faculty):
    save_keywords(store.engine, faculty.id, "GIS, remote sensing^3", now=NOW)
    profile = get_profile(store.engine, faculty)
    assert [(t.text, t.weight) for t in profile.terms] == [("GIS", 1.0), ("remote sensing", 3.0)]
    assert profile.digest is DigestFrequency.WEEKLY


def test_users_add_seeds_profile_keywords(app, store):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users", "add", "Nurlan@Uni.example", "--role", "faculty", "--password-stdin",
            "--keywords", 'machine learning, "crop yield"^2',
        ],
        input="a long enough password\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    user = get_user_by_email(store.engine, "nurlan@uni.example")
    terms = get_profile(store.engine, user).terms
    assert [(t.text, t.weight) for t in terms] == [("machine learning", 1.0), ("crop yield", 2.0)]
