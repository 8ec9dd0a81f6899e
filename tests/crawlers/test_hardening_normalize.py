"""Property-based hardening of the normalize functions: arbitrary text never raises.

Text is drawn from random characters mixed with fragments of real deadline, money and
eligibility phrasing (so the parsers' deeper branches are reached, not only the misses).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crawlers.normalize import (
    classify_kind,
    detect_language,
    extract_eligibility,
    find_deadlines,
    find_money,
    html_to_text,
    load_country_groups,
    parse_datetime,
    parse_money,
    resolve_tz,
    sanitize_html,
)
from crawlers.textfacts import facts_from_text
from indexer.records import Money, OpportunityKind
from tests.crawlers.hardening import HARDENING, NASTY_STRINGS, assert_aware

FRAGMENTS = (
    "Deadline:",
    "Closing date",
    "Stage 2 deadline",
    "Cut-off dates:",
    "Срок подачи заявок: до",
    "Son başvuru tarihi",
    "no later than",
    " and ",
    ", ",
    "12 February 2027",
    "31 February 2027",
    "15 Mart 2027",
    "15 марта 2027 г.",
    "Aug 18, 2027",
    "2027-02-12",
    "2027-13-45",
    "0000-00-00",
    "9999-12-31",
    "31.12.9999",
    "12/31/2099",
    "99/99/2027",
    "2027-08-18-00-00-00",
    "2027-08-18-99-99-99",
    "13452027",
    "Tue, 10 Jun 2027 04:00:00 GMT",
    "Tue, 99 Jun 2027 04:00:00 +9999",
    "17:00",
    "25:61",
    "5 pm",
    "13 pm",
    "noon",
    "CET",
    "(Europe/Lisbon)",
    "(Mars/Olympus)",
    "UTC+99",
    "GMT-14:30",
    "+9999",
    "-00:99",
    "Brussels time",
    "EUR 1,500,000",
    "€400 000",
    "USD 50,000",
    "$9" + "9" * 40,
    "1.5 million EUR",
    "EUR 1e999",
    "Budget:",
    "up to",
    "eligible",
    "Applicants from Kyrgyzstan, Kazakhstan",
    "EU Member States",
    "low- and middle-income countries",
    "except Russia",
    "<script>alert(1)</script>",
    "<b>",
    "&amp;amp;",
    "&#99999999;",
    "&#x110000;",
    "\x00",
    "\ud800",
    "\n",
    ". ",
)
texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12), st.sampled_from(NASTY_STRINGS)),
    max_size=12,
).map("".join)
zones = st.one_of(
    st.sampled_from(["Europe/Brussels", "UTC", "America/New_York", "", "Nowhere/Else", "+99"]),
    st.text(max_size=12),
)


@HARDENING
@given(text=texts, tz=zones, end_of_day=st.booleans())
def test_parse_datetime_never_raises_and_is_aware(text, tz, end_of_day):
    moment = parse_datetime(text, default_tz=tz, end_of_day=end_of_day)
    assert moment is None or (isinstance(moment, datetime) and moment.utcoffset() is not None)
    if moment is not None:
        moment.astimezone(UTC)


@HARDENING
@given(text=texts, tz=zones)
def test_find_deadlines_never_raises_and_is_aware(text, tz):
    deadlines = find_deadlines(text, default_tz=tz)
    assert_aware(deadlines)
    assert list(deadlines) == sorted(deadlines, key=lambda d: d.at)


@HARDENING
@given(name=zones)
def test_resolve_tz_never_raises(name):
    zone = resolve_tz(name)
    if zone is not None:
        datetime(2027, 1, 1, tzinfo=zone).utcoffset()


@HARDENING
@given(text=texts)
def test_money_parsers_never_raise_and_give_plausible_amounts(text):
    for money in (parse_money(text), *find_money(text)):
        if money is None:
            continue
        assert isinstance(money, Money)
        assert len(money.currency) == 3
        assert money.amount.is_finite()
        assert money.amount >= Decimal(0)


@HARDENING
@given(text=texts)
def test_text_functions_never_raise(text):
    assert isinstance(sanitize_html(text), str)
    assert len(html_to_text(text, limit=50)) <= 50
    assert "<script" not in sanitize_html(text).lower()
    assert isinstance(classify_kind(text, text, default=None) or OpportunityKind.OTHER, str)
    language = detect_language(text)
    assert language is None or isinstance(language, str)


GROUPS = load_country_groups()


@HARDENING
@given(text=texts, require_cue=st.booleans())
def test_extract_eligibility_never_raises_and_keeps_evidence(text, require_cue):
    found = extract_eligibility(text, GROUPS, require_cue=require_cue)
    if found.countries or found.groups:
        assert found.evidence
    facts = facts_from_text(text)
    if facts.get("eligible_groups") or facts.get("eligible_countries"):
        assert facts["eligibility_text"]
