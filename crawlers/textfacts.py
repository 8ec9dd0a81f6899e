"""Facts read from a call's free text: eligibility and amounts, for sources without fields.

Feeds and HTML pages state who may apply and how much money there is only in prose;
structured sources (EU portal, Grants.gov) map their own fields instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from config.country_groups import CountryGroupsError, load_country_groups
from crawlers.eligibility import extract_eligibility
from crawlers.money import find_amounts

logger = logging.getLogger(__name__)

EligibilityFn = Callable[[str], tuple[tuple[str, ...], tuple[str, ...], str | None]]


@functools.cache
def make_eligibility(path: str | None = None) -> EligibilityFn | None:
    """Return a reader of eligibility text bound to the country groups, if they load."""
    try:
        groups = load_country_groups(path)
    except (CountryGroupsError, OSError) as exc:
        logger.warning("Country groups unavailable, eligibility not extracted: %s", exc)
        return None

    def read(text: str) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
        found = extract_eligibility(text, groups)
        return found.countries, found.groups, found.evidence

    return read


def facts_from_text(text: str, *, country_groups: str | None = None) -> dict[str, Any]:
    """Return record fields stated in prose: eligible countries/groups with evidence, money."""
    facts: dict[str, Any] = {}
    reader = make_eligibility(country_groups)
    if reader is not None:
        countries, groups, evidence = reader(text)
        if countries or groups:
            facts.update(
                eligible_countries=countries, eligible_groups=groups, eligibility_text=evidence
            )
    amounts = find_amounts(text)
    if amounts.budget_total is not None:
        facts["budget_total"] = amounts.budget_total
    if amounts.award_max is not None:
        facts["award_max"] = amounts.award_max
    return facts
