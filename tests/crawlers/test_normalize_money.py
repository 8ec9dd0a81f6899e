"""parse_money / find_money on amounts as funders write them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from crawlers.normalize import find_money, parse_money, parse_number
from indexer.records import Money


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("EUR 1,500,000", "1500000", "EUR"),
        ("€400 000", "400000", "EUR"),
        ("USD 50,000", "50000", "USD"),
        ("$50,000", "50000", "USD"),
        ("1.5 million EUR", "1500000", "EUR"),
        ("EUR 2 million", "2000000", "EUR"),
        ("£20,000", "20000", "GBP"),
        ("EUR\u00a0400\u00a0000", "400000", "EUR"),
        ("15 000 €", "15000", "EUR"),
        ("15\u202f000\u00a0€", "15000", "EUR"),
        ("1.500.000,50 EUR", "1500000.50", "EUR"),
        ("EUR 1,5 million", "1500000", "EUR"),
        ("$1,234.56", "1234.56", "USD"),
        ("CHF 100'000", "100000", "CHF"),
        ("US$ 2.5M", "2500000", "USD"),
        ("USD 50k", "50000", "USD"),
        ("€ 3 mln", "3000000", "EUR"),
        ("Budget: EUR 60 000 per project", "60000", "EUR"),
        ("до 5 млн сомов", "5000000", "KGS"),
        ("200 000 евро", "200000", "EUR"),
        ("10 bin TL", "10000", "TRY"),
        ("EUR 1 bn", "1000000000", "EUR"),
    ],
)
def test_parse_money_reads_amounts(text, amount, currency):
    assert parse_money(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["", None, "1,500,000", "in 2027 we fund", "no money here"])
def test_parse_money_without_currency_is_none(text):
    assert parse_money(text) is None


def test_find_money_returns_every_amount_in_order():
    found = find_money("Grants between EUR 500,000 and EUR 1,000,000 each.")
    assert found == (Money(Decimal(500000), "EUR"), Money(Decimal(1000000), "EUR"))


def test_parse_money_stores_whole_amounts_without_exponent():
    money = parse_money("EUR 1,500,000")
    assert money is not None
    assert str(money.amount) == "1500000"


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,500", "1500"), ("1,5", "1.5"), ("1.50", "1.50"), ("1 500 000", "1500000"),
     ("1.500.000", "1500000"), ("1,000.5", "1000.5")],
)  # fmt: skip
def test_parse_number_reads_separators(raw, value):
    assert parse_number(raw) == Decimal(value)


def test_parse_money_on_sedia_budget_fixture(shared_fixtures):
    # 1_eu_funding_tenders/sedia_search_trimmed_horizon_2records.json: budgetOverview holds
    # maxContribution 20000000 for the two-stage JU topic; written out as the portal shows it.
    path = shared_fixtures / "1_eu_funding_tenders/sedia_search_trimmed_horizon_2records.json"
    budget = json.loads(json.loads(path.read_text())["results"][0]["metadata"]["budgetOverview"][0])
    actions = next(iter(budget["budgetTopicActionMap"].values()))
    ceiling = actions[0]["maxContribution"]
    assert parse_money(f"EUR {ceiling:,}") == Money(Decimal(ceiling), "EUR")
