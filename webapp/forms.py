"""Forms and request-argument parsing: turn what a browser sent into typed values.

Search state lives entirely in the query string (q, funder, programme, kind, status,
closing, sort, page) so every result page can be bookmarked and shared. Bad values fall
back to defaults; they never raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlencode

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from indexer.backend import CLOSING_BUCKETS, SearchQuery, SortOrder
from indexer.records import OpportunityKind, OpportunityStatus

PER_PAGE = 20
MAX_PAGE = 500  # deeper pages are never useful and cost the backend a long OFFSET
MAX_TEXT = 500
MAX_VALUES = 20
MAX_VALUE_LENGTH = 200
FILTER_ARGS = ("funder", "programme", "kind", "status", "closing")


class LoginForm(FlaskForm):
    """E-mail and password, plus where to go afterwards."""

    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()
    submit = SubmitField("Sign in")


def _values(
    args: MultiDict[str, str], key: str, allowed: Iterable[str] | None = None
) -> tuple[str, ...]:
    """Return the distinct, trimmed, non-empty values of a repeated argument."""
    allowed_set = set(allowed) if allowed is not None else None
    seen: list[str] = []
    for raw in args.getlist(key)[:MAX_VALUES]:
        value = raw.strip()[:MAX_VALUE_LENGTH]
        if value and value not in seen and (allowed_set is None or value in allowed_set):
            seen.append(value)
    return tuple(seen)


def _int(text: str | None, default: int, lo: int, hi: int) -> int:
    try:
        value = int(text or "")
    except ValueError:
        return default
    return value if lo <= value <= hi else default


def parse_search_args(
    args: MultiDict[str, str], *, now: datetime, per_page: int = PER_PAGE
) -> SearchQuery:
    """Build a SearchQuery from request arguments, ignoring anything malformed."""
    filters: dict[str, tuple[str, ...]] = {}
    for key, allowed in (
        ("funder", None),
        ("programme", None),
        ("kind", [k.value for k in OpportunityKind]),
        ("status", [s.value for s in OpportunityStatus]),
    ):
        values = _values(args, key, allowed)
        if values:
            filters[key] = values
    closing = _int(args.get("closing"), 0, 1, 366)
    sort_text = (args.get("sort") or "").strip()
    sort = SortOrder(sort_text) if sort_text in SortOrder.__members__.values() else None
    return SearchQuery(
        text=(args.get("q") or "").strip()[:MAX_TEXT],
        filters=filters,
        closing_within_days=closing if closing in CLOSING_BUCKETS else None,
        sort=sort or SortOrder.RELEVANCE,
        page=_int(args.get("page"), 1, 1, MAX_PAGE),
        per_page=per_page,
        now=now,
    )


def query_args(query: SearchQuery) -> list[tuple[str, str]]:
    """Return the canonical query-string pairs of a parsed search (defaults left out)."""
    pairs: list[tuple[str, str]] = []
    if query.text:
        pairs.append(("q", query.text))
    for key in ("funder", "programme", "kind", "status"):
        pairs.extend((key, value) for value in query.filters.get(key, ()))
    if query.closing_within_days:
        pairs.append(("closing", str(query.closing_within_days)))
    if query.sort is not SortOrder.RELEVANCE:
        pairs.append(("sort", query.sort.value))
    if query.page > 1:
        pairs.append(("page", str(query.page)))
    return pairs


class SearchLinks:
    """Build the links of a result page from its canonical arguments."""

    def __init__(self, base_url: str, pairs: Sequence[tuple[str, str]]) -> None:
        self.base_url = base_url
        self.pairs = list(pairs)

    def _url(self, pairs: Iterable[tuple[str, str]]) -> str:
        encoded = urlencode(list(pairs))
        return f"{self.base_url}?{encoded}" if encoded else self.base_url

    def is_active(self, key: str, value: str) -> bool:
        """Return whether this filter value is selected."""
        return (key, value) in self.pairs

    def toggle(self, key: str, value: str) -> str:
        """Return the link that adds or removes one filter value (back to page 1)."""
        kept = [p for p in self.pairs if p[0] != "page" and p != (key, value)]
        if not self.is_active(key, value):
            kept.append((key, value))
        return self._url(kept)

    def replace(self, key: str, value: str | None) -> str:
        """Return the link with one single-valued argument set (or removed when None)."""
        kept = [p for p in self.pairs if p[0] != key and (key == "page" or p[0] != "page")]
        if value is not None:
            kept.append((key, value))
        return self._url(kept)

    def page(self, number: int) -> str:
        """Return the link to another page of the same results."""
        return self.replace("page", str(number) if number > 1 else None)

    def has_filters(self) -> bool:
        """Return whether any filter (not the text or the sort) is set."""
        return any(key in FILTER_ARGS for key, _ in self.pairs)

    def cleared(self) -> str:
        """Return the link to the same text search without any filter."""
        return self._url([p for p in self.pairs if p[0] in ("q", "sort")])

    def hidden_fields(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """Return the pairs a form must carry so submitting it keeps these arguments."""
        wanted = set(keys)
        return [p for p in self.pairs if p[0] in wanted]


def facet_label(key: str, value: str, names: Mapping[str, str] | None = None) -> str:
    """Return the words shown for a facet value."""
    if key == "closing":
        return f"within {value} days"
    if key == "status" and value == OpportunityStatus.CLOSED.value:
        return "Closed (archive)"
    if key in ("kind", "status"):
        words = value.replace("_", " ")
        return words[:1].upper() + words[1:]
    return (names or {}).get(value, value)
