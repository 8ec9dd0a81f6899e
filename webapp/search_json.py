"""The JSON form of a search page, shared by `grantradar search --json` and the API."""

from __future__ import annotations

from typing import Any

from indexer.backend import SearchHit, SearchPage


def hit_as_json(hit: SearchHit) -> dict[str, Any]:
    """Return one hit as the `search --json` object of DESIGN section 7 lists it."""
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "score": round(hit.score, 4),
        "next_deadline": hit.next_deadline.isoformat() if hit.next_deadline else None,
        "status": hit.status,
        "funder": hit.funder,
        "programme": hit.programme,
        "kind": hit.kind,
        "call_id": hit.call_id,
        "snippet": hit.snippet_html,
    }


def page_as_json(page: SearchPage) -> dict[str, Any]:
    """Return the `search --json` object of DESIGN section 7."""
    return {
        "total": page.total,
        "hits": [hit_as_json(h) for h in page.hits],
        "facets": {k: {f.value: f.count for f in v} for k, v in page.facets.items()},
    }
