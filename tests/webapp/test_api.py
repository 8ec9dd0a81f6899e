"""The JSON API under /api/v1, against a real store and SQLite FTS index."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from config.settings import Settings
from indexer.records import to_dict
from indexer.store import Store
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
)
from tests.webapp.conftest import HOSTILE_CALL
from webapp import create_app
from webapp.openapi import openapi_document

DOCUMENT = openapi_document()


def assert_matches_schema(body: Any, name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    Draft202012Validator(schema).validate(body)


def test_search_returns_page_hits_and_facets(client: FlaskClient) -> None:
    response = client.get("/api/v1/search", query_string={"q": "water management"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_matches_schema(body, "SearchResult")
    assert [h["id"] for h in body["hits"]] == [ERASMUS_CBHE_WATER.id]
    assert body["total"] == 1
    assert body["facets"]["programme"] == {"Erasmus+": 1}
    hit = body["hits"][0]
    assert hit["api_url"].endswith(f"/api/v1/opportunities/{ERASMUS_CBHE_WATER.id}")
    assert hit["next_deadline"].startswith("2027-01-15")


def test_search_paginates_like_the_page(client: FlaskClient) -> None:
    args = {"funder": "Bulk Foundation", "sort": "deadline", "page": "3"}
    body = client.get("/api/v1/search", query_string=args).get_json()
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (45, 3, 20, 3)
    assert next(h["title"][-13:] for h in body["hits"]) == "40 in physics"
    assert len(body["hits"]) == 5
    wide = client.get("/api/v1/search", query_string={**args, "per_page": "100"}).get_json()
    assert wide["per_page"] == 100
    assert wide["page"] == 3
    assert wide["hits"] == []


def test_search_finds_operators_and_archive(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?q=R01-cancer").get_json()
    assert body["hits"][0]["id"] == NIH_R01_CANCER.id
    closed = client.get("/api/v1/search?q=DAAD&status=closed").get_json()
    assert [h["id"] for h in closed["hits"]] == [DAAD_CLOSED_FELLOWSHIP.id]
    live = client.get("/api/v1/search?q=DAAD").get_json()
    assert live["total"] == 0


HOSTILE_QUERIES = (
    'q="unbalanced',
    "q=AND OR NOT",
    "q=NEAR(water",
    "q=" + "x" * 5000,
    "q=%00%01%FF%FE",
    "q=*",
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "per_page=0",
    "per_page=1000",
    "per_page=1e3",
    "kind=bogus&kind=fellowship",
    "status=<script>",
    "sort=drop table",
    "closing=9999",
    "closing=7&closing=x",
    "funder=" + "%27" * 300,
    "q[]=1&q=2",
)


def test_search_never_fails_on_hostile_args(client: FlaskClient) -> None:
    for query_string in HOSTILE_QUERIES:
        response = client.get(f"/api/v1/search?{query_string}")
        assert response.status_code == 200, query_string
        body = response.get_json()
        assert_matches_schema(body, "SearchResult")
        assert 1 <= body["per_page"] <= 100, query_string


def test_opportunity_returns_the_full_record(client: FlaskClient, store: Store) -> None:
    response = client.get(f"/api/v1/opportunities/{HOSTILE_CALL.id}")
    assert response.status_code == 200
    body = response.get_json()
    stored = store.get(HOSTILE_CALL.id)
    assert stored is not None
    assert body == to_dict(stored)
    assert_matches_schema(body, "Opportunity")
    assert body["title"] == HOSTILE_CALL.title


def test_opportunity_keeps_every_deadline(client: FlaskClient) -> None:
    body = client.get(f"/api/v1/opportunities/{HORIZON_TWO_STAGE_CLIMATE.id}").get_json()
    assert [d["label"] for d in body["deadlines"]] == ["Stage 1", "Stage 2"]
    assert_matches_schema(body, "Opportunity")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/opportunities/nope:1",
        "/api/v1/opportunities/nope:1/similar",
        "/api/v1/opportunities/%3Cscript%3E",
        "/api/v1/nothing-here",
        "/api/v1/",
    ],
)
def test_unknown_paths_answer_json_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_matches_schema(body, "Error")
    assert body["error"] == "not_found"


def test_writes_are_refused_with_405(client: FlaskClient) -> None:
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/v1/search")
        assert response.status_code == 405
        assert response.get_json()["error"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]


def test_similar_returns_other_live_calls(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/opportunities/{ERASMUS_CBHE_WATER.id}/similar?limit=3")
    assert response.status_code == 200
    body = response.get_json()
    assert_matches_schema(body, "SimilarResult")
    assert body["id"] == ERASMUS_CBHE_WATER.id
    ids = [h["id"] for h in body["hits"]]
    assert len(ids) <= 3
    assert ERASMUS_CBHE_WATER.id not in ids
    assert all(h["status"] in ("open", "forthcoming") for h in body["hits"])


def test_api_responses_allow_any_origin(client: FlaskClient) -> None:
    response = client.get("/api/v1/search")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_search_answers_503_when_the_index_is_down(settings: Settings, store: Store) -> None:
    from indexer.elastic import ElasticBackend

    down = ElasticBackend(f"http://127.0.0.1:{_closed_port()}", plain_json=True, timeout=2)
    app = create_app(settings, store=store, backend=down, clock=lambda: NOW)
    app.config.update(TESTING=True)
    response = app.test_client().get("/api/v1/search?q=water")
    assert response.status_code == 503
    assert_matches_schema(response.get_json(), "Error")
    assert response.get_json()["error"] == "service_unavailable"
