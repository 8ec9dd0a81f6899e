"""Pure normalization helpers for crawlers: HTML, dates, deadlines, money, kinds, language.

Every function here is pure (no I/O, no clock) and None-safe. The work lives in small
modules by responsibility; this module is the public face the spiders import:

- :mod:`crawlers.html`: ``sanitize_html``, ``html_to_text``, ``truncate_text``
- :mod:`crawlers.dates`: ``parse_datetime``, ``resolve_tz``, ``month_number``
- :mod:`crawlers.deadlines`: ``find_deadlines``
- :mod:`crawlers.money`: ``parse_money``, ``find_money``, ``parse_number``
- :mod:`crawlers.classify`: ``classify_kind``, ``detect_language``
- :mod:`crawlers.eligibility`: ``extract_eligibility`` (and the country-group loader)
"""

from __future__ import annotations

from .classify import classify_kind, detect_language
from .dates import month_number, parse_datetime, resolve_tz
from .deadlines import find_deadlines
from .eligibility import CountryGroups, Eligibility, extract_eligibility, load_country_groups
from .html import html_to_text, sanitize_html, truncate_text
from .money import find_money, parse_money, parse_number

__all__ = [
    "CountryGroups",
    "Eligibility",
    "classify_kind",
    "detect_language",
    "extract_eligibility",
    "find_deadlines",
    "find_money",
    "html_to_text",
    "load_country_groups",
    "month_number",
    "parse_datetime",
    "parse_money",
    "parse_number",
    "resolve_tz",
    "sanitize_html",
    "truncate_text",
]
