"""Clean crawled HTML: an allow-list sanitizer and a plain-text extractor.

Crawled HTML is untrusted: everything stored as ``description_html`` goes through
:func:`sanitize_html` first.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt",
        "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s",
        "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
# Dropped together with their content, not just unwrapped.
_DROP_WITH_CONTENT = {"script", "style", "noscript", "template", "iframe", "object", "svg"}
_URL_SCHEMES = {"http", "https", "mailto"}

# Elements whose boundaries separate words in the rendered text.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl",
        "dt", "figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr",
        "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset(_DROP_WITH_CONTENT | {"head", "title"})
# Grants.gov descriptions are sometimes escaped twice ("&amp;nbsp;").
_LEFTOVER_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,5});")
_WHITESPACE = re.compile(r"\s+")
ELLIPSIS = "…"


def sanitize_html(html_text: str) -> str:
    """Return ``html_text`` reduced to a safe allow-list of tags and attributes.

    Scripts, styles and event-handler attributes are removed; links keep ``href`` (http,
    https, mailto only) and get ``rel="noopener nofollow"``.
    """
    if not html_text:
        return ""
    # A lone surrogate (from a broken \ud800 escape in JSON) cannot be encoded as UTF-8.
    html_text = html_text.encode("utf-8", "replace").decode("utf-8")
    return nh3.clean(
        html_text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel="noopener nofollow",
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
    ).strip()


class _TextExtractor(HTMLParser):
    """Collect text nodes, separating block elements and skipping scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def truncate_text(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary so that it fits ``limit`` characters with "…"."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    # Keep a hard cut when the only space is very early (one huge word).
    if space > (limit - 1) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + ELLIPSIS


def html_to_text(html_text: str, limit: int | None = None) -> str:
    """Return the plain text of ``html_text``: entities decoded, whitespace collapsed.

    :param limit: maximum length; longer text is cut at a word boundary and ends in "…".
    """
    if not html_text:
        return ""
    parser = _TextExtractor()
    parser.feed(html_text)
    parser.close()
    text = "".join(parser.parts)
    if _LEFTOVER_ENTITY.search(text):
        text = html.unescape(text)
    text = _WHITESPACE.sub(" ", text.replace("\xa0", " ")).strip()
    return truncate_text(text, limit) if limit is not None else text
