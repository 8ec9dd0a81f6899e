"""extract_eligibility against the real country-groups file."""

from __future__ import annotations

import pytest

from crawlers.eligibility import Eligibility, extract_eligibility, load_country_groups


@pytest.fixture(scope="module")
def groups():
    return load_country_groups()


@pytest.mark.parametrize(
    ("text", "countries", "group_keys"),
    [
        (
            "Applicants must be legal entities established in an EU Member State or a third "
            "country associated to the Programme.",
            (),
            ("ERASMUS_ASSOCIATED", "EU"),
        ),
        (
            "Higher education institutions from Kazakhstan, Kyrgyzstan, Tajikistan, "
            "Turkmenistan and Uzbekistan (Region 6) are eligible.",
            ("KG", "KZ", "TJ", "TM", "UZ"),
            ("ERASMUS_REGION_6",),
        ),
        (
            "Participants from low- and middle-income countries are automatically eligible "
            "for funding.",
            (),
            ("HE_LMIC",),
        ),
        ("Legal entities from associated countries may participate.", (), ("HE_ASSOCIATED",)),
        ("The call is open to researchers from all countries.", (), ("ALL",)),
        ("Open to applicants of any nationality.", (), ("ALL",)),
        ("Universities in Central Asia may apply as partners.", (), ("CENTRAL_ASIA",)),
        ("В конкурсе могут участвовать вузы Кыргызстана и Казахстана.", ("KG", "KZ"), ()),
        ("Заявители из Кыргызской Республики и Узбекистана.", ("KG", "UZ"), ()),
        ("Kırgızistan vatandaşları başvurabilir.", ("KG",), ()),
        (
            "Applicants from Equatorial Guinea, Papua New Guinea and Guinea-Bissau may apply.",
            ("GQ", "GW", "PG"),
            (),
        ),
    ],
)
def test_extract_eligibility_finds_countries_and_groups(groups, text, countries, group_keys):
    found = extract_eligibility(text, groups)
    assert found.countries == countries
    assert found.groups == group_keys
    assert found.evidence == text


def test_extract_eligibility_keeps_only_evidence_sentences(groups):
    text = (
        "The project will study water use in Kyrgyzstan. Deadline: 1 March 2027. "
        "Applicants must be established in an EU Member State. Contact us in Brussels."
    )
    found = extract_eligibility(text, groups)
    assert found.groups == ("EU",)
    assert found.countries == ()
    assert found.evidence == "Applicants must be established in an EU Member State."


def test_extract_eligibility_without_cue_reads_a_country_list(groups):
    found = extract_eligibility("Kazakhstan, Kyrgyzstan, Mongolia", groups, require_cue=False)
    assert found.countries == ("KG", "KZ", "MN")


@pytest.mark.parametrize(
    ("text", "group_keys", "excluded"),
    [
        ("Entities from Russia and Belarus are not eligible.", (), ("BY", "RU")),
        ("Open to all countries except Russia and Belarus.", ("ALL",), ("BY", "RU")),
        ("Могут участвовать все страны, кроме России.", (), ("RU",)),
    ],
)
def test_extract_eligibility_excludes_negated_countries(groups, text, group_keys, excluded):
    found = extract_eligibility(text, groups)
    assert found.countries == ()
    assert found.groups == group_keys
    assert found.excluded == excluded


def test_extract_eligibility_ignores_non_prefixed_country(groups):
    # NIH wording (2_grants_gov fixtures use the same eligibility vocabulary)
    text = "Non-domestic (non-U.S.) Entities (Foreign Institutions) are eligible to apply."
    assert extract_eligibility(text, groups).countries == ()


def test_extract_eligibility_ignores_job_location(groups, shared_fixtures):
    # 4_html_listings/euraxess_job_detail.html: "Country France" is where the job is
    from crawlers.normalize import html_to_text

    page = (shared_fixtures / "4_html_listings/euraxess_job_detail.html").read_text()
    found = extract_eligibility(html_to_text(page), groups)
    assert "FR" not in found.countries


@pytest.mark.parametrize("text", ["", None, "Nothing about who may apply."])
def test_extract_eligibility_empty(groups, text):
    assert extract_eligibility(text, groups) == Eligibility()


def test_extract_eligibility_evidence_is_capped(groups):
    sentence = "Applicants from Kyrgyzstan are eligible and welcome to apply. "
    found = extract_eligibility(sentence * 40, groups)
    assert found.evidence is not None
    assert len(found.evidence) <= 1000
