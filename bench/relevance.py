"""Relevance benchmark: our scoring vs a plain BM25 baseline on a judged set.

Usage: python bench/relevance.py [--set DIR] [--json] [--groups FILE] [--today YYYY-MM-DD]

The set format is described in bench/relevance_set/README.md. Prints nDCG@10 and
precision@5 (a call counts as a hit when judged 1 or 2) for both rankings.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from indexer.records import Opportunity, from_dict
from matching.eligibility import CountryGroups, Institution
from matching.index import CallIndex
from matching.profiles import Profile, profile_from_dict
from matching.text import analyze, strip_tags

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "relevance_set"
DEFAULT_GROUPS = HERE.parent / "config" / "country_groups.toml"
DEFAULT_INSTITUTION = {"country": "KG", "timezone": "Asia/Bishkek", "country_name": "Kyrgyzstan"}
K = 10
P_AT = 5


@dataclass(frozen=True)
class JudgedSet:
    """Profiles, calls and graded judgments (email -> call id -> 0/1/2)."""

    profiles: list[Profile]
    calls: list[Opportunity]
    judgments: dict[str, dict[str, int]]
    today: date
    institution: Institution


def load_set(directory: Path, today: date | None) -> JudgedSet:
    """Read profiles.json, calls.jsonl, judgments.csv and the optional meta.json."""
    meta: dict[str, Any] = {}
    if (directory / "meta.json").is_file():
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    profiles = [profile_from_dict(p) for p in json.loads((directory / "profiles.json").read_text())]
    with (directory / "calls.jsonl").open(encoding="utf-8") as fh:
        calls = [from_dict(json.loads(line)) for line in fh if line.strip()]
    judgments: dict[str, dict[str, int]] = {}
    with (directory / "judgments.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            grade = int(row.get("relevance") or row.get("grade") or 0)
            judgments.setdefault(row["email"], {})[row["call_id"]] = grade
    day = today or date.fromisoformat(meta.get("today") or date.today().isoformat())
    inst = Institution(**{**DEFAULT_INSTITUTION, **meta.get("institution", {})})
    return JudgedSet(profiles, calls, judgments, day, inst)


class Bm25:
    """Plain Okapi BM25 (k1=1.2, b=0.75) over the calls' text, same analyzer as ours."""

    def __init__(self, calls: Sequence[Opportunity], k1: float = 1.2, b: float = 0.75) -> None:
        """Index the calls' title, summary, keywords, programme and description."""
        self.ids = [c.id for c in calls]
        self.docs = [Counter(analyze(_doc_text(c))) for c in calls]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(len(self.docs), 1)
        df: Counter[str] = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def rank(self, query: str, limit: int) -> list[str]:
        """Return the ids of the best ``limit`` calls for a free-text query."""
        terms = analyze(query)
        scores = []
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
            s = sum(
                self.idf[t] * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in terms if t in doc
            )
            if s > 0:
                scores.append((s, self.ids[i]))
        scores.sort(key=lambda pair: (-pair[0], pair[1]))
        return [i for _, i in scores[:limit]]


def _doc_text(opp: Opportunity) -> str:
    parts = [opp.title, opp.summary, " ".join(opp.keywords), opp.programme or ""]
    return " ".join([*parts, strip_tags(opp.description_html)])


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """Return nDCG@k with gains 2^grade - 1 (unjudged calls count as 0)."""
    dcg = sum((2 ** grades.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision(ranked: Sequence[str], grades: Mapping[str, int], k: int = P_AT) -> float:
    """Return precision@k, counting calls judged 1 or 2 as relevant."""
    return sum(1 for c in ranked[:k] if grades.get(c, 0) > 0) / k


def evaluate(judged: JudgedSet, groups: CountryGroups) -> dict[str, Any]:
    """Score both rankings for every profile; return the means and per-profile figures."""
    index = CallIndex(
        judged.calls, institution=judged.institution, groups=groups, today=judged.today
    )
    bm25 = Bm25(judged.calls)
    rows = []
    for profile in judged.profiles:
        grades = judged.judgments.get(profile.email, {})
        ours = [m.id for m in index.rank(profile, limit=K)]
        base = bm25.rank(" ".join(t.text for t in profile.terms), K)
        rows.append(
            {
                "email": profile.email,
                "ours": {"ndcg@10": ndcg(ours, grades), "p@5": precision(ours, grades)},
                "bm25": {"ndcg@10": ndcg(base, grades), "p@5": precision(base, grades)},
            }
        )
    summary = {name: _mean(rows, name) for name in ("ours", "bm25")}
    return {"profiles": len(rows), "calls": len(judged.calls), **summary, "per_profile": rows}


def _mean(rows: list[dict[str, Any]], name: str) -> dict[str, float]:
    n = max(len(rows), 1)
    return {m: round(sum(r[name][m] for r in rows) / n, 4) for m in ("ndcg@10", "p@5")}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, dest="set_dir")
    parser.add_argument("--groups", type=Path, default=DEFAULT_GROUPS)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with args.groups.open("rb") as fh:
        groups = CountryGroups.from_mapping(tomllib.load(fh))
    result = evaluate(load_set(args.set_dir, args.today), groups)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"judged set: {args.set_dir} ({result['profiles']} profiles, {result['calls']} calls)")
    for name in ("ours", "bm25"):
        r = result[name]
        print(f"{name:>5}: nDCG@10 = {r['ndcg@10']:.3f}   P@5 = {r['p@5']:.3f}")
    for row in result["per_profile"]:
        print(
            f"  {row['email']:<28} ours {row['ours']['ndcg@10']:.3f}/{row['ours']['p@5']:.2f}"
            f"  bm25 {row['bm25']['ndcg@10']:.3f}/{row['bm25']['p@5']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
