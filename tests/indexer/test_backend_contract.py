"""One contract, every search backend: the same dataset must give the same answers.

Runs on the SQLite FTS5 backend and on Elasticsearch (osmem-server by default, marker
``es``). Membership and facet counts are compared exactly; order only where it is clearly
separated (title vs body match, distinct deadlines, distinct dates).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from indexer.backend import SearchPage, SearchQuery, SortOrder
from indexer.records import Deadline, OpportunityKind, OpportunityStatus
from tests.factories import (
    DAAD_CLOSED_FELLOWSHIP,
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NIH_R01_CANCER,
    NOW,
    TODAY,
    make_opportunity,
)

WATER_STAFF_MOBILITY = make_opportunity(
    source="eu-portal",
    source_key="ERASMUS-KA171-WATER",
    title="Water management staff mobility with Central Asian universities",
    summary="Erasmus+ mobility of staff teaching water management and irrigation.",
    funder="European Commission",
    programme="Erasmus+",
    kind=OpportunityKind.MOBILITY,
    eligible_countries=("KG", "TJ"),
    eligible_groups=("ERASMUS_REGION_CENTRAL_ASIA",),
    keywords=("water management", "irrigation"),
    language="ru",
    posted_at=NOW - timedelta(days=1),
    deadlines=(Deadline(NOW + timedelta(days=5), "Deadline"),),
)
RIVER_BASIN_BODY_ONLY = make_opportunity(
    source="foundation",
    source_key="RB-2027",
    title="Transboundary cooperation grants",
    summary="Grants for partnerships on shared river basins, including water allocation.",
    funder="Aral Foundation",
    programme="Basins",
    kind=OpportunityKind.NETWORKING,
    posted_at=NOW - timedelta(days=3),
    deadlines=(
        Deadline(NOW - timedelta(days=10), "Stage 1"),
        Deadline(NOW + timedelta(days=60), "Stage 2"),
    ),
)
FORTHCOMING_DIGITAL_HUBS = make_opportunity(
    source="eu-portal",
    source_key="DIGITAL-2027-HUBS",
    title="Digital education hubs for universities",
    summary="Forthcoming call on digital education hubs and online learning.",
    funder="European Commission",
    programme="Digital Europe",
    kind=OpportunityKind.INFRASTRUCTURE,
    status=OpportunityStatus.FORTHCOMING,
    opening_date=TODAY + timedelta(days=30),
    posted_at=NOW - timedelta(days=2),
    deadlines=(Deadline(NOW + timedelta(days=200), "Deadline"),),
)
HERITAGE_HOSTILE_MARKUP = make_opportunity(
    source="foundation",
    source_key="HERITAGE-1",
    title="Cultural heritage prize",
    summary='Heritage <script>alert("x")</script> & "quotes" prize for museums.',
    funder="Aral Foundation",
    programme="Heritage",
    kind=OpportunityKind.PRIZE,
    deadlines=(),
    opening_date=TODAY - timedelta(days=5),
    posted_at=NOW - timedelta(days=40),
)
FILLERS = tuple(
    make_opportunity(
        source="filler",
        source_key=f"F-{n:02d}",
        title=f"Postdoctoral fellowship in astronomy, round {n}",
        summary="Fellowships for observational astronomy.",
        funder="Star Trust",
        programme="Fellowships",
        kind=OpportunityKind.FELLOWSHIP,
        posted_at=NOW - timedelta(days=100 + n),
        deadlines=(Deadline(NOW + timedelta(days=120 + n), "Deadline"),),
    )
    for n in range(23)
)
NAMED = (
    ERASMUS_CBHE_WATER,
    NIH_R01_CANCER,
    HORIZON_TWO_STAGE_CLIMATE,
    DAAD_CLOSED_FELLOWSHIP,
    WATER_STAFF_MOBILITY,
    RIVER_BASIN_BODY_ONLY,
    FORTHCOMING_DIGITAL_HUBS,
    HERITAGE_HOSTILE_MARKUP,
)
DATASET = NAMED + FILLERS
LIVE_IDS = {o.id for o in DATASET if o.status is not OpportunityStatus.CLOSED}
FILLER_IDS = {o.id for o in FILLERS}

HOSTILE_TEXTS = [
    "R01-cancer",
    "AND",
    "OR NOT",
    '"unbalanced',
    'water"',
    "*",
    "()",
    "title:water",
    "water^4",
    "NEAR(water management)",
    "-",
    "--",
    "'",
    "\\",
    "{}[]<>",
    "",
    "   ",
    "!@#$%^&*()_+=~`|",
    "водные ресурсы",
    "su\x00rvey",
    "x" * 2000,
    " ".join(["water", "(", ")", '"', "-"] * 400),
]


@pytest.fixture
def backend(search_backend):
    search_backend.upsert(DATASET)
    return search_backend


def run(backend, text: str = "", **kwargs) -> SearchPage:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("per_page", 100)
    return backend.search(SearchQuery(text=text, **kwargs))


def ids(page: SearchPage) -> set[str]:
    return {h.id for h in page.hits}


def facet(page: SearchPage, key: str) -> dict[str, int]:
    return {f.value: f.count for f in page.facets.get(key, ())}


def test_search_default_covers_live_calls_only(backend):
    page = run(backend)
    assert ids(page) == LIVE_IDS
    assert page.total == len(LIVE_IDS)


def test_search_status_filter_reaches_archive(backend):
    closed = run(backend, filters={"status": ("closed",)})
    everything = run(backend, filters={"status": ("open", "forthcoming", "closed")})
    assert ids(closed) == {DAAD_CLOSED_FELLOWSHIP.id}
    assert ids(everything) == LIVE_IDS | {DAAD_CLOSED_FELLOWSHIP.id}
    assert DAAD_CLOSED_FELLOWSHIP.id not in ids(run(backend, "DAAD research stays"))


def test_search_words_are_all_required(backend):
    assert ids(run(backend, "water curricula")) == {ERASMUS_CBHE_WATER.id}
    assert ids(run(backend, "water")) == {
        ERASMUS_CBHE_WATER.id,
        WATER_STAFF_MOBILITY.id,
        RIVER_BASIN_BODY_ONLY.id,
    }


def test_search_title_match_ranks_above_body_match(backend):
    hits = run(backend, "water").hits
    assert hits[-1].id == RIVER_BASIN_BODY_ONLY.id


def test_search_stems_english_words(backend):
    assert ERASMUS_CBHE_WATER.id in ids(run(backend, "modernise managing"))


def test_search_phrase_matches_in_order(backend):
    assert ids(run(backend, '"climate adaptation"')) == {HORIZON_TWO_STAGE_CLIMATE.id}
    assert ids(run(backend, '"adaptation climate"')) == set()


def test_search_minus_excludes(backend):
    assert ids(run(backend, "water -irrigation")) == {RIVER_BASIN_BODY_ONLY.id}
    assert ids(run(backend, 'water -"staff mobility"')) == {
        ERASMUS_CBHE_WATER.id,
        RIVER_BASIN_BODY_ONLY.id,
    }


def test_search_call_identifier_finds_call(backend):
    assert run(backend, "ERASMUS-EDU-2027-CBHE").hits[0].id == ERASMUS_CBHE_WATER.id
    assert run(backend, "R01-cancer").hits[0].id == NIH_R01_CANCER.id


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_search_hostile_text_returns_a_page(backend, text):
    page = run(backend, text)
    assert page.total >= 0
    assert len(page.hits) <= page.per_page


def test_search_snippet_is_escaped_with_marks(backend):
    hit = run(backend, "museums").hits[0]
    assert hit.id == HERITAGE_HOSTILE_MARKUP.id
    assert "<mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html


def test_search_browse_snippet_is_escaped_summary(backend):
    page = run(backend, filters={"programme": ("Heritage",)})
    (hit,) = page.hits
    assert "<script>" not in hit.snippet_html
    assert hit.snippet_html.startswith("Heritage &lt;script&gt;")


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        ("funder", ("Aral Foundation",), {RIVER_BASIN_BODY_ONLY, HERITAGE_HOSTILE_MARKUP}),
        (
            "programme",
            ("Erasmus+", "NIH R01"),
            {ERASMUS_CBHE_WATER, WATER_STAFF_MOBILITY, NIH_R01_CANCER},
        ),
        ("kind", ("mobility",), {WATER_STAFF_MOBILITY}),
        ("status", ("forthcoming",), {FORTHCOMING_DIGITAL_HUBS}),
        ("eligible_country", ("KZ",), {ERASMUS_CBHE_WATER}),
        ("eligible_group", ("HE_LMIC",), {HORIZON_TWO_STAGE_CLIMATE}),
        ("language", ("ru",), {WATER_STAFF_MOBILITY}),
        ("source", ("grants-gov",), {NIH_R01_CANCER}),
    ],
)
def test_search_filter_keeps_matching_records(backend, key, values, expected):
    assert ids(run(backend, filters={key: values})) == {o.id for o in expected}


def test_search_filters_combine_with_text(backend):
    page = run(backend, "water", filters={"kind": ("capacity_building",)})
    assert ids(page) == {ERASMUS_CBHE_WATER.id}


def test_search_deadline_range_uses_next_deadline(backend):
    soon = run(backend, deadline_to=TODAY + timedelta(days=15))
    middle = run(
        backend, deadline_from=TODAY + timedelta(days=30), deadline_to=TODAY + timedelta(days=100)
    )
    late = run(
        backend, deadline_from=TODAY + timedelta(days=150), deadline_to=TODAY + timedelta(days=170)
    )
    assert ids(soon) == {WATER_STAFF_MOBILITY.id}
    assert ids(middle) == {ERASMUS_CBHE_WATER.id, RIVER_BASIN_BODY_ONLY.id, NIH_R01_CANCER.id}
    # The two-stage call's next deadline is stage 1 (day 20), not stage 2 (day 160).
    assert HORIZON_TWO_STAGE_CLIMATE.id not in ids(late)


def test_search_budget_range_uses_budget_or_award_max(backend):
    big = run(backend, budget_min=Decimal("1000000"))
    small = run(backend, budget_max=Decimal("600000"))
    assert ids(big) == {ERASMUS_CBHE_WATER.id}
    assert ids(small) == {NIH_R01_CANCER.id}


def test_search_closing_within_days(backend):
    assert ids(run(backend, closing_within_days=7)) == {WATER_STAFF_MOBILITY.id}
    assert ids(run(backend, closing_within_days=30)) == {
        WATER_STAFF_MOBILITY.id,
        HORIZON_TWO_STAGE_CLIMATE.id,
    }


def test_search_facets_count_all_results(backend):
    page = run(backend, per_page=5)
    assert facet(page, "funder") == {
        "European Commission": 4,
        "Star Trust": 23,
        "Aral Foundation": 2,
        "National Institutes of Health": 1,
    }
    assert facet(page, "status") == {"open": len(LIVE_IDS) - 1, "forthcoming": 1}
    assert facet(page, "kind")["fellowship"] == 23
    assert facet(page, "closing") == {"7": 1, "30": 2, "90": 5}
    counts = [f.count for f in page.facets["funder"]]
    assert counts == sorted(counts, reverse=True)


def test_search_facets_follow_text(backend):
    page = run(backend, "water")
    assert facet(page, "programme") == {"Erasmus+": 2, "Basins": 1}
    assert facet(page, "kind") == {"capacity_building": 1, "mobility": 1, "networking": 1}


def test_search_sort_deadline_soonest_first(backend):
    hits = run(
        backend,
        sort=SortOrder.DEADLINE,
        filters={"source": ("eu-portal", "foundation", "grants-gov")},
    ).hits
    assert [h.id for h in hits] == [
        WATER_STAFF_MOBILITY.id,
        HORIZON_TWO_STAGE_CLIMATE.id,
        ERASMUS_CBHE_WATER.id,
        RIVER_BASIN_BODY_ONLY.id,
        NIH_R01_CANCER.id,
        FORTHCOMING_DIGITAL_HUBS.id,
        HERITAGE_HOSTILE_MARKUP.id,
    ]
    assert hits[3].next_deadline == NOW + timedelta(days=60)
    assert hits[-1].next_deadline is None


def test_search_sort_newest_first(backend):
    hits = run(backend, sort=SortOrder.NEWEST, filters={"source": ("eu-portal", "foundation")}).hits
    assert [h.id for h in hits][:3] == [
        WATER_STAFF_MOBILITY.id,
        FORTHCOMING_DIGITAL_HUBS.id,
        RIVER_BASIN_BODY_ONLY.id,
    ]
    assert hits[-1].id == HERITAGE_HOSTILE_MARKUP.id


def test_search_pagination_has_exact_totals(backend):
    pages = [run(backend, per_page=10, page=n, sort=SortOrder.DEADLINE) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [len(LIVE_IDS)] * 4
    assert [len(p.hits) for p in pages] == [10, 10, 10, 0]
    assert pages[0].pages == 3
    seen = [h.id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == len(LIVE_IDS)


def test_search_hit_carries_record_fields(backend):
    hit = run(backend, "R01-cancer").hits[0]
    assert hit.title == NIH_R01_CANCER.title
    assert hit.url == NIH_R01_CANCER.url
    assert hit.funder == "National Institutes of Health"
    assert hit.kind == "research_grant"
    assert hit.status == "open"
    assert hit.next_deadline == NOW + timedelta(days=90)


def test_similar_finds_related_live_calls_not_itself(backend):
    similar = backend.similar(ERASMUS_CBHE_WATER.id, limit=3)
    found = [h.id for h in similar]
    assert found[0] == WATER_STAFF_MOBILITY.id
    assert ERASMUS_CBHE_WATER.id not in found
    assert DAAD_CLOSED_FELLOWSHIP.id not in found
    assert len(found) <= 3


def test_similar_unknown_id_is_empty(backend):
    assert list(backend.similar("nowhere:0")) == []


def test_upsert_moves_record_between_live_and_archive(backend):
    closed = make_opportunity(
        source="eu-portal",
        source_key="ERASMUS-KA171-WATER",
        title=WATER_STAFF_MOBILITY.title,
        status=OpportunityStatus.CLOSED,
        deadlines=(Deadline(NOW - timedelta(days=1), "Deadline"),),
    )
    backend.upsert([closed])
    assert WATER_STAFF_MOBILITY.id not in ids(run(backend, "water"))
    assert ids(run(backend, "water", filters={"status": ("closed",)})) == {closed.id}


def test_delete_removes_records_and_ignores_unknown(backend):
    backend.delete([NIH_R01_CANCER.id, "nowhere:0"])
    assert ids(run(backend, "cancer")) == set()
    assert run(backend).total == len(LIVE_IDS) - 1


def test_rebuild_replaces_everything_and_keeps_search_working(backend):
    count = backend.rebuild([list(NAMED[:4]), list(NAMED[4:])])
    assert count == len(NAMED)
    assert ids(run(backend, "astronomy")) == set()
    assert ids(run(backend, "water curricula")) == {ERASMUS_CBHE_WATER.id}
    backend.upsert([FILLERS[0]])
    assert ids(run(backend, "astronomy")) == {FILLERS[0].id}


def test_search_page_past_the_end_is_empty_with_total(backend):
    page = run(backend, per_page=20, page=1000)
    assert page.hits == ()
    assert page.total == len(LIVE_IDS)


RUSSIAN_YOUNG_SCIENTISTS = make_opportunity(
    source="kg-ministry",
    source_key="KG-2027-01",
    title="Гранты для молодых учёных",
    summary="Министерство образования объявляет конкурс стипендии для аспирантов.",
    funder="Министерство образования и науки КР",
    programme="Молодые учёные",
    language="ru",
    keywords=("наука",),
    deadlines=(Deadline(NOW + timedelta(days=300), "Срок"),),
)
TURKISH_SCHOLARSHIPS = make_opportunity(
    source="tr-foundation",
    source_key="TR-2027-BURS",
    title="Yüksek lisans bursları",
    summary="Kırgızistan üniversitelerinden öğrenciler için burs programı.",
    funder="Türkiye Bursları",
    programme="Burslar",
    language="tr",
    keywords=("eğitim",),
    deadlines=(Deadline(NOW + timedelta(days=310), "Son başvuru"),),
)
MULTILINGUAL = (RUSSIAN_YOUNG_SCIENTISTS, TURKISH_SCHOLARSHIPS)
ENGLISH_TEXTS = ("water", "water curricula", "modernise managing", '"climate adaptation"', "grants")


@pytest.fixture
def multilingual(backend):
    english = {text: [h.id for h in run(backend, text).hits] for text in ENGLISH_TEXTS}
    backend.upsert(MULTILINGUAL)
    return backend, english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("грант", RUSSIAN_YOUNG_SCIENTISTS),
        ("гранты", RUSSIAN_YOUNG_SCIENTISTS),
        ("стипендия", RUSSIAN_YOUNG_SCIENTISTS),
        ("молодой учёный", RUSSIAN_YOUNG_SCIENTISTS),
        ("burs", TURKISH_SCHOLARSHIPS),
        ("bursları", TURKISH_SCHOLARSHIPS),
        ("üniversiteleri öğrenciler", TURKISH_SCHOLARSHIPS),
    ],
)
def test_search_matches_russian_and_turkish_word_forms(multilingual, text, expected):
    backend, _ = multilingual
    assert ids(run(backend, text)) == {expected.id}


def test_search_russian_phrase_stays_exact(multilingual):
    backend, _ = multilingual
    assert ids(run(backend, '"молодых учёных"')) == {RUSSIAN_YOUNG_SCIENTISTS.id}
    assert ids(run(backend, '"молодой учёный"')) == set()


def test_search_english_results_unchanged_by_other_languages(multilingual):
    backend, english = multilingual
    for text, before in english.items():
        assert [h.id for h in run(backend, text).hits] == before, text
