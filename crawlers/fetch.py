"""Conditional-GET helpers and the result a crawl subprocess hands back to the runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CrawlResult", "Validators", "conditional_headers", "validators_from_headers"]


@dataclass(frozen=True, slots=True)
class Validators:
    """A source's conditional-GET validators, as the crawl subprocess sees them.

    The same pair as ``indexer.store.FetchState``; kept separate so that the crawl
    subprocess does not import the database layer.
    """

    etag: str | None = None
    last_modified: str | None = None


def conditional_headers(state: Validators | None) -> dict[str, str]:
    """Return If-None-Match / If-Modified-Since headers for the stored validators."""
    headers: dict[str, str] = {}
    if state is None:
        return headers
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def validators_from_headers(
    headers: Mapping[str, str], previous: Validators | None = None
) -> Validators:
    """Return the validators a response carries (keeping the old ones it omits)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    previous = previous or Validators()
    return Validators(
        etag=lowered.get("etag") or previous.etag,
        last_modified=lowered.get("last-modified") or previous.last_modified,
    )


@dataclass
class CrawlResult:
    """What one source crawl observed, written as JSON by the crawl subprocess.

    ``error`` is a one-line reason and means the run failed; ``not_modified`` means the
    server answered 304 to the conditional GET.
    """

    http_status: int | None = None
    error: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    items: int = 0
    invalid: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        """Record the first failure reason (later ones are usually consequences)."""
        if self.error is None:
            self.error = " ".join(reason.split())[:500] or "unknown error"

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlResult:
        """Rebuild a result from :meth:`to_dict` output."""
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["invalid"] = [(str(a), str(b)) for a, b in values.get("invalid", [])]
        return cls(**values)
