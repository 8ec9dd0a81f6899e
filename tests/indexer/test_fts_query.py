"""Pure tests of the FTS5 query builders: no database."""

from __future__ import annotations

import dataclasses
import random
import re
import string
from datetime import date, timedelta
from decimal import Decimal

import pytest

from indexer import fts_query
from indexer.backend import SearchQuery, SortOrder
from indexer.fts_query import ParsedText, build, facets_sql, match_expression, page_sql, parse
from indexer.fts_rows import from_micros, html_text, index_rows, to_micros
from indexer.fts_snippets import MARK_END, MARK_START, choose_snippet, render_snippet
from tests.factories import ERASMUS_CBHE_WATER, NOW

NOISE = "".join(random.Random(7).choice(string.printable) for _ in range(2000))
HOSTILE = ["R01-cancer", "AND", "OR", "NOT", '"unbalanced', "*", "()", ":", "^", NOISE, "", "!?."]


def test_parse_splits_terms_phrases_and_exclusions():
    parsed = parse('Water "climate adaptation" -irrigation -"staff mobility" water')
    assert parsed == ParsedText(
        terms=("water",),
        phrases=("climate adaptation",),
        excluded=("irrigation", "staff mobility"),
    )


def test_parse_punctuated_word_becomes_phrase_of_its_parts():
    assert parse("R01-cancer").phrases == ("r01 cancer",)
    assert parse("ERASMUS-EDU-2027-CBHE").phrases == ("erasmus edu 2027 cbhe",)


def test_parse_drops_operators_and_stop_words():
    assert parse("cancer AND epidemiology OR NOT the") == ParsedText(
        terms=("cancer", "epidemiology")
    )


def test_parse_unbalanced_quote_is_plain_words():
    assert parse('"unbalanced water').terms == ("unbalanced", "water")


@pytest.mark.parametrize("text", ["", "   ", "*", "()", ":", "^", "-", "--", '""', "___"])
def test_parse_punctuation_only_is_empty(text):
    assert parse(text) == ParsedText()
    assert match_expression(parse(text)) is None


def test_parse_bounds_the_number_of_items():
    parsed = parse(" ".join(f"word{n}" for n in range(500)))
    assert len(parsed.terms) == fts_query.MAX_ITEMS


def test_match_expression_quotes_everything():
    expression = match_expression(parse('water "climate adaptation" -irrigation NEAR(x)'))
    assert expression == ('("water" AND "climate adaptation" AND "near x") NOT ("irrigation")')


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("стипендия", '("стипендия" OR stems : "стипенд")'),
        ("гранты", '("гранты" OR stems : "грант")'),
        ("bursları", '("bursları" OR stems : "burs")'),
        ("burs", '"burs"'),
        ("water", '"water"'),
        ("2027", '"2027"'),
    ],
)
def test_term_expression_adds_russian_or_turkish_stem(term, expected):
    assert fts_query.term_expression(term) == expected


def test_index_rows_stems_only_non_english_words():
    english = index_rows(ERASMUS_CBHE_WATER).fts[-1]
    russian = dataclasses.replace(ERASMUS_CBHE_WATER, title="Гранты для молодых учёных")
    turkish = dataclasses.replace(ERASMUS_CBHE_WATER, title="Doktora", language="tr")
    assert english == ""
    assert index_rows(russian).fts[-1].split() == [
        "грант",
        "для",
        "молод",
        "учен",
    ]
    assert index_rows(turkish).fts[-1].split()[0] == "doktor"


@pytest.mark.parametrize("text", HOSTILE)
def test_match_expression_has_only_quoted_words(text):
    expression = match_expression(parse(text)) or ""
    outside = expression
    for item in (*parse(text).terms, *parse(text).phrases, *parse(text).excluded):
        outside = outside.replace(f'"{item}"', "")
    outside = re.sub(r'stems : "[^\W_]+"', "", outside)
    assert set(outside) <= set("() ANDOTR")


def test_build_default_search_touches_only_hot_tables():
    sql, params = build(SearchQuery(text="water"), now=NOW)
    assert "hot_fts MATCH :match" in sql
    assert "archive_" not in sql
    assert params["match"] == '"water"'
    assert params["now"] == to_micros(NOW)


def test_build_closed_status_adds_the_archive():
    sql, _ = build(SearchQuery(text="water", filters={"status": ("closed",)}), now=NOW)
    assert "archive_fts MATCH :match" in sql
    assert "hot_" not in sql


def test_build_mixed_statuses_filter_the_hot_partition():
    sql, params = build(SearchQuery(filters={"status": ("open", "closed")}), now=NOW)
    assert "hot_meta" in sql
    assert "archive_meta" in sql
    assert "x.status IN (:f_status_0, :f_status_1)" in sql
    assert params["f_status_0"] == "open"


def test_build_filters_or_within_key_and_across_keys():
    query = SearchQuery(
        filters={"funder": ("A", "B"), "eligible_country": ("KG",), "kind": ()},
        budget_min=Decimal("1000"),
    )
    sql, params = build(query, now=NOW)
    assert "x.funder IN (:f_funder_0, :f_funder_1)" in sql
    assert "t.key = :t_eligible_country AND t.value IN (:f_eligible_country_0)" in sql
    assert "x.kind IN" not in sql
    assert params["budget_min"] == 1000.0
    assert params["t_eligible_country"] == "c"


def test_build_deadline_bounds_are_whole_utc_days():
    query = SearchQuery(deadline_from=date(2027, 1, 1), deadline_to=date(2027, 1, 31))
    sql, params = build(query, now=NOW)
    assert "END) >= :deadline_from AND (CASE" in sql
    assert "END) < :deadline_to" in sql
    assert from_micros(params["deadline_from"]).isoformat() == "2027-01-01T00:00:00+00:00"
    assert from_micros(params["deadline_to"]).isoformat() == "2027-02-01T00:00:00+00:00"


def test_build_closing_within_counts_from_now():
    _, params = build(SearchQuery(closing_within_days=7), now=NOW)
    assert from_micros(params["closing_within"]) == NOW + timedelta(days=7)


def test_facets_sql_joins_codes_and_counts_closing_buckets():
    sql, params = facets_sql(SearchQuery(text="water"), now=NOW)
    assert sql.startswith("SELECT group_concat(n.facets, '')")
    assert "END <= :closing_90 THEN 'c' END END, '')" in sql
    assert from_micros(params["closing_7"]) == NOW + timedelta(days=7)
    assert "bm25" not in sql
    assert "hot_fts MATCH :match" in sql


def test_facets_sql_one_row_per_partition():
    query = SearchQuery(text="water", filters={"status": ("open", "closed")})
    sql, _ = facets_sql(query, now=NOW)
    assert sql.count("group_concat(n.facets, '')") == 2
    assert "hot_fts MATCH" in sql
    assert "archive_fts MATCH" in sql


def test_build_selects_one_page_of_the_match_set():
    sql, params = build(SearchQuery(text="water", page=2, per_page=10), now=NOW)
    assert sql.startswith("SELECT 0 AS part, x.rid AS rid")
    assert sql.endswith("LIMIT :limit OFFSET :offset")
    assert (params["limit"], params["offset"]) == (10, 10)


def test_build_relevance_without_text_sorts_by_deadline():
    sql, _ = build(SearchQuery(), now=NOW)
    assert "bm25" not in sql
    assert "ORDER BY nd NULLS LAST, id, part LIMIT" in page_sql(SearchQuery())[0]


def test_build_relevance_with_text_sorts_by_bm25():
    sql, _ = build(SearchQuery(text="water"), now=NOW)
    assert "bm25(hot_fts, 10.0, 8.0" in sql
    assert "ORDER BY score, nd NULLS LAST, id, part LIMIT" in page_sql(SearchQuery(text="water"))[0]


def test_page_sql_newest_uses_posted():
    sql, _ = page_sql(SearchQuery(sort=SortOrder.NEWEST))
    assert "ORDER BY posted DESC NULLS LAST, nd NULLS LAST, id, part" in sql


def test_build_deadline_sort_skips_scoring():
    sql, _ = build(SearchQuery(text="water", sort=SortOrder.DEADLINE), now=NOW)
    assert "bm25" not in sql


def test_build_exclusion_only_browses_without_excluded():
    sql, params = build(SearchQuery(text="-cancer"), now=NOW)
    assert "NOT IN (SELECT rowid FROM hot_fts WHERE hot_fts MATCH :exclude)" in sql
    assert params["exclude"] == '"cancer"'
    assert "match" not in params


def test_page_sql_pagination_offsets():
    _, params = page_sql(SearchQuery(page=3, per_page=15))
    assert (params["limit"], params["offset"]) == (15, 30)
    _, params = page_sql(SearchQuery(page=0, per_page=0))
    assert (params["limit"], params["offset"]) == (1, 0)


def test_build_unknown_status_searches_nothing_real():
    sql, params = build(SearchQuery(filters={"status": ("bogus",)}), now=NOW)
    assert "x.status IN (:f_status_0)" in sql
    assert params["f_status_0"] == "bogus"


def test_similar_candidates_prefer_title_and_skip_noise():
    words = fts_query.similar_candidates("Water and the 2027 Water", "irrigation", "of an xy")
    assert words == ("water", "irrigation")
    assert fts_query.similar_expression(words) == '"water" OR "irrigation"'
    assert fts_query.similar_expression(()) is None


def test_render_snippet_escapes_then_marks():
    raw = f'<script>"x"</script> {MARK_START}water{MARK_END} & more'
    assert render_snippet(raw) == (
        "&lt;script&gt;&quot;x&quot;&lt;/script&gt; <mark>water</mark> &amp; more"
    )


def test_choose_snippet_falls_back_to_escaped_summary_start():
    long_summary = "<b>Tag</b> " + "word " * 100
    html = choose_snippet(long_summary, "no marks here", None)
    assert html.startswith("&lt;b&gt;Tag&lt;/b&gt; word")
    assert html.endswith("…")
    assert len(html) < 300
    assert choose_snippet("s", None, f"{MARK_START}hit{MARK_END}") == "<mark>hit</mark>"


def test_index_rows_strip_markup_and_control_characters():
    rows = index_rows(ERASMUS_CBHE_WATER)
    assert rows.meta[0] == ERASMUS_CBHE_WATER.id
    assert rows.meta[7] == 10_000_000.0
    assert ("c", "KG") in rows.tags
    assert ("g", ERASMUS_CBHE_WATER.eligible_groups[0]) in rows.tags
    assert html_text("<p>a&amp;b</p><p>c</p>") == "a&b c"
    marked = index_rows(dataclasses.replace(ERASMUS_CBHE_WATER, summary="a\x02b"))
    assert marked.fts[4] == "a b"
