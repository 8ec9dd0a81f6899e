"""Web app fixtures: a real store and search index in tmp_path, filled with named records."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config.settings import Settings
from indexer.ingest import ingest
from indexer.records import Deadline, OpportunityKind, OpportunityStatus
from indexer.store import Store
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
    make_opportunity,
)
from webapp import create_app
from webapp.stores.schema import upgrade_schema
from webapp.stores.users import Role, create_user

STAFF_EMAIL = "Staff@Uni.example"
STAFF_PASSWORD = "correct horse battery staple"
HOSTILE_TITLE = '<script>alert("x")</script> Hostile <b>bold</b> call'

HOSTILE_CALL = make_opportunity(
    source="hostile",
    source_key="EVIL/1:2",
    title=HOSTILE_TITLE,
    summary='Summary with <img src=x onerror="alert(1)"> markup.',
    description_html=(
        '<p onclick="alert(1)">Fine paragraph</p><script>alert("desc")</script>'
        '<a href="javascript:alert(1)">bad link</a><a href="https://ok.example/">good link</a>'
    ),
    funder="Evil <Funder>",
    eligibility_text="Applicants from <i>any</i> country.",
    keywords=("security", "<xss>"),
)

# Enough plain calls from one funder for three result pages of 20.
BULK_CALLS = tuple(
    make_opportunity(
        source="bulk",
        source_key=f"BULK-{n:02d}",
        title=f"Bulk fellowship number {n:02d} in physics",
        funder="Bulk Foundation",
        programme="Bulk Fellowships",
        kind=OpportunityKind.FELLOWSHIP,
        deadlines=(Deadline(NOW + timedelta(days=100 + n), "Deadline"),),
    )
    for n in range(45)
)

FORTHCOMING_WORKSHOP = make_opportunity(
    source="events",
    source_key="WS-2027",
    title="Summer school on glacier hydrology",
    funder="Example Funder",
    programme="Workshops",
    kind=OpportunityKind.EVENT,
    status=OpportunityStatus.FORTHCOMING,
    opening_date=(NOW + timedelta(days=2)).date(),
    deadlines=(Deadline(NOW + timedelta(days=5, hours=3), "Registration"),),
)

RECORDS = (
    ERASMUS_CBHE_WATER,
    NIH_R01_CANCER,
    HORIZON_TWO_STAGE_CLIMATE,
    DAAD_CLOSED_FELLOWSHIP,
    HOSTILE_CALL,
    FORTHCOMING_WORKSHOP,
    *BULK_CALLS,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    institution = tmp_path / "institution.toml"
    institution.write_text(
        'name = "Test University of Bishkek"\nshort_name = "TUB"\n'
        'country = "KG"\ntimezone = "Asia/Bishkek"\n',
        encoding="utf-8",
    )
    return Settings(
        instance_dir=tmp_path / "instance",
        database_url=f"sqlite:///{tmp_path / 'grantradar.db'}",
        search_path=str(tmp_path / "search.db"),
        institution=institution,
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    store = Store(settings.resolved_database_url())
    store.create_schema()
    upgrade_schema(store.engine)
    return store


@pytest.fixture
def backend(settings: Settings):
    from indexer.sqlite_fts import SqliteFtsBackend

    backend = SqliteFtsBackend(settings.resolved_search_path())
    backend.ensure_ready()
    return backend


@pytest.fixture
def app(settings: Settings, store: Store, backend) -> Flask:
    ingest(store, RECORDS, now=NOW - timedelta(days=1), backend=backend)
    # A second crawl that moves a deadline, so the history table has a row to show.
    moved = replace(ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW + timedelta(days=48), "Deadline"),))
    ingest(store, [moved], now=NOW, backend=backend)
    create_user(store.engine, STAFF_EMAIL, Role.STAFF, STAFF_PASSWORD, "Aida Staff")
    app = create_app(settings, store=store, backend=backend, clock=lambda: NOW)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(html: str) -> str:
    """Return the CSRF token embedded in a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf_token in the page"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD, next_url: str = ""):
        page = self._client.get("/login")
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.text)}
        if next_url:
            data["next"] = next_url
        return self._client.post("/login", data=data)

    def logout(self):
        page = self._client.get("/")
        return self._client.post("/logout", data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
