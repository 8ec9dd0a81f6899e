"""Stems of Russian and Turkish words, so both search backends match their word forms (pure).

English is stemmed by the engines themselves (FTS5 porter, the Elasticsearch english
analyzer); their stemmers leave other languages alone. So each record also carries the
stems of its non-English words, and every query word is looked up by its stem as well:

- a word with a Cyrillic letter is stemmed as Russian (Kyrgyz shares the script);
- a Latin word with a Turkish letter, or any Latin word of a record whose language is
  ``tr``, is stemmed as Turkish;
- a query word has no language, so a Latin one is always looked up by its Turkish stem
  too ("burs" finds "bursları"); English records hold no stems, so English results keep.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import snowballstemmer  # type: ignore[import-untyped]

# Words as FTS5's unicode61 tokenizer sees them (letters and digits; "_" separates).
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_TURKISH = frozenset("çğıİöşüÇĞÖŞÜ")
# Turkish dotted and dotless i lower-case differently from the default rules.
_TURKISH_LOWER = str.maketrans({"I": "ı", "İ": "i"})
# A Cyrillic or Turkish letter: English text is skipped after one quick scan.
_FOREIGN_LETTER = re.compile("[\u0400-\u04ffçğıİöşüÇĞÖŞÜ]")


# A Snowball stemmer keeps its working state on the object, so threads (web requests
# searching at once) must not share one: each thread gets its own.
_THREAD = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    stemmers: dict[str, snowballstemmer.stemmer] | None = getattr(_THREAD, "stemmers", None)
    if stemmers is None:
        stemmers = _THREAD.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


def is_cyrillic(word: str) -> bool:
    """Return whether a word has a Cyrillic letter."""
    return _CYRILLIC.search(word) is not None


def has_turkish_letter(word: str) -> bool:
    """Return whether a word has a letter of the Turkish alphabet that English lacks."""
    return any(ch in _TURKISH for ch in word)


def russian_stem(word: str) -> str:
    """Return the Russian Snowball stem of a word, lower-cased."""
    return str(_stemmer("russian").stemWord(word.lower()))


def turkish_stem(word: str) -> str:
    """Return the Turkish Snowball stem of a word, lower-cased the Turkish way."""
    return str(_stemmer("turkish").stemWord(word.translate(_TURKISH_LOWER).lower()))


def word_stem(word: str, *, turkish: bool = False) -> str | None:
    """Return the stem of a non-English word, or None for an English word or a number.

    ``turkish`` marks a word of a Turkish record (stemmed as Turkish without Turkish letters).
    """
    if word.isdigit():
        return None
    if is_cyrillic(word):
        return russian_stem(word)
    if turkish or has_turkish_letter(word):
        return turkish_stem(word)
    return None


def record_stems(texts: Iterable[str | None], language: str | None) -> tuple[str, ...]:
    """Return the distinct stems of a record's non-English words, in order of appearance."""
    turkish = (language or "").lower().startswith("tr")
    seen: dict[str, None] = {}
    for text in texts:
        if not text or not (turkish or _FOREIGN_LETTER.search(text)):
            continue
        for word in _WORD.findall(text):
            stem = word_stem(word, turkish=turkish)
            if stem:
                seen.setdefault(stem)
    return tuple(seen)


def query_stem(word: str) -> str | None:
    """Return the stem a query word is also looked up by, or None (numbers, mixed tokens).

    A Latin word is stemmed as Turkish: it may be one, and English records hold no stems.
    """
    words = _WORD.findall(word)
    if len(words) != 1 or words[0].isdigit():
        return None
    return word_stem(words[0], turkish=True)
