"""The read-only JSON API under /api/v1: search, one call, similar calls, CSV export.

Everything here is public data, so no session or CSRF token is involved. Search arguments
are the search page's (``webapp.forms.parse_search_args``): bad values fall back to the
defaults rather than fail. Errors are JSON ``{"error", "message"}`` with the HTTP status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from indexer.backend import SearchHit, SearchQuery
from indexer.export import csv_chunks
from indexer.records import to_dict
from indexer.store import Store
from webapp.forms import PER_PAGE, parse_search_args
from webapp.openapi import (
    CSV_CAP,
    MAX_PER_PAGE,
    SIMILAR_DEFAULT,
    SIMILAR_MAX,
    openapi_document,
)
from webapp.search_json import hit_as_json, page_as_json
from webapp.services import UNAVAILABLE, get_backend, get_now, get_store, search_or_503

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CSV_BATCH = 500
READ_METHODS = ("GET", "HEAD", "OPTIONS")
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def _bounded_int(name: str, default: int, lo: int, hi: int) -> int:
    """Return an integer argument, or the default when it is missing or out of range."""
    try:
        value = int(request.args.get(name) or "")
    except ValueError:
        return default
    return value if lo <= value <= hi else default


def _query(per_page: int) -> SearchQuery:
    return parse_search_args(request.args, now=get_now(), per_page=per_page)


def _hits_json(hits: Sequence[SearchHit]) -> list[dict[str, Any]]:
    rows = [hit_as_json(hit) for hit in hits]
    for row in rows:
        row["api_url"] = url_for("api.opportunity", opportunity_id=row["id"], _external=True)
        row["page_url"] = url_for("opportunity.detail", opportunity_id=row["id"], _external=True)
    return rows


@bp.get("/search")
def search() -> Response:
    """Return one page of search results with facet counts (like `grantradar search --json`)."""
    query = _query(_bounded_int("per_page", PER_PAGE, 1, MAX_PER_PAGE))
    page = search_or_503(query)
    body = page_as_json(page)
    body["hits"] = _hits_json(page.hits)
    body.update(page=page.page, per_page=page.per_page, pages=page.pages)
    return jsonify(body)


@bp.get("/opportunities/<path:opportunity_id>")
def opportunity(opportunity_id: str) -> Response:
    """Return the whole stored record of one call."""
    opp = get_store().get(opportunity_id)
    if opp is None:
        abort(404, description=f"No call with id {opportunity_id!r}.")
    return jsonify(to_dict(opp))


@bp.get("/opportunities/<path:opportunity_id>/similar")
def similar(opportunity_id: str) -> Response:
    """Return live calls that resemble one call."""
    if get_store().get(opportunity_id) is None:
        abort(404, description=f"No call with id {opportunity_id!r}.")
    limit = _bounded_int("limit", SIMILAR_DEFAULT, 1, SIMILAR_MAX)
    try:
        hits = get_backend().similar(opportunity_id, limit=limit)
    except Exception:
        logger.exception("API similar calls failed for %s", opportunity_id)
        abort(503, description=UNAVAILABLE)
    return jsonify({"id": opportunity_id, "hits": _hits_json(hits)})


def _csv_rows(store: Store, ids: list[str]) -> Iterator[str]:
    # Load the records in batches while streaming, so a 5,000-row export never sits in memory.
    def records() -> Iterator[Any]:
        for start in range(0, len(ids), CSV_BATCH):
            yield from store.get_many(ids[start : start + CSV_BATCH])

    yield from csv_chunks(records())


@bp.get("/search.csv")
def search_csv() -> Response:
    """Return every result of a search (up to 5,000) as CSV, the record fields as columns."""
    query = replace(_query(CSV_CAP), page=1)
    page = search_or_503(query)
    ids = [hit.id for hit in page.hits]
    response = Response(_csv_rows(get_store(), ids), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="grantradar-search.csv"'
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["X-Exported-Count"] = str(len(ids))
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI 3.1 document describing this API."""
    server_url = url_for("api.openapi", _external=True).rsplit("/", 1)[0]
    site_url = url_for("search.index", _external=True).rstrip("/")
    return jsonify(openapi_document(server_url=server_url, site_url=site_url or "/"))


@bp.route("/", defaults={"unknown": ""}, methods=READ_METHODS)
@bp.route("/<path:unknown>", methods=READ_METHODS)
def not_found(unknown: str) -> Response:
    """Answer unknown API paths in JSON rather than with the site's HTML page."""
    abort(404, description="No such API endpoint; see /api/v1/openapi.json.")


@bp.route("/", defaults={"unknown": ""}, methods=OTHER_METHODS)
@bp.route("/<path:unknown>", methods=OTHER_METHODS)
def read_only(unknown: str) -> Response:
    """Refuse writes: the API is read-only."""
    response = jsonify(error="method_not_allowed", message="The API is read-only.")
    response.status_code = 405
    response.headers["Allow"] = ", ".join(READ_METHODS)
    return response


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException) -> tuple[Response, int] | HTTPException:
    """Turn errors raised in the API into JSON bodies with the same status."""
    code = error.code or 500
    if code < 400:
        return error
    name = (error.name or "error").lower().replace(" ", "_")
    response = jsonify(error=name, message=error.description or error.name)
    return response, code


@bp.after_request
def _public(response: Response) -> Response:
    """Let any web page read the API: it serves public data and never uses the session."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.record_once
def _exempt_from_csrf(state: BlueprintSetupState) -> None:
    # Writes are refused by read_only() anyway; without the exemption they would get a
    # CSRF error instead of the truthful 405.
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(read_only)
