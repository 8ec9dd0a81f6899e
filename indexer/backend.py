"""The search-backend interface: what every search engine adapter must provide.

Callers depend on :class:`SearchBackend` only; ``sqlite_fts`` and ``elastic`` implement it
and convert engine output into the dataclasses below at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from indexer.records import Opportunity, OpportunityStatus


class SortOrder(StrEnum):
    """How a result page is ordered."""

    RELEVANCE = "relevance"
    DEADLINE = "deadline"
    NEWEST = "newest"


# Filter keys a SearchQuery accepts (values are exact matches, OR-ed within a key).
FILTER_KEYS = (
    "funder",
    "programme",
    "kind",
    "status",
    "eligible_group",
    "eligible_country",
    "language",
    "source",
)

# Facets every backend returns, with counts computed over the whole result set.
FACET_KEYS = ("funder", "programme", "kind", "status", "closing")

# The "closing" facet: buckets of days until the next deadline.
CLOSING_BUCKETS = (7, 30, 90)

# The default search covers the calls one can still enter; closed calls live in the archive.
LIVE_STATUSES = (OpportunityStatus.OPEN, OpportunityStatus.FORTHCOMING)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search as a user expressed it: free text plus structured filters.

    ``text`` is raw user input; backends must never fail on it (quotes, operators,
    punctuation, very long strings). ``filters`` maps a key of :data:`FILTER_KEYS` to the
    accepted values. With no ``status`` filter only live calls are searched.
    """

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deadline_from: date | None = None
    deadline_to: date | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    closing_within_days: int | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    per_page: int = 20
    now: datetime | None = None

    def statuses(self) -> tuple[str, ...]:
        """Return the statuses searched: the status filter, else the live ones."""
        return tuple(self.filters.get("status", ())) or tuple(s.value for s in LIVE_STATUSES)

    def includes_archive(self) -> bool:
        """Return whether closed calls are part of this search."""
        return OpportunityStatus.CLOSED.value in self.statuses()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: enough to render a result row without loading the record."""

    id: str
    title: str
    url: str
    score: float
    snippet_html: str
    funder: str | None
    programme: str | None
    kind: str
    status: str
    next_deadline: datetime | None
    summary: str = ""
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One facet value and how many results carry it."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results, the exact total, and facet counts over all results."""

    hits: tuple[SearchHit, ...]
    total: int
    facets: Mapping[str, tuple[FacetCount, ...]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages for the total."""
        return max(1, -(-self.total // self.per_page))


class SearchBackend(Protocol):
    """A derived, rebuildable search index over the stored opportunities."""

    def ensure_ready(self) -> None:
        """Create whatever the backend needs (tables, index, alias); idempotent."""

    def upsert(self, opportunities: Iterable[Opportunity]) -> None:
        """Add or replace these records in the index."""

    def delete(self, ids: Iterable[str]) -> None:
        """Remove these record ids from the index (unknown ids are ignored)."""

    def search(self, query: SearchQuery) -> SearchPage:
        """Run a search; never raises on user text."""

    def similar(self, opportunity_id: str, limit: int = 5) -> Sequence[SearchHit]:
        """Return live calls that resemble the given one (not the call itself)."""

    def rebuild(self, batches: Iterable[Sequence[Opportunity]]) -> int:
        """Replace the whole index with these records; return how many were indexed."""
