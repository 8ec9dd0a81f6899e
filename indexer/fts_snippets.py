"""Snippet HTML for FTS5 hits: snippet() output is plain text and must be escaped."""

from __future__ import annotations

import html

# Markers around matches: control characters never present in indexed text (rows strip
# them), so after escaping they can only be ours.
MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
SNIPPET_TOKENS = 24
SUMMARY_PREVIEW_CHARS = 240


def snippet_params() -> dict[str, object]:
    """Return the parameters :func:`hits_sql` needs for its snippet() calls."""
    return {
        "mark_start": MARK_START,
        "mark_end": MARK_END,
        "ellipsis": ELLIPSIS,
        "tokens": SNIPPET_TOKENS,
    }


def render_snippet(raw: str) -> str:
    """Return snippet() output as safe HTML: escape everything, then mark the matches."""
    escaped = html.escape(raw, quote=True)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def summary_preview(summary: str | None) -> str:
    """Return the escaped start of a summary, cut at a word boundary."""
    text = " ".join((summary or "").split())
    if len(text) > SUMMARY_PREVIEW_CHARS:
        text = text[:SUMMARY_PREVIEW_CHARS].rsplit(" ", 1)[0] + ELLIPSIS
    return html.escape(text, quote=True)


def choose_snippet(summary: str | None, summary_raw: str | None, body_raw: str | None) -> str:
    """Return the hit's snippet HTML: a marked summary or body excerpt, else the summary start."""
    for raw in (summary_raw, body_raw):
        if raw and MARK_START in raw:
            return render_snippet(raw)
    return summary_preview(summary)
