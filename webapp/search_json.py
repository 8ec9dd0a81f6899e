"""The JSON form of a search page, shared by `grantradar search --json` and the API."""

from __future__ import annotations

from typing import Any

from indexer.backend import SearchPage


def page_as_json(page: SearchPage) -> dict[str, Any]:
    """Return the `search --json` object of DESIGN section 7."""
    return {
        "total": page.total,
        "hits": [
            {
                "id": h.id,
                "title": h.title,
                "url": h.url,
                "score": round(h.score, 4),
                "next_deadline": h.next_deadline.isoformat() if h.next_deadline else None,
                "status": h.status,
                "funder": h.funder,
                "programme": h.programme,
                "kind": h.kind,
                "call_id": h.call_id,
                "snippet": h.snippet_html,
            }
            for h in page.hits
        ],
        "facets": {k: {f.value: f.count for f in v} for k, v in page.facets.items()},
    }
