from __future__ import annotations

from decimal import Decimal

import pytest

from crawlers.money import find_amounts
from crawlers.textfacts import facts_from_text
from indexer.records import Money


@pytest.mark.parametrize(
    ("text", "budget", "award"),
    [
        ("Budget: EUR 1,500,000.", Money(Decimal("1500000"), "EUR"), None),
        (
            "The total budget is €4 million. Grants of up to €400 000 per project.",
            Money(Decimal("4000000"), "EUR"),
            Money(Decimal("400000"), "EUR"),
        ),
        ("Awards of USD 50,000 each.", None, Money(Decimal("50000"), "USD")),
        ("The salary is EUR 3,000 gross.", None, None),
        ("", None, None),
    ],
)
def test_find_amounts_reads_only_labelled_amounts(text, budget, award):
    amounts = find_amounts(text)
    assert amounts.budget_total == budget
    assert amounts.award_max == award


def test_facts_from_text_gives_eligibility_with_evidence_and_budget():
    text = (
        "Research grants for water management. Institutions from Kyrgyzstan are eligible. "
        "Budget: EUR 1,500,000."
    )
    facts = facts_from_text(text)
    assert "KG" in facts["eligible_countries"]
    assert "Kyrgyzstan" in facts["eligibility_text"]
    assert facts["budget_total"] == Money(Decimal("1500000"), "EUR")


def test_facts_from_text_says_nothing_when_the_text_says_nothing():
    assert facts_from_text("A conference on glaciers in Bishkek.") == {}
