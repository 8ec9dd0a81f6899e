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
- A single word also matches by its Russian or Turkish stem (see :mod:`indexer.stems`):
  ``стипендия`` finds ``стипендии``, ``burs`` finds ``bursları``. Phrases and exclusions
  stay exact.
- No prefix matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from indexer.backend import CLOSING_BUCKETS, SearchQuery, SortOrder
from indexer.fts_rows import to_micros
from indexer.records import OpportunityStatus
from indexer.stems import query_stem

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

# The FTS columns, in order; ``url`` is stored for display only; ``stems`` holds the stems
# of the record's Russian and Turkish words (see :mod:`indexer.stems`).
FTS_COLUMNS = (
    "title",
    "call_id",
    "programme",
    "keywords",
    "summary",
    "body",
    "funder",
    "url",
    "stems",
)
# bm25 weights, one per column above: title counts most, funder least; a match by another
# word form counts little.
BM25_WEIGHTS = (10.0, 8.0, 5.0, 4.0, 3.0, 1.5, 1.0, 0.0, 2.0)
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


def term_expression(term: str) -> str:
    """Return the MATCH string of one word: the word itself, or its stem when that differs.

    The word alone already matches a ``stems`` column holding it; an OR costs FTS5 about
    as much again on common words, so it is added only when the stem is another token.
    """
    stem = query_stem(term)
    if stem is None or stem == term:
        return _quote(term)
    return f"({_quote(term)} OR stems : {_quote(stem)})"


def match_expression(parsed: ParsedText) -> str | None:
    """Return the FTS5 MATCH string for the parsed text, or None when nothing must match."""
    if not parsed.has_positive:
        return None
    items = [term_expression(t) for t in parsed.terms] + [_quote(p) for p in parsed.phrases]
    positive = " AND ".join(items)
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


def next_deadline_sql(partition: str, row: str = "x") -> str:
    """Return the SQL expression for a row's next deadline at or after ``:now`` (or NULL).

    ``row`` is the alias of a metadata or facet row. The first/last deadline columns
    answer most rows without touching the deadline table.
    """
    return (
        f"CASE WHEN {row}.first_at >= :now THEN {row}.first_at"
        f" WHEN {row}.last_at IS NULL OR {row}.last_at < :now THEN NULL"
        f" ELSE (SELECT min(d.at) FROM {partition}_deadline d"
        f" WHERE d.rid = {row}.rid AND d.at >= :now) END"
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


def source_sql(
    query: SearchQuery,
    partition: str,
    parsed: ParsedText,
    now: datetime,
    params: dict[str, object],
    *,
    meta: bool = True,
    facet: bool = False,
) -> str:
    """Return one partition's ``FROM ... WHERE ...`` of matching rows.

    The metadata row is ``x`` (joined when ``meta`` or when a condition needs it); with
    ``facet`` the narrow facet row ``n`` is joined too and deadline conditions use it.
    """
    fts = f"{partition}_fts"
    match, exclude = match_expression(parsed), exclusion_expression(parsed)
    conditions = _filter_conditions(query, partition, params)
    row = "n" if facet else "x"
    dated = _deadline_conditions(query, partition, now, params, row)
    rows = [("n", f"{partition}_facet")] if facet else []
    if meta or conditions or (dated and not facet) or not (match or facet):
        rows.append(("x", f"{partition}_meta"))
    if match is not None:
        params["match"] = match
        conditions.insert(0, f"{fts} MATCH :match")
        first, key = fts, f"{fts}.rowid"
    else:
        (alias, table), rows = rows[0], rows[1:]
        first, key = f"{table} {alias}", f"{alias}.rid"
        if exclude is not None:
            params["exclude"] = exclude
            conditions.append(f"{key} NOT IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :exclude)")
    joins = "".join(f" JOIN {table} {alias} ON {alias}.rid = {key}" for alias, table in rows)
    where = f" WHERE {' AND '.join(conditions + dated)}" if conditions or dated else ""
    return f" FROM {first}{joins}{where}"


def _deadline_conditions(
    query: SearchQuery, partition: str, now: datetime, params: dict[str, object], row: str
) -> list[str]:
    """Return conditions on the next deadline of ``row`` (dates are whole UTC days)."""
    nd = f"({next_deadline_sql(partition, row)})"
    conditions = []
    if query.deadline_from is not None:
        params["deadline_from"] = to_micros(datetime.combine(query.deadline_from, time.min, UTC))
        conditions.append(f"{nd} >= :deadline_from")
    if query.deadline_to is not None:
        day_after = datetime.combine(query.deadline_to, time.min, UTC) + timedelta(days=1)
        params["deadline_to"] = to_micros(day_after)
        conditions.append(f"{nd} < :deadline_to")
    if query.closing_within_days is not None:
        params["closing_within"] = to_micros(now + timedelta(days=query.closing_within_days))
        conditions.append(f"{nd} <= :closing_within")
    return conditions


def order_by(
    sort: SortOrder, ranked: bool, id_column: str = "id", part_column: str = "part"
) -> str:
    """Return the ORDER BY terms of a page (ties broken by id, then partition)."""
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


def page_sql(query: SearchQuery) -> tuple[str, dict[str, object]]:
    """Build the ORDER BY ... LIMIT ... OFFSET clause of one page, and its parameters."""
    ranked = match_expression(parse(query.text)) is not None
    page, per_page = page_bounds(query)
    sql = f" ORDER BY {order_by(query.sort, ranked)} LIMIT :limit OFFSET :offset"
    return sql, {"limit": per_page, "offset": (page - 1) * per_page}


def build(query: SearchQuery, *, now: datetime) -> tuple[str, dict[str, object]]:
    """Build the query of one page of matching records: rows start (partition, rid, score).

    Score is bm25 (lower is better) when sorting by relevance with words, else 0: FTS5
    scores every matching row, so other sorts skip it. Each partition is its own arm of a
    compound SELECT: SQLite sorts each arm with the LIMIT and merges them.
    """
    parsed = parse(query.text)
    scored = parsed.has_positive and query.sort is SortOrder.RELEVANCE
    params: dict[str, object] = {"now": to_micros(now)}
    arms = []
    for partition in partitions_for(query):
        index = PARTITION_NAMES.index(partition)
        fts = f"{partition}_fts"
        score = f"bm25({fts}, {', '.join(map(str, BM25_WEIGHTS))})" if scored else "0.0"
        columns = f"{index} AS part, x.rid AS rid, {score} AS score, x.id AS id"
        columns += f", {next_deadline_sql(partition)} AS nd"
        if query.sort is SortOrder.NEWEST:
            columns += ", x.posted AS posted"
        arms.append(f"SELECT {columns}{source_sql(query, partition, parsed, now, params)}")
    order, page_params = page_sql(query)
    params.update(page_params)
    return " UNION ALL ".join(arms) + order, params


def facets_sql(query: SearchQuery, *, now: datetime) -> tuple[str, dict[str, object]]:
    """Build the query of the facets of every matching record, one row a partition.

    Columns: the concatenated ``facets`` columns (see :mod:`indexer.fts_facets`; their
    length gives the total), and one character per record whose next deadline falls in a
    closing bucket: the bucket's index in :data:`CLOSING_BUCKETS` as ``a``, ``b``, ...
    Both are NULL without rows. Few aggregates: each costs a step per matching row.
    """
    parsed = parse(query.text)
    params: dict[str, object] = {"now": to_micros(now)}
    for days in CLOSING_BUCKETS:
        params[f"closing_{days}"] = to_micros(now + timedelta(days=days))
    selects = []
    for partition in partitions_for(query):
        nd = next_deadline_sql(partition, "n")
        buckets = " ".join(
            f"WHEN {nd} <= :closing_{days} THEN '{chr(ord('a') + i)}'"
            for i, days in enumerate(CLOSING_BUCKETS)
        )
        # Rows whose deadlines are all past (most of the archive) stop at one compare.
        closing = f"group_concat(CASE WHEN n.last_at >= :now THEN CASE {buckets} END END, '')"
        source = source_sql(query, partition, parsed, now, params, meta=False, facet=True)
        selects.append(f"SELECT group_concat(n.facets, ''), {closing}{source}")
    return " UNION ALL ".join(selects), params


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
