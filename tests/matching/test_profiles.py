from __future__ import annotations

import pytest

from indexer.records import OpportunityKind
from matching import fos
from matching.profiles import (
    DigestFrequency,
    Role,
    WeightedTerm,
    format_keywords,
    parse_keywords,
    profile_from_dict,
    profile_to_dict,
)
from matching.text import analyze, stem


def test_parse_keywords_weights_and_phrases():
    assert parse_keywords('water management, irrigation^2, "climate adaptation"') == (
        WeightedTerm("water management"),
        WeightedTerm("irrigation", 2.0),
        WeightedTerm("climate adaptation"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"soil, water"^1.5', (WeightedTerm("soil, water", 1.5),)),
        ("a;b\nglacier;;  ", (WeightedTerm("glacier"),)),
        ("Irrigation, irrigation^3", (WeightedTerm("irrigation", 3.0),)),
        ("the, of, and", ()),
        ('unbalanced "quote', (WeightedTerm("unbalanced"), WeightedTerm("quote"))),
        ("", ()),
    ],
)
def test_parse_keywords_edge_cases(text, expected):
    assert parse_keywords(text) == expected


def test_format_keywords_round_trips():
    terms = parse_keywords('water management, irrigation^2, "soil, water"')
    assert parse_keywords(format_keywords(terms)) == terms


def test_profile_from_dict_round_trips_and_drops_unknowns():
    profile = profile_from_dict(
        {
            "email": "a@b",
            "keywords": "irrigation^2",
            "disciplines": ["1.5", "Educational sciences", "9.9"],
            "kinds": ["mobility", "spaceship"],
            "roles": ["partner"],
            "digest": "daily",
            "muted": ["x:1"],
        }
    )
    assert profile.disciplines == ("1.5", "Educational sciences")
    assert profile.kinds == (OpportunityKind.MOBILITY,)
    assert profile.roles == (Role.PARTNER,)
    assert profile.digest is DigestFrequency.DAILY
    assert profile_from_dict(profile_to_dict(profile)) == profile


def test_fos_table_has_six_fields_and_42_subfields():
    assert len(fos.MAJOR_FIELDS) == 6
    assert len(fos.SUBFIELDS) == 42
    assert all(f.hints for f in fos.SUBFIELDS)
    assert fos.lookup("humanities").code == "6"
    assert len(fos.hints_for(("6",))) > 5


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("manage", "managing", "management", "managed"), True),
        (("university", "universities"), True),
        (("study", "studies", "studying"), True),
        (("adaptation", "adapting", "adapt"), True),
        (("water", "waiter"), False),
    ],
)
def test_stem_conflates_variants(words, same):
    assert (len({stem(w) for w in words}) == 1) is same


def test_analyze_drops_stopwords_and_keeps_cyrillic():
    assert analyze("The management of Водных ресурсов") == ["manag", "водных", "ресурсов"]
