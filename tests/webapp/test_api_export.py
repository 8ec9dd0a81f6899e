"""CSV export of a search, the OpenAPI document, and the export/feed links on the search page."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

import webapp.api
from indexer.records import FIELD_NAMES
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE
from tests.webapp.conftest import BULK_CALLS, HOSTILE_CALL, HOSTILE_TITLE
from webapp.openapi import openapi_document


def read_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == FIELD_NAMES
    return [dict(zip(FIELD_NAMES, row, strict=True)) for row in rows[1:]]


def test_search_csv_exports_every_page(client: FlaskClient) -> None:
    response = client.get("/api/v1/search.csv?funder=Bulk+Foundation&sort=deadline&page=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.text)
    assert [r["id"] for r in rows] == [opp.id for opp in BULK_CALLS]
    assert response.headers["X-Total-Count"] == "45"
    assert rows[0]["funder"] == "Bulk Foundation"
    assert rows[0]["kind"] == "fellowship"


def test_search_csv_keeps_hostile_text_and_all_deadlines(client: FlaskClient) -> None:
    rows = read_csv(client.get("/api/v1/search.csv?q=hostile").text)
    assert [r["title"] for r in rows] == [HOSTILE_TITLE]
    assert rows[0]["id"] == HOSTILE_CALL.id
    two_stage = read_csv(client.get("/api/v1/search.csv?q=mountain").text)
    assert [r["id"] for r in two_stage] == [HORIZON_TWO_STAGE_CLIMATE.id]
    assert "Stage 1" in two_stage[0]["deadlines"]
    assert "Stage 2" in two_stage[0]["deadlines"]


def test_search_csv_stops_at_the_cap(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webapp.api, "CSV_CAP", 10)
    response = client.get("/api/v1/search.csv?funder=Bulk+Foundation")
    assert len(read_csv(response.text)) == 10
    assert response.headers["X-Total-Count"] == "45"
    assert response.headers["X-Exported-Count"] == "10"


def test_search_csv_with_no_results_has_only_the_header(client: FlaskClient) -> None:
    assert read_csv(client.get("/api/v1/search.csv?q=zzzqqqxxx").text) == []


def test_openapi_document_is_valid_openapi_31(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]
    validate(openapi_document())


def _documented(rule: str) -> str:
    return rule.replace("<path:opportunity_id>", "{opportunity_id}").replace("<token>", "{token}")


def test_openapi_document_describes_every_route(app: Flask) -> None:
    paths = openapi_document()["paths"]
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("api.", "feeds."))
        and rule.endpoint not in ("api.not_found", "api.read_only")
    }
    documented = {"/api/v1" + p for p in paths if not p.startswith("/feeds")}
    documented |= {p for p in paths if p.startswith("/feeds")}
    assert {_documented(r) for r in routes} == documented
    for item in paths.values():
        for operation in (v for k, v in item.items() if k == "get"):
            assert operation["responses"]["200"]
            assert operation["summary"]


def test_search_page_links_to_csv_and_rss(client: FlaskClient) -> None:
    html = client.get("/search?q=water&kind=capacity_building&page=1").text
    assert 'href="/api/v1/search.csv?q=water&amp;kind=capacity_building"' in html
    assert 'href="/feeds/search.rss?q=water&amp;kind=capacity_building"' in html
    csv_rows = read_csv(client.get("/api/v1/search.csv?q=water&kind=capacity_building").text)
    assert [r["id"] for r in csv_rows] == [ERASMUS_CBHE_WATER.id]
