"""The spider registry: one spider class per source type."""

from __future__ import annotations

from crawlers.spiders.base import OpportunitySpider
from crawlers.spiders.eu_portal import EuPortalSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.grants_gov import GrantsGovSpider
from crawlers.spiders.html_listing import HtmlListingSpider

SPIDERS: dict[str, type[OpportunitySpider]] = {
    FeedSpider.source_type: FeedSpider,
    EuPortalSpider.source_type: EuPortalSpider,
    GrantsGovSpider.source_type: GrantsGovSpider,
    HtmlListingSpider.source_type: HtmlListingSpider,
}

__all__ = ["SPIDERS", "OpportunitySpider"]
