"""Unit tests of the pure Elasticsearch request builders and response conversion."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from indexer import es_mapping, es_query, es_response
from indexer.backend import SearchQuery, SortOrder
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, NIH_R01_CANCER, NOW


def bool_of(body):
    return body["query"]["bool"]


def test_parse_text_splits_words_phrases_and_exclusions():
    parsed = es_query.parse_text('water "climate adaptation" -cancer -"staff mobility" R01-cancer')
    assert parsed.terms == ("water", "R01-cancer")
    assert parsed.phrases == ("climate adaptation",)
    assert parsed.excluded == ("cancer", "staff mobility")


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ('"unbalanced', ("unbalanced",)),
        ("()", ()),
        ("-", ()),
        ("", ()),
        ("AND OR", ("AND", "OR")),
        ("water water", ("water",)),
    ],
)
def test_parse_text_tolerates_noise(text, terms):
    assert es_query.parse_text(text).terms == terms


def test_parse_text_caps_length_and_terms():
    parsed = es_query.parse_text(" ".join(f"w{n}" for n in range(2000)))
    assert len(parsed.terms) == es_query.MAX_TERMS


def test_build_search_word_also_matches_russian_stem():
    must = bool_of(es_query.build_search(SearchQuery(text="Стипендия"), NOW))["must"]
    assert must[0]["bool"]["should"][1]["term"]["stems"]["value"] == "стипенд"


def test_build_search_requires_every_word_across_boosted_fields():
    must = bool_of(es_query.build_search(SearchQuery(text="water R01-cancer"), NOW))["must"]
    word, by_stem = must[0]["bool"]["should"]
    assert must[0]["bool"]["minimum_should_match"] == 1
    assert by_stem == {"term": {"stems": {"value": "water", "boost": es_query.STEM_BOOST}}}
    # Punctuation-joined words have no stem: they stay one multi_match.
    assert [word["multi_match"]["query"], must[1]["multi_match"]["query"]] == [
        "water",
        "R01-cancer",
    ]
    first = word["multi_match"]
    assert first["operator"] == "and"
    assert first["zero_terms_query"] == "all"
    assert first["fields"] == [
        "title^4",
        "call_id^3",
        "programme^2",
        "keywords^2",
        "summary",
        "description",
        "funder",
    ]


def test_build_search_quoted_phrase_is_phrase_query():
    must = bool_of(es_query.build_search(SearchQuery(text='"climate adaptation"'), NOW))["must"]
    assert must[0]["multi_match"]["type"] == "phrase"
    assert must[0]["multi_match"]["query"] == "climate adaptation"


def test_build_search_minus_term_goes_to_must_not():
    clauses = bool_of(es_query.build_search(SearchQuery(text="water -irrigation"), NOW))
    excluded = [c["multi_match"]["query"] for c in clauses["must_not"] if "multi_match" in c]
    assert excluded == ["irrigation"]
    assert clauses["must_not"][0]["multi_match"]["zero_terms_query"] == "none"


def test_build_search_defaults_to_live_statuses():
    filters = bool_of(es_query.build_search(SearchQuery(), NOW))["filter"]
    assert {"terms": {"status": ["open", "forthcoming"]}} in filters


def test_build_search_maps_every_filter_key():
    query = SearchQuery(
        filters={
            "funder": ("European Commission",),
            "programme": ("Erasmus+",),
            "kind": ("mobility",),
            "status": ("closed",),
            "eligible_group": ("HE_LMIC",),
            "eligible_country": ("KG", "KZ"),
            "language": ("en",),
            "source": ("eu-portal",),
        }
    )
    filters = bool_of(es_query.build_search(query, NOW))["filter"]
    assert filters == [
        {"terms": {"status": ["closed"]}},
        {"terms": {"funder.raw": ["European Commission"]}},
        {"terms": {"programme.raw": ["Erasmus+"]}},
        {"terms": {"kind": ["mobility"]}},
        {"terms": {"eligible_groups": ["HE_LMIC"]}},
        {"terms": {"eligible_countries": ["KG", "KZ"]}},
        {"terms": {"language": ["en"]}},
        {"terms": {"source": ["eu-portal"]}},
    ]


def test_build_search_deadline_range_targets_next_deadline():
    query = SearchQuery(deadline_from=date(2026, 12, 10), deadline_to=date(2026, 12, 31))
    clauses = bool_of(es_query.build_search(query, NOW))
    assert {
        "range": {
            "deadlines": {"gte": "2026-12-10T00:00:00+00:00", "lt": "2027-01-01T00:00:00+00:00"}
        }
    } in clauses["filter"]
    # No earlier upcoming deadline may exist, else that one is the next deadline.
    assert clauses["must_not"] == [
        {"range": {"deadlines": {"gte": NOW.isoformat(), "lt": "2026-12-10T00:00:00+00:00"}}}
    ]


def test_build_search_deadline_from_in_past_starts_at_now():
    query = SearchQuery(deadline_from=date(2020, 1, 1))
    clauses = bool_of(es_query.build_search(query, NOW))
    assert {"range": {"deadlines": {"gte": NOW.isoformat()}}} in clauses["filter"]
    assert clauses["must_not"] == []


def test_build_search_budget_and_closing_filters():
    query = SearchQuery(
        budget_min=Decimal("1000"), budget_max=Decimal("5000.5"), closing_within_days=7
    )
    filters = bool_of(es_query.build_search(query, NOW))["filter"]
    assert {"range": {"budget_amount": {"gte": 1000.0, "lte": 5000.5}}} in filters
    until = (NOW + timedelta(days=7)).isoformat()
    assert {"range": {"deadlines": {"gte": NOW.isoformat(), "lte": until}}} in filters


def test_build_search_facets_and_closing_buckets():
    aggs = es_query.build_search(SearchQuery(), NOW)["aggs"]
    assert aggs["funder"] == {"terms": {"field": "funder.raw", "size": es_query.FACET_SIZE}}
    assert set(aggs) == {
        "funder",
        "programme",
        "kind",
        "status",
        "closing_7",
        "closing_30",
        "closing_90",
    }
    until = (NOW + timedelta(days=30)).isoformat()
    assert aggs["closing_30"]["filter"]["range"]["deadlines"] == {
        "gte": NOW.isoformat(),
        "lte": until,
    }


def test_build_search_highlight_escapes_html_only_with_text():
    assert "highlight" not in es_query.build_search(SearchQuery(), NOW)
    highlight = es_query.build_search(SearchQuery(text="water"), NOW)["highlight"]
    assert highlight["encoder"] == "html"
    assert highlight["pre_tags"] == ["<mark>"]
    assert highlight["post_tags"] == ["</mark>"]


@pytest.mark.parametrize(
    ("sort", "text", "first_key"),
    [
        (SortOrder.RELEVANCE, "water", "_score"),
        (SortOrder.RELEVANCE, "", "deadline_entries.at"),
        (SortOrder.DEADLINE, "water", "deadline_entries.at"),
        (SortOrder.NEWEST, "", "newest_at"),
    ],
)
def test_build_search_sort_modes(sort, text, first_key):
    order = es_query.build_search(SearchQuery(text=text, sort=sort), NOW)["sort"]
    first = order[0] if isinstance(order[0], str) else next(iter(order[0]))
    assert first == first_key
    assert order[-1] == {"id": {"order": "asc"}}


def test_build_search_deadline_sort_ignores_past_deadlines():
    order = es_query.build_search(SearchQuery(sort=SortOrder.DEADLINE), NOW)["sort"]
    nested = order[0]["deadline_entries.at"]
    assert nested["mode"] == "min"
    assert nested["missing"] == "_last"
    assert nested["nested"]["filter"] == {
        "range": {"deadline_entries.at": {"gte": NOW.isoformat()}}
    }


def test_build_search_pagination_and_exact_totals():
    body = es_query.build_search(SearchQuery(page=3, per_page=25), NOW)
    assert (body["from"], body["size"], body["track_total_hits"]) == (50, 25, True)


def test_build_search_beyond_result_window_asks_for_no_hits():
    body = es_query.build_search(SearchQuery(page=1000, per_page=20), NOW)
    assert (body["from"], body["size"]) == (0, 0)


def test_build_search_body_is_json():
    body = es_query.build_search(SearchQuery(text='"x" -y z', closing_within_days=3), NOW)
    assert json.loads(json.dumps(body)) == body


def test_build_similar_excludes_the_record_and_archive():
    body = es_query.build_similar("grantradar", "eu-portal:X", 5)
    clauses = body["query"]["bool"]
    assert clauses["must"][0]["more_like_this"]["like"] == [
        {"_index": "grantradar", "_id": "eu-portal:X"}
    ]
    assert clauses["must_not"] == [{"ids": {"values": ["eu-portal:X"]}}]
    assert clauses["filter"] == [{"terms": {"status": ["open", "forthcoming"]}}]
    assert body["size"] == 5


def test_to_document_indexes_money_deadlines_and_text():
    doc = es_mapping.to_document(HORIZON_TWO_STAGE_CLIMATE)
    assert doc["deadlines"] == [d.at.isoformat() for d in HORIZON_TWO_STAGE_CLIMATE.deadlines]
    assert doc["deadline_entries"][1]["label"] == "Stage 2"
    assert es_mapping.to_document(ERASMUS_CBHE_WATER)["budget_amount"] == 10_000_000.0
    nih = es_mapping.to_document(NIH_R01_CANCER)
    assert (nih["budget_amount"], nih["award_currency"]) == (500_000.0, "USD")
    assert nih["description"] == "A call for research projects."


def test_html_text_strips_tags_and_unescapes():
    assert es_mapping.html_text("<p>A &amp; B</p><ul><li>one</li></ul>") == "A & B one"


def test_to_page_converts_hits_facets_and_snippets():
    response = {
        "hits": {
            "total": {"value": 42, "relation": "eq"},
            "hits": [
                {
                    "_id": "a:1",
                    "_score": 3.5,
                    "_source": {
                        "id": "a:1",
                        "title": "T",
                        "url": "https://x",
                        "summary": "<b>raw</b>",
                        "kind": "mobility",
                        "status": "open",
                        "deadlines": [
                            (NOW - timedelta(days=1)).isoformat(),
                            "2027-01-05T17:00:00+01:00",
                        ],
                    },
                },
                {
                    "_id": "a:2",
                    "_score": None,
                    "_source": {"id": "a:2", "summary": "s"},
                    "highlight": {"description": ["<mark>w</mark> &amp;"]},
                },
            ],
        },
        "aggregations": {
            "funder": {
                "buckets": [
                    {"key": "B", "doc_count": 2},
                    {"key": "A", "doc_count": 2},
                    {"key": "C", "doc_count": 5},
                ]
            },
            "closing_7": {"doc_count": 0},
            "closing_30": {"doc_count": 3},
            "closing_90": {"doc_count": 4},
        },
    }
    page = es_response.to_page(response, SearchQuery(page=2), NOW)
    first, second = page.hits
    assert page.total == 42
    assert first.snippet_html == "&lt;b&gt;raw&lt;/b&gt;"
    assert first.next_deadline == datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
    assert second.snippet_html == "<mark>w</mark> &amp;"
    assert second.score == 0.0
    assert [f.value for f in page.facets["funder"]] == ["C", "A", "B"]
    assert [(f.value, f.count) for f in page.facets["closing"]] == [("30", 3), ("90", 4)]
    assert page.facets["kind"] == ()
