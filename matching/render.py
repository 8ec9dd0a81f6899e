"""Render a digest as an e-mail subject, mobile-friendly HTML (inline CSS) and plain text.

Signed links are the web app's business: the unsubscribe and profile links default to
placeholders that the caller replaces (or the caller passes the real URLs).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .digest import Digest, Section
from .feasibility import days_phrase

UNSUBSCRIBE_PLACEHOLDER = "%%UNSUBSCRIBE_URL%%"
PROFILE_PLACEHOLDER = "%%PROFILE_URL%%"
MATCHES_PATH = "/matches"

SECTION_TITLES = {
    Section.CLOSING: "Closing soon",
    Section.CHANGES: "Changes to calls you follow",
    Section.MATCHES: "New matches for you",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("matching", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def digest_subject(digest: Digest, brand: str = "GrantRadar") -> str:
    """Return the subject line with the count of each section."""
    words = {
        Section.MATCHES: ("new match", "new matches"),
        Section.CLOSING: ("closing soon", "closing soon"),
        Section.CHANGES: ("change", "changes"),
    }
    parts = []
    for section, (one, many) in words.items():
        n = len(digest.section(section))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return f"{brand} {digest.week}: {', '.join(parts)}"


def render_digest(
    digest: Digest,
    *,
    unsubscribe_url: str = UNSUBSCRIBE_PLACEHOLDER,
    profile_url: str = PROFILE_PLACEHOLDER,
    brand: str = "GrantRadar",
) -> tuple[str, str, str]:
    """Return ``(subject, html, text)`` for a digest; titles and reasons are escaped in HTML."""
    subject = digest_subject(digest, brand)
    sections = [
        (section, SECTION_TITLES[section], items)
        for section in Section
        if (items := digest.section(section))
    ]
    context = {
        "digest": digest,
        "subject": subject,
        "brand": brand,
        "greeting": f"Hello {digest.name}," if digest.name else "Hello,",
        "sections": sections,
        "days_phrase": days_phrase,
        "unsubscribe_url": unsubscribe_url,
        "profile_url": profile_url,
        "matches_url": digest.base_url.rstrip("/") + MATCHES_PATH,
    }
    env = _environment()
    html = env.get_template("digest.html").render(context)
    text = env.get_template("digest.txt").render(context)
    return subject, html, text
