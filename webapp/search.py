"""The search page: query box, facets with counts, results, sorting and pagination."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from indexer.backend import CLOSING_BUCKETS, SortOrder
from indexer.records import OpportunityStatus
from webapp.forms import SearchLinks, facet_label, parse_search_args, query_args
from webapp.services import get_institution, get_now, search_or_503

bp = Blueprint("search", __name__)

FACETS_SHOWN = 12  # more values than this per facet are noise on a small screen
SORT_LABELS = {
    SortOrder.RELEVANCE: "Relevance",
    SortOrder.DEADLINE: "Deadline (soonest)",
    SortOrder.NEWEST: "Newest",
}


@bp.get("/")
def index() -> str:
    """Show the search page (the home page is a search over all live calls)."""
    return search()


@bp.get("/search")
def search() -> str:
    """Run the search described by the query string and render one result page."""
    now = get_now()
    query = parse_search_args(request.args, now=now)
    page = search_or_503(query)
    links = SearchLinks(url_for("search.search"), query_args(query))
    return render_template(
        "search.html",
        query=query,
        page=page,
        links=links,
        now=now,
        tz=get_institution().tz,
        facets_shown=FACETS_SHOWN,
        facet_label=facet_label,
        sort_labels=SORT_LABELS,
        closing_buckets=[str(days) for days in CLOSING_BUCKETS],
        archive=OpportunityStatus.CLOSED.value,
        statuses=[s.value for s in OpportunityStatus],
    )
