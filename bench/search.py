"""Benchmark the search backends: indexing throughput and query latency over a fixed mix.

Not a test. Builds N synthetic but realistic funding calls (seeded), indexes them into the
SQLite FTS5 backend and (when a server is configured or osmem-server is installed) into
Elasticsearch, and compares query latency with the raw FTS5 floor
``SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 20`` on the same records.

    .venv/bin/python bench/search.py --quick          # 10,000 calls
    .venv/bin/python bench/search.py --json           # 100,000 calls, one JSON object
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Runnable as a script from the checkout (python bench/search.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_data import NOW, PHRASE, RARE_WORD, generate
from bench.search_servers import elasticsearch_target
from indexer.backend import SearchBackend, SearchQuery, SortOrder
from indexer.es_mapping import html_text
from indexer.records import Opportunity

ALL_STATUSES = ("open", "forthcoming", "closed")
BATCH = 1000


@dataclass(frozen=True)
class MixQuery:
    """One query of the fixed mix, and the MATCH expression of its floor."""

    name: str
    query: SearchQuery
    floor_match: str


def query_mix() -> list[MixQuery]:
    """Return the fixed query mix (one word, rare word, phrase, filtered, sorted, deep)."""
    return [
        MixQuery("common word", SearchQuery(text="research", now=NOW), '"research"'),
        MixQuery("rare word", SearchQuery(text=RARE_WORD, now=NOW), f'"{RARE_WORD}"'),
        MixQuery("phrase", SearchQuery(text=f'"{PHRASE}"', now=NOW), f'"{PHRASE}"'),
        MixQuery(
            "filtered+faceted",
            SearchQuery(
                text="water",
                filters={"funder": ("European Commission",), "kind": ("research_grant",)},
                now=NOW,
            ),
            '"water"',
        ),
        MixQuery(
            "sorted by deadline",
            SearchQuery(text="education", sort=SortOrder.DEADLINE, now=NOW),
            '"education"',
        ),
        MixQuery("deep page", SearchQuery(text="research", page=50, now=NOW), '"research"'),
    ]


def with_archive(query: SearchQuery) -> SearchQuery:
    """Return the same query over live and closed calls."""
    filters = {**query.filters, "status": ALL_STATUSES}
    return SearchQuery(**{**_fields(query), "filters": filters})


def _fields(query: SearchQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in query.__dataclass_fields__}


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """Return p50/p95/p99 in milliseconds of samples given in seconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def timed(call: Callable[[], object], reps: int) -> list[float]:
    """Run ``call`` once to warm up, then ``reps`` times; return the durations."""
    call()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def batches(records: Sequence[Opportunity]) -> Iterator[Sequence[Opportunity]]:
    """Yield the records in indexing batches."""
    for start in range(0, len(records), BATCH):
        yield records[start : start + BATCH]


def searcher(backend: SearchBackend, query: SearchQuery) -> Callable[[], object]:
    """Return a no-argument call running one search."""
    return lambda: backend.search(query)


def measure_backend(
    backend: SearchBackend, records: Sequence[Opportunity], reps: int
) -> dict[str, Any]:
    """Index the records, then time the query mix live-only and archive-inclusive."""
    backend.ensure_ready()
    start = time.perf_counter()
    indexed = backend.rebuild(batches(records))
    elapsed = time.perf_counter() - start
    default: list[float] = []
    archive: list[float] = []
    per_query: dict[str, float] = {}
    for mix in query_mix():
        live = timed(searcher(backend, mix.query), reps)
        full = timed(searcher(backend, with_archive(mix.query)), reps)
        default += live
        archive += full
        per_query[mix.name] = percentiles(full)["p95_ms"]
    result: dict[str, Any] = {"index_per_s": round(indexed / elapsed), "indexed": indexed}
    result.update(percentiles(archive))
    result["default_p50_ms"] = percentiles(default)["p50_ms"]
    result["default_p95_ms"] = percentiles(default)["p95_ms"]
    result["archive_p95_ms"] = result["p95_ms"]
    result["archive_p95_by_query_ms"] = per_query
    return result


def floor_query(conn: sqlite3.Connection, sql: str, match: str) -> Callable[[], object]:
    """Return a no-argument call running one raw FTS5 query."""
    return lambda: conn.execute(sql, (match,)).fetchall()


def measure_floor(records: Sequence[Opportunity], path: Path, reps: int) -> dict[str, Any]:
    """Time raw FTS5 MATCH ... ORDER BY bm25 LIMIT 20 on a plain table of the same records."""
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, call_id, programme, keywords, summary,"
        " description, funder, tokenize='porter unicode61 remove_diacritics 2')"
    )
    start = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO f VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    r.title,
                    r.call_id or "",
                    r.programme or "",
                    " ".join(r.keywords),
                    r.summary,
                    html_text(r.description_html),
                    r.funder or "",
                )
                for r in records
            ),
        )
    elapsed = time.perf_counter() - start
    sql = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 20"
    samples: list[float] = []
    for mix in query_mix():
        samples += timed(floor_query(conn, sql, mix.floor_match), reps)
    conn.close()
    return {"index_per_s": round(len(records) / elapsed), **percentiles(samples)}


def run(n: int, reps: int, with_es: bool) -> dict[str, Any]:
    """Run every measurement and return the results object."""
    from indexer.sqlite_fts import SqliteFtsBackend

    records = generate(n)
    results: dict[str, Any] = {"n": n}
    with tempfile.TemporaryDirectory(prefix="grantradar-bench-") as tmp:
        results["fts5_floor"] = measure_floor(records, Path(tmp) / "floor.db", reps)
        sqlite = SqliteFtsBackend(Path(tmp) / "search.db")
        results["sqlite"] = measure_backend(sqlite, records, reps)
        floor = results["fts5_floor"]["p95_ms"]
        results["sqlite"]["ratio_p95_to_floor"] = round(results["sqlite"]["p95_ms"] / floor, 2)
    if with_es:
        with elasticsearch_target(os.environ.get("GRANTRADAR_ELASTICSEARCH_URL", "")) as es:
            if es is not None:
                results["elasticsearch"] = measure_backend(es, records, reps)
    return results


def table(results: dict[str, Any]) -> str:
    """Return the results as one fixed-width table."""
    head = f"{'backend':<14}{'index/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    head += f"{'live p95':>10}{'ratio':>7}"
    lines = [f"n = {results['n']:,}; p50/p95/p99 over the archive-inclusive mix", head]
    for name in ("fts5_floor", "sqlite", "elasticsearch"):
        row = results.get(name)
        if row is None:
            continue
        live = row.get("default_p95_ms", "")
        ratio = row.get("ratio_p95_to_floor", "")
        lines.append(
            f"{name:<14}{row['index_per_s']:>10,}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{live!s:>10}{ratio!s:>7}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print a table or JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=100_000, help="number of calls")
    parser.add_argument("--quick", action="store_true", help="10,000 calls")
    parser.add_argument("--reps", type=int, default=20, help="timed runs per query")
    parser.add_argument("--no-es", action="store_true", help="skip Elasticsearch")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = run(10_000 if args.quick else args.n, args.reps, not args.no_es)
    print(json.dumps(results) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
