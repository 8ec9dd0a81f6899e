"""An in-memory inverted index over prepared calls, for ranking many profiles fast.

Profile-independent work (tokenizing, eligibility, feasibility, idf) is done once per
call; a profile then only touches the postings of its own terms. Scores are the same as
:func:`matching.scoring.explain` with this corpus' idf: the accumulation below mirrors
:func:`matching.relevance.term_hit`, and the final matches are re-explained for reasons.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from datetime import date

from indexer.records import Opportunity

from .eligibility import CountryGroups, Institution
from .profiles import Profile, Role
from .relevance import PARTIAL_SHARE, PreparedProfile, phrase_tf, prepare_profile, sat
from .scoring import (
    KIND_BOOST,
    KIND_MISS,
    LANGUAGE_MISS,
    PROGRAMME_BOOST,
    Match,
    PreparedCall,
    call_factor,
    explain,
    prepare_call,
)

# The largest multiplier _overlap can give (preferred kind and programme).
MAX_OVERLAP = KIND_BOOST * PROGRAMME_BOOST


class CallIndex:
    """Live, enterable calls for one institution on one day, with postings per stem."""

    def __init__(
        self,
        opps: Iterable[Opportunity],
        *,
        institution: Institution,
        groups: CountryGroups,
        today: date,
    ) -> None:
        """Prepare every call once; closed and ineligible calls are left out."""
        prepared = (
            prepare_call(o, institution=institution, groups=groups, today=today) for o in opps
        )
        self.calls: list[PreparedCall] = [c for c in prepared if c.live]
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, call in enumerate(self.calls):
            for stem, tf in call.text.tf.items():
                self.postings.setdefault(stem, []).append((i, sat(tf)))
        n = len(self.calls)
        self._idf = {
            s: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for s, p in self.postings.items()
        }
        self._ids: dict[str, frozenset[int]] = {}
        self._phrases: dict[tuple[str, ...], tuple[frozenset[int], dict[int, float]]] = {}
        self._factors: dict[tuple[Role, ...], list[float]] = {}

    def __len__(self) -> int:
        """Return the number of live, enterable calls."""
        return len(self.calls)

    def idf(self, stem: str) -> float:
        """Return the corpus idf of a stem (BM25 form, always positive)."""
        return self._idf.get(stem, 0.0)

    def rank(self, profile: Profile | PreparedProfile, *, limit: int | None = None) -> list[Match]:
        """Return the profile's matches, best first, at most ``limit`` of them."""
        prepared = profile if isinstance(profile, PreparedProfile) else prepare_profile(profile)
        acc, strong = self._accumulate(prepared)
        factors = self._call_factors(prepared.profile.roles)
        muted, calls = prepared.profile.muted, self.calls
        base = [(acc[i] * factors[i], i) for i in strong if calls[i].opp.id not in muted]
        if limit is not None:
            base = self._prune(base, limit, prepared)
        scored = [(b * self._overlap(calls[i], prepared), i) for b, i in base]
        # Ties are common (one hint word in a description): order them like the final sort.
        scored.sort(key=lambda pair: (-round(pair[0], 4), calls[pair[1]].opp.id))
        top = scored[:limit] if limit is not None else scored
        matches = [m for _, i in top if (m := explain(calls[i], prepared, self.idf))]
        matches.sort(key=lambda m: (-m.score, m.opportunity.id))
        return matches

    def _accumulate(self, prepared: PreparedProfile) -> tuple[dict[int, float], set[int]]:
        acc: dict[int, float] = {}
        strong: set[int] = set()
        get = acc.get
        for term in prepared.terms:
            stems = term.stems
            if len(stems) == 1:
                c = term.weight * self.idf(stems[0])
                for i, s in self.postings.get(stems[0], ()):
                    acc[i] = get(i, 0.0) + c * s
                strong.update(self.ids(stems[0]))
                continue
            share = PARTIAL_SHARE * term.weight / len(stems)
            for stem in stems:
                c = share * self.idf(stem)
                for i, s in self.postings.get(stem, ()):
                    acc[i] = get(i, 0.0) + c * s
            full, exact = self._phrase(stems)
            strong |= full
            mean_idf = term.weight * sum(self.idf(s) for s in stems) / len(stems)
            for i, s in exact.items():
                acc[i] += mean_idf * s
        return acc, strong

    def _phrase(self, stems: tuple[str, ...]) -> tuple[frozenset[int], dict[int, float]]:
        # Calls holding every word of a phrase, and sat(tf) of its exact occurrences.
        # Cached: discipline hints and popular phrases recur across many profiles.
        found = self._phrases.get(stems)
        if found is None:
            full = frozenset.intersection(*sorted((self.ids(s) for s in stems), key=len))
            exact = {}
            for i in full:
                ptf, _ = phrase_tf(self.calls[i].text, stems)
                if ptf:
                    exact[i] = sat(ptf)
            found = self._phrases[stems] = (full, exact)
        return found

    def ids(self, stem: str) -> frozenset[int]:
        """Return the indexes of the calls that contain a stem."""
        found = self._ids.get(stem)
        if found is None:
            found = frozenset(i for i, _ in self.postings.get(stem, ()))
            self._ids[stem] = found
        return found

    def _call_factors(self, roles: tuple[Role, ...]) -> list[float]:
        key = tuple(sorted(roles))
        if key not in self._factors:
            self._factors[key] = [call_factor(c, roles) for c in self.calls]
        return self._factors[key]

    def _prune(
        self, base: list[tuple[float, int]], limit: int, prepared: PreparedProfile
    ) -> list[tuple[float, int]]:
        # Overlaps multiply a score by at most MAX_OVERLAP / MIN_OVERLAP, so a call whose
        # best case is below the limit-th score among the top by base cannot make the cut.
        if len(base) <= limit:
            return base
        top = heapq.nlargest(limit, base)
        floor = min(b * self._overlap(self.calls[i], prepared) for b, i in top)
        return [(b, i) for b, i in base if b * MAX_OVERLAP >= floor]

    @staticmethod
    def _overlap(call: PreparedCall, prepared: PreparedProfile) -> float:
        # Mirrors scoring.overlap_factor without building reason strings (hot loop).
        opp, factor = call.opp, 1.0
        if prepared.kinds:
            factor *= KIND_BOOST if opp.kind in prepared.kinds else KIND_MISS
        if prepared.programmes and opp.programme:
            programme = opp.programme.casefold()
            if any(p in programme or programme in p for p in prepared.programmes):
                factor *= PROGRAMME_BOOST
        languages = prepared.profile.languages
        if languages and opp.language and opp.language.lower() not in languages:
            factor *= LANGUAGE_MISS
        return factor
