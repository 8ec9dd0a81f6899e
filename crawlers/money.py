"""Parse amounts of money as funders write them ("EUR 1,500,000", "€400 000", "1.5 million EUR")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from indexer.records import Money

# Symbols and words for currencies; ISO codes are matched directly. "$" alone means US
# dollars: the funders we crawl that use other dollars write "CAD"/"AUD"/"C$".
_CURRENCY_WORDS: dict[str, str] = {
    "€": "EUR", "euro": "EUR", "euros": "EUR", "евро": "EUR",
    "us$": "USD", "$": "USD", "dollars": "USD", "долларов": "USD", "доллар": "USD",
    "доллара": "USD", "c$": "CAD", "a$": "AUD",
    "£": "GBP", "pounds": "GBP",
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "рублей": "RUB",
    "₺": "TRY", "tl": "TRY",
    "сом": "KGS", "сомов": "KGS", "₸": "KZT", "тенге": "KZT",
    "₹": "INR", "₩": "KRW", "chf": "CHF",
}  # fmt: skip
_ISO_CODES = (
    "EUR|USD|GBP|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|ISK|TRY|RUB|KGS|KZT|UZS|TJS|TMT|"
    "CNY|JPY|KRW|INR|CAD|AUD|NZD|AED|SAR|QAR"
)
_CURRENCY = (
    r"(?:(?<![A-Za-z])(?:" + _ISO_CODES + r"|TL)(?![A-Za-z])|US\$|C\$|A\$|[€$£₽₺₸₹₩]"
    r"|(?i:euros?|евро|dollars|доллар(?:ов|а)?|pounds|руб\.?|рублей|сом(?:ов)?|тенге)(?!\w))"
)
_NUMBER = r"\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d+)?"
_MULTIPLIERS: dict[str, int] = {
    "k": 1_000, "thousand": 1_000, "тыс": 1_000, "тысяч": 1_000, "bin": 1_000,
    "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "mio": 1_000_000,
    "million": 1_000_000, "millions": 1_000_000, "млн": 1_000_000, "миллион": 1_000_000,
    "миллиона": 1_000_000, "миллионов": 1_000_000, "milyon": 1_000_000,
    "bn": 1_000_000_000, "billion": 1_000_000_000, "млрд": 1_000_000_000,
    "milyar": 1_000_000_000,
}  # fmt: skip
_MULT = (
    r"(?i:million|millions|mln|mio|mn|m|k|thousand|bn|billion|млн|миллион(?:а|ов)?"
    r"|тыс|тысяч|млрд|milyon|milyar|bin)\.?(?!\w)"
)
MONEY_RE = re.compile(
    r"(?P<c1>" + _CURRENCY + r")\s*(?P<n1>" + _NUMBER + r")(?:\s*(?P<x1>" + _MULT + r"))?"
    r"|(?P<n2>" + _NUMBER + r")(?:\s*(?P<x2>" + _MULT + r"))?\s*(?P<c2>" + _CURRENCY + r")"
)


def _currency_code(token: str) -> str:
    upper = token.upper()
    if re.fullmatch(_ISO_CODES, upper):
        return upper
    return _CURRENCY_WORDS.get(token.lower(), _CURRENCY_WORDS.get(token.lower().rstrip("."), ""))


def parse_number(raw: str, *, has_multiplier: bool = False) -> Decimal | None:
    """Read "1,500,000", "400 000", "1.500.000,50" or "1.5" as a Decimal.

    :param has_multiplier: "1,5 million" and "1.500 million" read the single separator
        as a decimal point.
    """
    digits = re.sub(r"[ \u00a0\u202f']", "", raw)
    commas, dots = digits.count(","), digits.count(".")
    if commas and dots:
        decimal_sep = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        digits = digits.replace(thousands, "").replace(decimal_sep, ".")
    elif commas + dots == 1:
        sep = "," if commas else "."
        whole, frac = digits.split(sep)
        # "1,500" is fifteen hundred; "1,5" and "1.50" are fractions.
        is_thousands = len(frac) == 3 and not has_multiplier
        digits = whole + frac if is_thousands else f"{whole}.{frac}"
    elif commas + dots > 1:
        digits = digits.replace(",", "").replace(".", "")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _money_from(match: re.Match[str]) -> Money | None:
    number = match.group("n1") or match.group("n2")
    mult_word = match.group("x1") or match.group("x2")
    currency = _currency_code(match.group("c1") or match.group("c2"))
    amount = parse_number(number, has_multiplier=bool(mult_word))
    if amount is None or not currency:
        return None
    if mult_word:
        amount *= _MULTIPLIERS[mult_word.lower().rstrip(".")]
    # Whole amounts are stored without a fraction ("1500000", not "1.5E+6" or "1500000.00").
    if amount == amount.to_integral_value():
        amount = amount.to_integral_value()
    return Money(amount=amount, currency=currency)


def find_money(text: str | None) -> tuple[Money, ...]:
    """Return every amount with a currency found in ``text``, in order of appearance."""
    if not text:
        return ()
    found = (_money_from(m) for m in MONEY_RE.finditer(text))
    return tuple(m for m in found if m is not None)


def parse_money(text: str | None) -> Money | None:
    """Return the first amount with a currency in ``text``; None when there is none.

    A bare number ("1,500,000") gives None: the currency is never guessed.
    """
    found = find_money(text)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Amounts:
    """The amounts a call's text states: the whole budget and the largest single award."""

    budget_total: Money | None = None
    award_max: Money | None = None


_SENTENCE_RE = re.compile(r"(?<=[.;!?])\s+|\n+")
_BUDGET_CUE = re.compile(r"\b(?:budget|total funding|envelope|бюджет|bütçe)", re.IGNORECASE)
_AWARD_CUE = re.compile(
    r"\b(?:up to|maximum|max\.|ceiling|per (?:project|grant|award|person|month)"
    r"|each (?:grant|award|project)|grants? of|awards? of|до\s)",
    re.IGNORECASE,
)


def find_amounts(text: str | None) -> Amounts:
    """Read the budget and the award ceiling from sentences that label them.

    An amount counts only in a sentence with a cue word ("Budget: EUR 1,500,000", "grants
    of up to USD 50,000"); loose figures (salaries, past results) are left alone.
    """
    budget: Money | None = None
    award: Money | None = None
    for sentence in _SENTENCE_RE.split(text or ""):
        amount = parse_money(sentence)
        if amount is None:
            continue
        if budget is None and _BUDGET_CUE.search(sentence) and not _AWARD_CUE.search(sentence):
            budget = amount
        elif award is None and _AWARD_CUE.search(sentence):
            award = max(find_money(sentence), key=lambda m: m.amount)
    return Amounts(budget_total=budget, award_max=award)
