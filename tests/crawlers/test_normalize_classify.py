"""classify_kind and detect_language on real titles and texts."""

from __future__ import annotations

import json
import re

import pytest

from crawlers.normalize import classify_kind, detect_language
from indexer.records import OpportunityKind as K


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Erasmus+ Capacity Building in Higher Education (CBHE)", K.CAPACITY_BUILDING),
        ("Erasmus Mundus Joint Masters", K.JOINT_DEGREE),
        ("MSCA Postdoctoral Fellowships 2027", K.FELLOWSHIP),
        ("COST Actions: open call", K.NETWORKING),
        ("International Conference on Water Management", K.EVENT),
        ("Call for tenders: evaluation services", K.TENDER),
        ("Young Scientist Award", K.PRIZE),
        ("Erasmus+ KA171 International Credit Mobility", K.MOBILITY),
        ("Research Infrastructure services for Europe", K.INFRASTRUCTURE),
        ("Research Grant in Hydrology", K.RESEARCH_GRANT),
        # 1_eu_funding_tenders/sedia_search_trimmed_horizon_2records.json action types
        ("HORIZON-RPr HORIZON Recognition Prize", K.PRIZE),
        ("HORIZON-JU-IA HORIZON JU Innovation Actions", K.RESEARCH_GRANT),
        # 4_html_listings/euraxess_jobs_search_results.html card titles
        ("1 Research Fellowship (Master) - 2024.13736.PEX - #NOVAID-B458", K.FELLOWSHIP),
        ("Adjunct (Post-doc) (full-time position, 40 hours per week, on-site)", K.FELLOWSHIP),
        ("Стипендия Президента для аспирантов", K.FELLOWSHIP),
        ("Программа академической мобильности", K.MOBILITY),
        ("Türkiye Bursları 2027 başvuruları", K.FELLOWSHIP),
    ],
)
def test_classify_kind_from_title(title, kind):
    assert classify_kind(title, None) is kind


def test_classify_kind_title_beats_body():
    body = "Participants may attend a workshop and a conference during the fellowship."
    assert classify_kind("Erasmus Mundus Joint Masters", body) is K.JOINT_DEGREE


def test_classify_kind_falls_back_to_body():
    assert classify_kind("Call 2027", "The programme funds staff mobility.") is K.MOBILITY


def test_classify_kind_default_when_nothing_matches():
    assert classify_kind("Annual report", "Read our news.") is K.OTHER
    assert classify_kind("Annual report", None, default=K.FELLOWSHIP) is K.FELLOWSHIP
    assert classify_kind(None, None) is K.OTHER


def test_classify_kind_award_in_body_is_not_a_prize(shared_fixtures):
    # 2_grants_gov/fetchOpportunity_348985_NSF-REU-23-601.json: body full of "award ceiling"
    path = shared_fixtures / "2_grants_gov/fetchOpportunity_348985_NSF-REU-23-601.json"
    synopsis = json.loads(path.read_text())["data"]["synopsis"]
    assert classify_kind("Sites", synopsis["synopsisDesc"]) is not K.PRIZE


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Срок подачи заявок: до 15 марта 2027 г.", "ru"),
        ("Өнөр жай боюнча долбоорлор үчүн грант", "ky"),
        ("Жобаға қатысу үшін өтінім беру", "kk"),
        ("Son başvuru tarihi: 15 Mart 2027", "tr"),
        ("Die Frist für den Antrag ist der 1. Mai und nicht später", "de"),
        ("La date limite pour les candidatures est le 1 mai", "fr"),
        ("The deadline for applications is 1 May", "en"),
        ("Horizon Europe", "en"),
    ],
)
def test_detect_language_guesses(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", None, "   ", "12345 2027"])
def test_detect_language_none_without_letters(text):
    assert detect_language(text) is None


def test_detect_language_on_real_feeds(shared_fixtures):
    # 3_funder_feeds/hewlett_foundation_wordpress_feed.xml: English item titles
    hewlett = (shared_fixtures / "3_funder_feeds/hewlett_foundation_wordpress_feed.xml").read_text()
    text = " ".join(re.findall(r"<title>([^<]+)</title>", hewlett))
    assert detect_language(text) == "en"
