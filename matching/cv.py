"""Key phrases from a pasted CV or publication list, to seed a new profile.

N-gram statistics over runs of content words: text is cut at punctuation, digits,
stopwords and CV boilerplate ("journal", "vol", "university"...), then 1-3 word n-grams are
counted within the runs. Phrases that recur score highest; longer phrases get a bonus and
absorb the shorter ones they contain.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .text import STOPWORDS, stem

_CHUNK = re.compile(r"[.,;:()\[\]{}\"“”«»!?|/\\•·–—\n\t*#]+|\s-\s|\d+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)

# Words that fill CVs and reference lists but say nothing about research interests.
CV_STOPWORDS = frozenset(
    str.split(
        """
    university universities department faculty institute school college professor
    associate assistant lecturer senior dr phd ph msc bsc ba ma doctor candidate journal
    journals vol volume pp pages issue proceedings conference conferences international
    national annual workshop symposium press publisher publishing published publication
    publications paper papers article articles chapter book books edited editor editors
    eds et al doi isbn issn http https www org com edu email mail phone tel curriculum
    vitae cv resume present current year years month january february march april may june
    july august september october november december research researcher study studies
    project projects work working experience member head role responsible teaching taught
    course courses skills languages english russian kyrgyz fluent native level award
    awards interests interest grant grants fellowship science sciences scientific abstract
    keywords approach analysis results towards toward case new role impact effect effects using
    университет кафедра факультет журнал том выпуск конференция статья
    """
    )
)
_IGNORED = STOPWORDS | CV_STOPWORDS
# Author names in reference lists: "Bekova A.", "Bekova, A. B.", "A. Bekova".
_NAME_BEFORE_INITIALS = re.compile(r"\b([A-ZА-ЯЁ][\w'-]+),?\s+(?:[A-ZА-ЯЁ]\.\s*){1,2}")
_NAME_AFTER_INITIALS = re.compile(r"\b(?:[A-ZА-ЯЁ]\.\s*){1,2}([A-ZА-ЯЁ][\w'-]{2,})")
_MAX_N = 3
_LENGTH_BONUS = {1: 1.0, 2: 1.8, 3: 2.2}


@dataclass(frozen=True, slots=True)
class KeyPhrase:
    """A candidate phrase with how often it occurred and its score."""

    text: str
    count: int
    score: float


# "A. Bekova" is a name only where a name can start: not right after a surname's initials
# ("Bekova N. Glacier melt..." is a surname, initials, then the title).
_NAME_START = re.compile(r"(?:^|[,;&(]|\band|\bи)\s*$", re.IGNORECASE)


def author_names(text: str) -> frozenset[str]:
    """Return the lower-cased surnames written next to initials (reference-list style)."""
    found = _NAME_BEFORE_INITIALS.findall(text)
    for m in _NAME_AFTER_INITIALS.finditer(text):
        if _NAME_START.search(text[max(0, m.start() - 6) : m.start()]):
            found.append(m.group(1))
    return frozenset(n.lower() for n in found)


def _runs(text: str) -> list[list[str]]:
    ignored = _IGNORED | author_names(text)
    runs: list[list[str]] = []
    for chunk in _CHUNK.split(text):
        run: list[str] = []
        for word in _WORD.findall(chunk.lower()):
            if len(word) < 3 or word in ignored:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(word)
        if run:
            runs.append(run)
    return runs


def _count(
    runs: list[list[str]],
) -> tuple[Counter[tuple[str, ...]], dict[tuple[str, ...], Counter[str]]]:
    counts: Counter[tuple[str, ...]] = Counter()
    surfaces: dict[tuple[str, ...], Counter[str]] = {}
    for run in runs:
        stems = [stem(w) for w in run]
        for n in range(1, _MAX_N + 1):
            for i in range(len(run) - n + 1):
                key = tuple(stems[i : i + n])
                if len(set(key)) < n:
                    continue
                counts[key] += 1
                surfaces.setdefault(key, Counter())[" ".join(run[i : i + n])] += 1
    return counts, surfaces


def key_phrase_candidates(text: str) -> list[KeyPhrase]:
    """Return every candidate phrase with its count and score, best first."""
    counts, surfaces = _count(_runs(text))
    recurring = any(c > 1 for key, c in counts.items() if len(key) > 1)
    scored = []
    for key, count in counts.items():
        if len(key) > 1 and count < 2 and recurring:
            continue  # one-off word pairs are noise once real phrases recur
        score = count * _LENGTH_BONUS[len(key)]
        scored.append((key, KeyPhrase(surfaces[key].most_common(1)[0][0], count, score)))
    scored.sort(key=lambda pair: (-pair[1].score, -len(pair[0]), pair[1].text))
    return [phrase for _, phrase in _absorb(scored)]


def _absorb(
    scored: list[tuple[tuple[str, ...], KeyPhrase]],
) -> list[tuple[tuple[str, ...], KeyPhrase]]:
    kept: list[tuple[tuple[str, ...], KeyPhrase]] = []
    for key, phrase in scored:
        words = set(key)
        # A phrase inside a better one (or containing it) adds little: skip it.
        if any(words <= set(other) or set(other) <= words for other, _ in kept):
            continue
        kept.append((key, phrase))
    return kept


def extract_key_phrases(text: str, limit: int = 15) -> list[str]:
    """Return up to ``limit`` key phrases of a CV or publication list, best first."""
    return [p.text for p in key_phrase_candidates(text)[:limit]]
