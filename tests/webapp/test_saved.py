"""Saved searches: save from the search page, list, edit, delete."""

from __future__ import annotations

import pytest

from matching.profiles import DigestFrequency
from tests.webapp.conftest import AuthActions, csrf_token
from tests.webapp.personal import FACULTY_PASSWORD, make_faculty
from webapp.stores.notices import alert_result_ids
from webapp.stores.saved_searches import list_saved_searches


@pytest.fixture
def faculty(app, store):
    return make_faculty(store)


@pytest.fixture
def signed_in(client, faculty):
    AuthActions(client).login(faculty.email, FACULTY_PASSWORD)
    return client


def _save(client, query: str = "q=water&kind=capacity_building&page=2", **fields):
    page = client.get(f"/search?{query}")
    data = {"csrf_token": csrf_token(page.text), "name": "Water CBHE", "frequency": "weekly"}
    data.update(dict(pair.split("=") for pair in query.split("&")))
    data.update(fields)
    return client.post("/saved-searches", data=data)


def test_search_page_offers_to_save_and_says_it_sends_email(signed_in):
    page = signed_in.get("/search?q=water")
    assert "Save this search" in page.text
    assert "GrantRadar sends you an e-mail" in page.text
    assert '<input type="hidden" name="q" value="water">' in page.text


def test_search_page_asks_anonymous_visitors_to_sign_in(client, app):
    assert "Sign in</a> to save this search" in client.get("/search?q=water").text


def test_save_search_stores_the_canonical_query_and_the_current_results(signed_in, store, faculty):
    response = _save(signed_in)

    assert response.status_code == 302
    assert response.headers["Location"] == "/saved-searches"
    [saved] = list_saved_searches(store.engine, faculty.id)
    assert saved.name == "Water CBHE"
    assert saved.query == (("q", "water"), ("kind", "capacity_building"))  # no page number
    assert saved.frequency is DigestFrequency.WEEKLY
    seen, _ = alert_result_ids(store.engine, saved.id)
    assert seen == {"eu-portal:ERASMUS-EDU-2027-CBHE-STRAND-2"}  # alerts start from now
    listing = signed_in.get("/saved-searches").text
    assert "Water CBHE" in listing
    assert "/search?q=water&amp;kind=capacity_building" in listing
    assert "e-mail once a week when there are new results" in listing


def test_save_search_without_a_name_explains_why(signed_in, store, faculty):
    response = _save(signed_in, name="  ")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/search?q=water")
    assert "Give the search a name." in signed_in.get(response.headers["Location"]).text
    assert list_saved_searches(store.engine, faculty.id) == []


def test_edit_saved_search_changes_name_and_frequency(signed_in, store, faculty):
    _save(signed_in)
    [saved] = list_saved_searches(store.engine, faculty.id)
    page = signed_in.get(f"/saved-searches/{saved.id}/edit")
    assert page.status_code == 200
    assert "Water CBHE" in page.text

    response = signed_in.post(
        f"/saved-searches/{saved.id}/edit",
        data={"csrf_token": csrf_token(page.text), "name": "Water only", "frequency": "off"},
    )

    assert response.status_code == 302
    [changed] = list_saved_searches(store.engine, faculty.id)
    assert (changed.name, changed.frequency) == ("Water only", DigestFrequency.OFF)
    bad = signed_in.post(
        f"/saved-searches/{saved.id}/edit",
        data={"csrf_token": csrf_token(page.text), "name": "", "frequency": "daily"},
    )
    assert bad.status_code == 400
    assert "Give the search a name." in bad.text


def test_delete_saved_search_and_other_peoples_searches_are_404(signed_in, client, store, faculty):
    _save(signed_in)
    [saved] = list_saved_searches(store.engine, faculty.id)
    token = csrf_token(signed_in.get("/saved-searches").text)
    AuthActions(client).logout()
    AuthActions(client).login()  # the staff account
    other_token = csrf_token(client.get("/saved-searches").text)
    assert client.get(f"/saved-searches/{saved.id}/edit").status_code == 404
    assert (
        client.post(
            f"/saved-searches/{saved.id}/delete", data={"csrf_token": other_token}
        ).status_code
        == 404
    )
    AuthActions(client).logout()
    AuthActions(client).login(faculty.email, FACULTY_PASSWORD)
    token = csrf_token(client.get("/saved-searches").text)

    response = client.post(f"/saved-searches/{saved.id}/delete", data={"csrf_token": token})

    assert response.status_code == 302
    assert list_saved_searches(store.engine, faculty.id) == []
    assert alert_result_ids(store.engine, saved.id) == (frozenset(), None)
