"""Pure query builders for the SQLite FTS5 backend: user text -> MATCH, SearchQuery -> SQL.

Nothing here touches a database; :mod:`indexer.sqlite_fts` executes what these build.

Text semantics (Elasticsearch mirrors them):

- Words are AND-ed: every word must occur (stemmed, case and accent insensitive).
- ``"quoted words"`` must occur as an exact phrase (after stemming).
- ``-word`` or ``-"a phrase"`` excludes records that contain it.
- A word joined by punctuation (``R01-cancer``, ``e-mail``) is searched as the phrase of its
  parts, the way the tokenizer indexed it.
- English stop words (which include ``and``, ``or``, ``not``) are dropped from single words:
  boolean operators are not supported, so ``AND``/``OR``/``NOT`` never change a search.
- Anything else (``*``, ``()``, ``:``, ``^``, stray quotes) is punctuation and ignored.
- No words left = browse: every record that passes the filters.
- No prefix matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from indexer.backend import CLOSING_BUCKETS, SearchQuery, SortOrder
from indexer.fts_rows import to_micros
from indexer.records import OpportunityStatus

# Word characters as FTS5's unicode61 tokenizer sees them (letters and digits; "_" separates).
_WORD = re.compile(r"[^\W_]+")
# A quoted phrase (optionally negated) or a run of non-space characters.
_CHUNK = re.compile(r'(-?)"([^"]*)"|(\S+)')

# Bounds that keep hostile input cheap: longer text is cut, extra words are dropped.
MAX_TEXT_CHARS = 1000
MAX_ITEMS = 24

# Lucene's English stop-word list, so both backends ignore the same words.
# fmt: off
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
})
# fmt: on

# The FTS columns, in order; ``url`` is stored for display only.
FTS_COLUMNS = ("title", "call_id", "programme", "keywords", "summary", "body", "funder", "url")
# bm25 weights, one per column above: title counts most, funder least.
BM25_WEIGHTS = (10.0, 8.0, 5.0, 4.0, 3.0, 1.5, 1.0, 0.0)
SUMMARY_COLUMN = FTS_COLUMNS.index("summary")
BODY_COLUMN = FTS_COLUMNS.index("body")

# Partitions: live calls in "hot" tables, closed calls in "archive" tables (same schema).
PARTITIONS: dict[str, frozenset[str]] = {
    "hot": frozenset({OpportunityStatus.OPEN.value, OpportunityStatus.FORTHCOMING.value}),
    "archive": frozenset({OpportunityStatus.CLOSED.value}),
}
PARTITION_NAMES = tuple(PARTITIONS)


# Filter keys held in the metadata table; the rest live in the tag side table.
_META_FILTERS = {
    "funder": "funder",
    "programme": "programme",
    "kind": "kind",
    "language": "language",
    "source": "source",
}
TAG_FILTERS = {"eligible_group": "g", "eligible_country": "c"}
FACET_COLUMNS = ("funder", "programme", "kind", "status")


@dataclass(frozen=True, slots=True)
class ParsedText:
    """User text split into required words, required phrases and excluded words/phrases.

    Phrases and exclusions are space-joined words; everything is lower case.
    """

    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def has_positive(self) -> bool:
        """Return whether anything must match (else the search browses)."""
        return bool(self.terms or self.phrases)


def parse(text: str) -> ParsedText:
    """Split raw user text into terms, phrases and exclusions; never raises."""
    terms: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    for match in _CHUNK.finditer((text or "")[:MAX_TEXT_CHARS]):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            quoted = bare[1:] if negated else bare
        words = _WORD.findall(quoted.lower())
        if not words or len(terms) + len(phrases) + len(excluded) >= MAX_ITEMS:
            continue
        item = " ".join(words)
        if negated:
            target = excluded
        elif len(words) > 1 or bare is None:
            target = phrases
        elif item in STOP_WORDS:
            continue
        else:
            target = terms
        if item not in target:
            target.append(item)
    return ParsedText(tuple(terms), tuple(phrases), tuple(excluded))


def _quote(item: str) -> str:
    # Items hold only word characters and spaces, so a quoted FTS5 string is always valid.
    return f'"{item}"'


def match_expression(parsed: ParsedText) -> str | None:
    """Return the FTS5 MATCH string for the parsed text, or None when nothing must match."""
    if not parsed.has_positive:
        return None
    positive = " AND ".join(_quote(i) for i in (*parsed.terms, *parsed.phrases))
    negative = exclusion_expression(parsed)
    return f"({positive}) NOT ({negative})" if negative else positive


def exclusion_expression(parsed: ParsedText) -> str | None:
    """Return an FTS5 MATCH string for any excluded item, or None when nothing is excluded."""
    return " OR ".join(_quote(i) for i in parsed.excluded) or None


def partitions_for(query: SearchQuery) -> tuple[str, ...]:
    """Return the partitions a query searches: the live one unless closed calls are asked for."""
    statuses = set(query.statuses())
    chosen = tuple(name for name, held in PARTITIONS.items() if statuses & held)
    # Unknown status values alone: search the hot tables, where the status filter empties it.
    return chosen or ("hot",)


def next_deadline_sql(partition: str) -> str:
    """Return the SQL expression for a row's next deadline at or after ``:now`` (or NULL).

    The first/last deadline columns answer most rows without touching the deadline table.
    """
    return (
        "CASE WHEN x.first_at >= :now THEN x.first_at"
        " WHEN x.last_at IS NULL OR x.last_at < :now THEN NULL"
        f" ELSE (SELECT min(d.at) FROM {partition}_deadline d"
        " WHERE d.rid = x.rid AND d.at >= :now) END"
    )


def _in_list(column: str, name: str, values: tuple[str, ...], params: dict[str, object]) -> str:
    names = []
    for index, value in enumerate(values):
        params[f"{name}_{index}"] = value
        names.append(f":{name}_{index}")
    return f"{column} IN ({', '.join(names)})"


def _filter_conditions(query: SearchQuery, partition: str, params: dict[str, object]) -> list[str]:
    """Return the WHERE conditions on the metadata row ``x`` (values OR-ed within a key)."""
    conditions: list[str] = []
    for key, values in sorted(query.filters.items()):
        values = tuple(values)
        if not values:
            continue
        if key in _META_FILTERS:
            conditions.append(_in_list(f"x.{_META_FILTERS[key]}", f"f_{key}", values, params))
        elif key in TAG_FILTERS:
            params[f"t_{key}"] = TAG_FILTERS[key]
            inner = _in_list("t.value", f"f_{key}", values, params)
            conditions.append(
                f"EXISTS (SELECT 1 FROM {partition}_tag t WHERE t.rid = x.rid"
                f" AND t.key = :t_{key} AND {inner})"
            )
        elif key == "status" and not PARTITIONS[partition] <= set(values):
            conditions.append(_in_list("x.status", "f_status", values, params))
    # Amounts are compared as numbers whatever their currency: nothing is converted.
    if query.budget_min is not None:
        params["budget_min"] = float(query.budget_min)
        conditions.append("x.budget >= :budget_min")
    if query.budget_max is not None:
        params["budget_max"] = float(query.budget_max)
        conditions.append("x.budget <= :budget_max")
    return conditions


def _arm(
    query: SearchQuery,
    partition: str,
    match: str | None,
    exclude: str | None,
    params: dict[str, object],
) -> str:
    """Return one partition's SELECT of matching rows with their sort and facet columns."""
    index = PARTITION_NAMES.index(partition)
    fts = f"{partition}_fts"
    ranked = match is not None and query.sort is SortOrder.RELEVANCE
    score = f"bm25({fts}, {', '.join(map(str, BM25_WEIGHTS))})" if ranked else "0.0"
    conditions = _filter_conditions(query, partition, params)
    if match is not None:
        source = f"{fts} JOIN {partition}_meta x ON x.rid = {fts}.rowid"
        conditions.insert(0, f"{fts} MATCH :match")
    else:
        source = f"{partition}_meta x"
        if exclude is not None:
            conditions.append(f"x.rid NOT IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :exclude)")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT {index} AS part, x.rid AS rid, x.id AS id, {score} AS score,"
        f" {next_deadline_sql(partition)} AS nd, x.posted AS posted, x.funder AS funder,"
        f" x.programme AS programme, x.kind AS kind, x.status AS status FROM {source}{where}"
    )


def _deadline_conditions(query: SearchQuery, now: datetime, params: dict[str, object]) -> str:
    """Return conditions on the next deadline ``nd`` (dates are whole UTC days)."""
    conditions = []
    if query.deadline_from is not None:
        params["deadline_from"] = to_micros(datetime.combine(query.deadline_from, time.min, UTC))
        conditions.append("nd >= :deadline_from")
    if query.deadline_to is not None:
        day_after = datetime.combine(query.deadline_to, time.min, UTC) + timedelta(days=1)
        params["deadline_to"] = to_micros(day_after)
        conditions.append("nd < :deadline_to")
    if query.closing_within_days is not None:
        params["closing_within"] = to_micros(now + timedelta(days=query.closing_within_days))
        conditions.append("nd <= :closing_within")
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def order_by(
    sort: SortOrder, ranked: bool, id_column: str = "id", part_column: str = "part"
) -> str:
    """Return the ORDER BY terms over the match set (ties broken by id, then partition)."""
    tie = f"{id_column}, {part_column}"
    if sort is SortOrder.NEWEST:
        return f"posted DESC NULLS LAST, nd NULLS LAST, {tie}"
    if sort is SortOrder.RELEVANCE and ranked:
        return f"score, nd NULLS LAST, {tie}"
    # Relevance without words to rank by falls back to the deadline order.
    return f"nd NULLS LAST, {tie}"


def page_bounds(query: SearchQuery) -> tuple[int, int]:
    """Return the effective (page, per_page): both at least 1."""
    return max(1, query.page), max(1, query.per_page)


# The match set of one search, per connection: page and facets are both read from it.
MATCHES_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS fts_matches (part INTEGER, rid INTEGER, id TEXT,"
    " score REAL, nd INTEGER, posted INTEGER, funder TEXT, programme TEXT, kind TEXT,"
    " status TEXT)"
)
CLEAR_MATCHES = "DELETE FROM temp.fts_matches"
# Joins facet values in one pass (no sort per facet); rows strip control characters.
FACET_SEPARATOR = "\x1f"


def build(query: SearchQuery, *, now: datetime) -> tuple[str, dict[str, object]]:
    """Build the statement that fills ``temp.fts_matches`` with every matching record.

    Columns: partition index, rid, id, score (bm25, lower is better; 0 when unranked),
    next deadline (epoch microseconds or NULL), posted, funder, programme, kind, status.
    """
    parsed = parse(query.text)
    match, exclude = match_expression(parsed), exclusion_expression(parsed)
    params: dict[str, object] = {"now": to_micros(now)}
    if match is not None:
        params["match"] = match
    elif exclude is not None:
        params["exclude"] = exclude
    arms = " UNION ALL ".join(
        _arm(query, partition, match, exclude, params) for partition in partitions_for(query)
    )
    where = _deadline_conditions(query, now, params)
    return f"INSERT INTO temp.fts_matches SELECT * FROM ({arms}){where}", params


def page_sql(query: SearchQuery) -> tuple[str, dict[str, object]]:
    """Build the query of one page of ``temp.fts_matches``: (partition, rid, score) rows."""
    ranked = match_expression(parse(query.text)) is not None
    page, per_page = page_bounds(query)
    sql = (
        "SELECT part, rid, score FROM temp.fts_matches"
        f" ORDER BY {order_by(query.sort, ranked)} LIMIT :limit OFFSET :offset"
    )
    return sql, {"limit": per_page, "offset": (page - 1) * per_page}


def facets_sql(now: datetime) -> tuple[str, dict[str, object]]:
    """Build the one-row query of the total, joined facet values and closing counts.

    Columns: total, then funder/programme/kind/status values joined with
    :data:`FACET_SEPARATOR`, then the count of next deadlines within 7/30/90 days of now.
    """
    params: dict[str, object] = {"separator": FACET_SEPARATOR}
    columns = ["count(*)"]
    columns += [f"group_concat({column}, :separator)" for column in FACET_COLUMNS]
    for days in CLOSING_BUCKETS:
        params[f"closing_{days}"] = to_micros(now + timedelta(days=days))
        columns.append(f"count(CASE WHEN nd <= :closing_{days} THEN 1 END)")
    return f"SELECT {', '.join(columns)} FROM temp.fts_matches", params


# How many words "similar" looks at and how many of the rarest it ORs together.
SIMILAR_CANDIDATES = 24
SIMILAR_TERMS = 10


def similar_candidates(title: str, keywords: str, summary: str) -> tuple[str, ...]:
    """Return the candidate words of a record for "similar": title and keywords first.

    Stop words, words shorter than three letters and bare numbers are left out.
    """
    seen: dict[str, None] = {}
    for text in (title, keywords, summary):
        for word in _WORD.findall((text or "").lower()):
            if len(word) >= 3 and not word.isdigit() and word not in STOP_WORDS:
                seen.setdefault(word)
    return tuple(seen)[:SIMILAR_CANDIDATES]


def similar_expression(words: tuple[str, ...]) -> str | None:
    """Return an FTS5 MATCH string that any of the words satisfies, or None without words."""
    return " OR ".join(_quote(w) for w in words) or None
