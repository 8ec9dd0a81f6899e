"""Personal iCal and RSS feeds (token URLs) and the public search RSS feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from indexer.store import Store
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NOW,
)
from tests.webapp.conftest import HOSTILE_CALL, HOSTILE_TITLE, AuthActions, csrf_token
from tests.webapp.personal import FACULTY_EMAIL, FACULTY_PASSWORD, make_faculty
from tests.webapp.test_ical import parse_ics, unescape_text
from webapp.stores.follows import follow
from webapp.stores.schema import users
from webapp.stores.users import User
from webapp.tokens import Purpose, make_token

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def faculty(app: Flask, store: Store) -> User:
    user = make_faculty(store)
    # A closed call and a call outside the profile: followed calls are in the calendar anyway.
    follow(store.engine, user.id, DAAD_CLOSED_FELLOWSHIP.id, now=NOW)
    follow(store.engine, user.id, HOSTILE_CALL.id, now=NOW)
    return user


def token_for(app: Flask, user_id: int, purpose: Purpose = Purpose.FEED) -> str:
    return make_token(app.config["SECRET_KEY"], user_id, purpose)


def rss_items(text: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    return channel, channel.findall("item")


def test_calendar_has_followed_and_matched_deadlines(
    client: FlaskClient, app: Flask, faculty: User
) -> None:
    response = client.get(f"/feeds/{token_for(app, faculty.id)}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"].startswith("private")
    calendar, events = parse_ics(response.text)
    assert calendar["VERSION"] == "2.0"
    summaries = [unescape_text(e["SUMMARY"]) for e in events]
    for event in events:
        assert {"UID", "DTSTART", "DTSTAMP", "SUMMARY"} <= event.keys()
        assert event["DTSTART"].endswith("Z")
    assert len({e["UID"] for e in events}) == len(events)
    # Matched by the profile ("water management", "climate adaptation").
    assert any(ERASMUS_CBHE_WATER.title in s for s in summaries)
    stages = [s for s in summaries if HORIZON_TWO_STAGE_CLIMATE.title in s]
    assert len(stages) == 2
    # Followed, even though closed or outside the profile.
    assert any(DAAD_CLOSED_FELLOWSHIP.title in s for s in summaries)
    assert any(HOSTILE_TITLE in s for s in summaries)


def test_calendar_is_stable_between_polls(client: FlaskClient, app: Flask, faculty: User) -> None:
    url = f"/feeds/{token_for(app, faculty.id)}/calendar.ics"
    assert client.get(url).data == client.get(url).data


@pytest.mark.parametrize("feed", ["calendar.ics", "matches.rss"])
def test_personal_feeds_refuse_bad_tokens(
    client: FlaskClient, app: Flask, store: Store, faculty: User, feed: str
) -> None:
    bad_tokens = [
        "nonsense",
        token_for(app, faculty.id) + "x",
        token_for(app, faculty.id, Purpose.UNSUBSCRIBE_DIGEST),
        token_for(app, 99_999),
        make_token("another-secret", faculty.id, Purpose.FEED),
    ]
    for token in bad_tokens:
        assert client.get(f"/feeds/{token}/{feed}").status_code == 404, token
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == faculty.id).values(active=False))
    assert client.get(f"/feeds/{token_for(app, faculty.id)}/{feed}").status_code == 404


def test_matches_feed_lists_ranked_matches(client: FlaskClient, app: Flask, faculty: User) -> None:
    response = client.get(f"/feeds/{token_for(app, faculty.id)}/matches.rss")
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    channel, items = rss_items(response.text)
    assert channel.findtext("title") == "GrantRadar: your matching calls"
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None
    assert self_link.get("rel") == "self"
    titles = [item.findtext("title") for item in items]
    assert ERASMUS_CBHE_WATER.title in titles
    water = items[titles.index(ERASMUS_CBHE_WATER.title)]
    assert water.findtext("link", "").startswith("http://localhost/opportunities/")
    assert "water management" in water.findtext("description", "")
    assert water.findtext("guid") == water.findtext("link")
    assert water.findtext("pubDate", "").endswith("GMT")


def test_search_feed_escapes_hostile_text(client: FlaskClient) -> None:
    response = client.get("/feeds/search.rss", query_string={"funder": "Evil <Funder>"})
    assert response.status_code == 200
    assert "<script>" not in response.text
    channel, items = rss_items(response.text)
    assert [item.findtext("title") for item in items] == [HOSTILE_TITLE]
    assert next(c.text for c in items[0].findall("category")) == "Evil <Funder>"
    assert channel.findtext("link") == "http://localhost/search?funder=Evil+%3CFunder%3E"


def test_search_feed_is_newest_first_and_never_fails(client: FlaskClient) -> None:
    _, items = rss_items(client.get("/feeds/search.rss?funder=Bulk+Foundation").text)
    assert len(items) == 45
    for hostile in ('q="unbalanced', "q=%00%01", "page=-5&sort=nope", "status=closed&q=DAAD"):
        response = client.get(f"/feeds/search.rss?{hostile}")
        assert response.status_code == 200, hostile
        rss_items(response.text)


def test_profile_page_shows_feed_links(
    client: FlaskClient, app: Flask, auth: AuthActions, faculty: User
) -> None:
    auth.login(FACULTY_EMAIL, FACULTY_PASSWORD)
    html = client.get("/profile").text
    token = token_for(app, faculty.id)
    assert "Your calendar and feed links" in html
    assert f"http://localhost/feeds/{token}/calendar.ics" in html
    assert f"webcal://localhost/feeds/{token}/calendar.ics" in html
    assert f"http://localhost/feeds/{token}/matches.rss" in html


def test_issuing_new_links_revokes_the_old_ones(
    client: FlaskClient, app: Flask, auth: AuthActions, faculty: User
) -> None:
    auth.login(FACULTY_EMAIL, FACULTY_PASSWORD)
    old = f"/feeds/{token_for(app, faculty.id)}/calendar.ics"
    assert client.get(old).status_code == 200
    page = client.get("/profile").text
    response = client.post("/profile/feed-links/reset", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert client.get(old).status_code == 404
    html = client.get("/profile").text
    new_token = make_token(app.config["SECRET_KEY"], faculty.id, Purpose.FEED, version=1)
    assert f"/feeds/{new_token}/calendar.ics" in html
    assert client.get(f"/feeds/{new_token}/calendar.ics").status_code == 200
