from __future__ import annotations

from werkzeug.datastructures import MultiDict

from indexer.backend import SortOrder
from tests.factories import NOW
from webapp.forms import SearchLinks, facet_label, parse_search_args, query_args


def parse(pairs):
    return parse_search_args(MultiDict(pairs), now=NOW)


def test_parse_search_args_reads_every_state_key():
    query = parse(
        [
            ("q", "  water management "),
            ("funder", "European Commission"),
            ("funder", "DAAD"),
            ("programme", "Erasmus+"),
            ("kind", "mobility"),
            ("status", "closed"),
            ("closing", "30"),
            ("sort", "deadline"),
            ("page", "3"),
        ]
    )
    assert query.text == "water management"
    assert query.filters == {
        "funder": ("European Commission", "DAAD"),
        "programme": ("Erasmus+",),
        "kind": ("mobility",),
        "status": ("closed",),
    }
    assert query.closing_within_days == 30
    assert query.sort is SortOrder.DEADLINE
    assert query.page == 3
    assert query.now == NOW


def test_parse_search_args_falls_back_to_defaults_on_bad_values():
    query = parse(
        [
            ("page", "abc"),
            ("sort", "random"),
            ("closing", "13"),
            ("kind", "not-a-kind"),
            ("status", "archived"),
            ("funder", "   "),
        ]
    )
    assert query.page == 1
    assert query.sort is SortOrder.RELEVANCE
    assert query.closing_within_days is None
    assert query.filters == {}


def test_parse_search_args_bounds_page_and_text():
    assert parse([("page", "-4")]).page == 1
    assert parse([("page", "999999999999")]).page == 1
    assert len(parse([("q", "x" * 5000)]).text) == 500


def test_query_args_round_trips_through_parse():
    pairs = [("q", "R01-cancer"), ("kind", "fellowship"), ("closing", "7"), ("sort", "newest")]
    assert query_args(parse(pairs)) == pairs
    assert query_args(parse([("page", "1"), ("sort", "relevance")])) == []


def test_search_links_toggle_adds_and_removes_a_value_and_resets_page():
    links = SearchLinks("/search", [("q", "water"), ("kind", "mobility"), ("page", "2")])
    assert links.toggle("kind", "mobility") == "/search?q=water"
    assert links.toggle("funder", "DAAD") == "/search?q=water&kind=mobility&funder=DAAD"
    assert links.page(3) == "/search?q=water&kind=mobility&page=3"
    assert links.page(1) == "/search?q=water&kind=mobility"
    assert links.cleared() == "/search?q=water"
    assert links.has_filters()


def test_facet_label_names_archive_and_buckets():
    assert facet_label("status", "closed") == "Closed (archive)"
    assert facet_label("closing", "30") == "within 30 days"
    assert facet_label("kind", "capacity_building") == "Capacity building"
    assert facet_label("funder", "DAAD") == "DAAD"
