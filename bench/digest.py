"""Digest benchmark: 1,000 profiles x 10,000 open calls, all matches and all digests.

Usage: python bench/digest.py [--profiles N] [--calls N] [--workers N] [--json]

Synthetic but shaped like the real thing: calls of ~200 words drawn from the OECD FOS
keyword hints plus filler text, profiles with 3-6 weighted keywords and 1-2 disciplines.
Times: preparing the call index, ranking every profile, building and rendering every
digest. ``--workers 2`` forks after the index is built (the index is shared read-only).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from indexer.records import Deadline, Money, Opportunity, OpportunityKind
from matching import fos
from matching.digest import build_digest, iso_week
from matching.eligibility import CountryGroups, Institution
from matching.index import CallIndex
from matching.profiles import Profile, WeightedTerm
from matching.render import render_digest

TODAY = date(2026, 11, 30)
INSTITUTION = Institution("KG", "Asia/Bishkek", "Bench University", "Kyrgyzstan")
GROUPS = CountryGroups(
    members={
        "EU": frozenset({"DE", "FR", "IT"}),
        "ERASMUS_REGION_6": frozenset({"KG", "KZ", "TJ", "UZ", "TM"}),
        "HE_LMIC": frozenset({"KG", "KZ", "TJ", "UZ"}),
        "ALL": frozenset({"ALL"}),
    },
    names={"ERASMUS_REGION_6": "Erasmus+ Region 6: Central Asia"},
)
FILLER = str.split(
    "project support partners proposal applicants funding activities results impact "
    "consortium objectives outcomes evaluation expected budget innovation cooperation "
    "capacity development sustainable regional international network training researchers"
)
HINTS = [h for f in fos.SUBFIELDS for h in f.hints]
GROUP_CHOICES = (("ERASMUS_REGION_6",), ("HE_LMIC",), ("ALL",), ("EU",), ())
CAP = 12

_INDEX: CallIndex | None = None


def make_calls(n: int, rng: random.Random) -> list[Opportunity]:
    """Return ``n`` synthetic open calls."""
    now = datetime.combine(TODAY, datetime.min.time(), UTC)
    kinds = list(OpportunityKind)
    calls = []
    for i in range(n):
        topic = rng.sample(HINTS, 4)
        words = [*topic, *rng.choices(FILLER, k=12)]
        desc = " ".join(rng.choice((rng.choice(HINTS), *FILLER)) for _ in range(170))
        calls.append(
            Opportunity(
                id=f"bench:{i}",
                source="bench",
                source_key=str(i),
                url=f"https://funder.example/{i}",
                title=f"{topic[0].capitalize()} and {topic[1]} <call {i}>",
                summary=" ".join(rng.sample(words, len(words))),
                description_html=f"<p>{desc}</p>",
                programme=rng.choice(("Erasmus+", "Horizon Europe", "Foundation", None)),
                kind=rng.choice(kinds),
                deadlines=(Deadline(now + timedelta(days=rng.randint(1, 200), hours=15)),),
                eligible_groups=rng.choice(GROUP_CHOICES),
                keywords=tuple(topic[:2]),
                budget_total=Money(Decimal(rng.randint(1, 500) * 10000), "EUR"),
                language="en",
            )
        )
    return calls


def make_profiles(n: int, rng: random.Random) -> list[Profile]:
    """Return ``n`` synthetic profiles."""
    codes = [f.code for f in fos.SUBFIELDS]
    return [
        Profile(
            email=f"person{i}@bench.example",
            name=f"Person {i}",
            terms=tuple(
                WeightedTerm(t, rng.choice((1.0, 1.0, 2.0)))
                for t in rng.sample(HINTS, rng.randint(3, 6))
            ),
            disciplines=tuple(rng.sample(codes, rng.randint(1, 2))),
            kinds=tuple(rng.sample(list(OpportunityKind), 2)),
        )
        for i in range(n)
    ]


def _work(profiles: Sequence[Profile]) -> tuple[int, int, float, float]:
    assert _INDEX is not None
    matches_total, digests, t_rank, t_render = 0, 0, 0.0, 0.0
    week = iso_week(TODAY)
    for profile in profiles:
        t0 = time.perf_counter()
        matches = _INDEX.rank(profile, limit=CAP)
        t1 = time.perf_counter()
        digest = build_digest(
            profile, matches, [], [], week=week, tz="Asia/Bishkek", base_url="https://r.example"
        )
        if digest is not None:
            render_digest(digest)
            digests += 1
        t_rank += t1 - t0
        t_render += time.perf_counter() - t1
        matches_total += len(matches)
    return matches_total, digests, t_rank, t_render


def run(n_profiles: int, n_calls: int, workers: int, seed: int = 7) -> dict[str, Any]:
    """Run the benchmark and return the figures."""
    global _INDEX
    rng = random.Random(seed)
    calls, profiles = make_calls(n_calls, rng), make_profiles(n_profiles, rng)
    start = time.perf_counter()
    _INDEX = CallIndex(calls, institution=INSTITUTION, groups=GROUPS, today=TODAY)
    t_index = time.perf_counter() - start
    chunks = [profiles[i::workers] for i in range(workers)]
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_work, chunks)
    else:
        parts = [_work(chunks[0])]
    total = time.perf_counter() - start
    return {
        "profiles": n_profiles,
        "calls": n_calls,
        "live_calls": len(_INDEX),
        "workers": workers,
        "matches": sum(p[0] for p in parts),
        "digests": sum(p[1] for p in parts),
        "index_s": round(t_index, 2),
        "rank_cpu_s": round(sum(p[2] for p in parts), 2),
        "digest_render_cpu_s": round(sum(p[3] for p in parts), 2),
        "total_wall_s": round(total, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.profiles, args.calls, max(1, args.workers))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
