from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import DAAD_CLOSED_FELLOWSHIP, ERASMUS_CBHE_WATER, NIH_R01_CANCER
from tests.webapp.conftest import BULK_CALLS, HOSTILE_TITLE


def result_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'class="hit-title"><a href="[^"]+">([^<]*)</a>', html)]


def test_search_home_lists_live_calls_with_facets(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "Test University of Bishkek" in html
    assert ERASMUS_CBHE_WATER.title in result_titles(html)
    assert DAAD_CLOSED_FELLOWSHIP.title not in result_titles(html)
    assert 'class="facet-value">Bulk Foundation</span>' in html
    assert re.search(r"Bulk Foundation</span>\s*<span class=\"facet-count\">45<", html)
    assert "Closed (archive)" in html


def test_search_text_highlights_snippet_and_shows_result_fields(client):
    html = client.get("/search?q=water+management").text
    assert result_titles(html)[0] == ERASMUS_CBHE_WATER.title
    assert "<mark>" in html
    assert "ERASMUS-EDU-2027-CBHE" in html
    assert "European Commission" in html
    # NOW + 48 days (the moved deadline), shown in Bishkek time (+06).
    assert "48 days left" in html
    assert "+06" in html


def test_search_filter_and_facet_links_are_in_the_query_string(client):
    html = client.get("/search?funder=National+Institutes+of+Health").text
    assert result_titles(html) == [NIH_R01_CANCER.title]
    assert 'aria-current="true"' in html
    # The active facet links back to the unfiltered search.
    assert 'href="/search"' in html


def test_search_status_closed_searches_the_archive(client):
    html = client.get("/search?status=closed").text
    assert result_titles(html) == [DAAD_CLOSED_FELLOWSHIP.title]
    assert "badge-closed" in html


def test_search_closing_filter_limits_by_days_left(client):
    html = client.get("/search?closing=7").text
    assert result_titles(html) == ["Summer school on glacier hydrology"]


def test_search_paginates_with_links_that_keep_the_filters(client):
    first = client.get("/search?funder=Bulk+Foundation&sort=deadline").text
    assert "45 calls" in first
    assert len(result_titles(first)) == 20
    assert "/search?funder=Bulk+Foundation&amp;sort=deadline&amp;page=2" in first
    third = client.get("/search?funder=Bulk+Foundation&sort=deadline&page=3").text
    assert result_titles(third) == [c.title for c in BULK_CALLS[40:]]
    assert 'rel="prev"' in third
    assert 'rel="next"' not in third


def test_search_escapes_hostile_text(client):
    html = client.get("/search?q=hostile").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "Evil &lt;Funder&gt;" in html
    assert "<b>bold</b>" not in html
    assert HOSTILE_TITLE not in html
    echoed = client.get('/search?q=<script>alert(1)</script>"').text
    assert "<script>alert(1)" not in echoed


@pytest.mark.parametrize(
    "query_string",
    [
        "page=abc",
        "page=-1",
        "page=99999",
        "sort=nonsense",
        "closing=abc",
        "kind=unknown",
        "status=bogus",
        'q="unbalanced',
        "q=AND+OR+NOT",
        "q=R01-cancer",
        "q=*:()^",
        "q=" + "x" * 3000,
    ],
)
def test_search_bad_arguments_never_fail(client, query_string):
    response = client.get("/search?" + query_string)
    assert response.status_code == 200


def test_search_hyphenated_query_finds_the_call(client):
    assert NIH_R01_CANCER.title in result_titles(client.get("/search?q=R01-cancer").text)


def test_search_with_no_results_explains_what_to_do(client):
    html = client.get("/search?q=zyxwvutsrq").text
    assert "0 calls" in html
    assert "No calls match" in html
