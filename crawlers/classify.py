"""Classify a call's kind and guess the language of a text, from keyword tables."""

from __future__ import annotations

import re
from collections import Counter

from indexer.records import OpportunityKind

# Most specific first: the first kind whose keywords appear wins, so "Erasmus Mundus"
# beats "scholarship" and everything beats the generic "grant".
_KIND_PATTERNS: tuple[tuple[OpportunityKind, str], ...] = (
    (
        OpportunityKind.TENDER,
        r"call for tenders?|invitation to tender|\btenders?\b|procurement|request for quotations?"
        r"|тендер|закупк|ihale",
    ),
    (
        OpportunityKind.JOINT_DEGREE,
        r"erasmus mundus|joint (?:master|degree|doctora)|double degree|dual degree|\bEMJMD?\b"
        r"|\bEMDM\b|двойн\w* диплом|совместн\w* (?:магистр|образовательн|программ)"
        r"|ortak (?:yüksek lisans|derece|diploma)",
    ),
    (
        OpportunityKind.CAPACITY_BUILDING,
        r"capacity[- ]building|\bCBHE\b|capacity development|institutional development"
        r"|jean monnet|развити\w* потенциал|наращивани\w* потенциал|kapasite geliştirme",
    ),
    (
        OpportunityKind.NETWORKING,
        r"\bCOST actions?\b|networking|network grants?|research networks?|\btwinning\b"
        r"|сетев\w* взаимодейств|ağ oluşturma",
    ),
    (
        OpportunityKind.FELLOWSHIP,
        r"fellowships?|scholarships?|post-?docs?\b|postdoctoral|post-doctoral|doctoral networks?"
        r"|studentships?|bursar(?:y|ies)|PhD (?:positions?|candidates?|students?)"
        r"|стипенди|\bburs(?:u|lar|ları|ları)?\b|stipendi",
    ),
    (
        OpportunityKind.MOBILITY,
        r"mobility|exchange program(?:me)?s?|staff exchanges?|study abroad|visiting (?:scholar|"
        r"researcher|professor)s?|\bKA1\d\d\b|travel grants?|short[- ]term visits?"
        r"|мобильност|академическ\w* обмен|стажировк|hareketlilik|değişim program",
    ),
    (
        OpportunityKind.PRIZE,
        r"\bprizes?\b|\bawards? for (?:excellence|outstanding)|\bpremio\b|преми[яи]|\bödül",
    ),
    (
        OpportunityKind.INFRASTRUCTURE,
        r"research infrastructures?|\binfrastructure\b|instrumentation|equipment grants?"
        r"|инфраструктур|оборудовани|altyapı",
    ),
    (
        OpportunityKind.EVENT,
        r"conferences?|workshops?|summer schools?|winter schools?|symposi(?:um|a)|seminars?"
        r"|webinars?|info days?|hackathons?|конференц|семинар|(?:летн|зимн)\w* школ"
        r"|konferans|çalıştay|sempozyum",
    ),
    (
        OpportunityKind.RESEARCH_GRANT,
        r"research grants?|research and innovation actions?|innovation actions?|\bRIA\b"
        r"|research projects?|\bR0[13]\b|\bgrants?\b|funding opportunit(?:y|ies)"
        r"|научн\w* (?:проект|грант|исследован)|\bгрант|araştırma|\bhibe|forschungs",
    ),
)
_KIND_RES = tuple((kind, re.compile(rx, re.IGNORECASE)) for kind, rx in _KIND_PATTERNS)
# In a title, "X Award" names a prize; in a body "award" is grant jargon ("award ceiling").
_TITLE_PRIZE = re.compile(r"\baward\b", re.IGNORECASE)


BODY_CHARS = 4_000


def _kind_in(text: str) -> OpportunityKind | None:
    for kind, pattern in _KIND_RES:
        if pattern.search(text):
            return kind
    return None


def classify_kind(
    title: str | None, text: str | None = None, default: OpportunityKind | None = None
) -> OpportunityKind:
    """Return the kind of call from keywords; title evidence beats body evidence.

    :param default: returned when no keyword matches (``OpportunityKind.OTHER`` if None).
    """
    fallback = default if default is not None else OpportunityKind.OTHER
    if title:
        found = _kind_in(title)
        if found is not None and found is not OpportunityKind.RESEARCH_GRANT:
            return found
        if _TITLE_PRIZE.search(title):
            return OpportunityKind.PRIZE
        if found is not None:
            return found
    if text:
        # The first few thousand characters say what a call funds; scanning whole
        # documents (Grants.gov synopses, detail pages) only costs time.
        found = _kind_in(text[:BODY_CHARS])
        if found is not None:
            return found
    return fallback


# --- language -------------------------------------------------------------------------

_KYRGYZ = frozenset("ңөүҢӨҮ")
_KAZAKH = frozenset("әғқұһіӘҒҚҰҺІ")
_UKRAINIAN = frozenset("їєґЇЄҐ")
_TURKISH_LETTERS = frozenset("ğışİĞŞ")
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "for",
            "in",
            "is",
            "are",
            "with",
            "on",
            "this",
            "that",
            "be",
            "by",
            "from",
            "or",
            "will",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "mit",
            "für",
            "den",
            "dem",
            "ein",
            "eine",
            "zu",
            "von",
            "auf",
            "im",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "des",
            "est",
            "pour",
            "dans",
            "une",
            "un",
            "du",
            "que",
            "sur",
            "au",
            "aux",
            "par",
            "avec",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "los",
            "las",
            "y",
            "es",
            "para",
            "una",
            "por",
            "con",
            "del",
            "que",
            "en",
            "se",
            "al",
            "como",
        ]
    ),
    "tr": frozenset(
        [
            "ve",
            "bir",
            "bu",
            "için",
            "ile",
            "olarak",
            "da",
            "de",
            "en",
            "çok",
            "olan",
            "veya",
            "gibi",
        ]
    ),
}
_WORDS = re.compile(r"[^\W\d_]+")


def detect_language(text: str | None) -> str | None:
    """Guess the ISO 639-1 language of ``text``; None when there is no text to judge.

    Cyrillic is Russian unless Kyrgyz (ң ө ү), Kazakh or Ukrainian letters appear; Latin
    text is scored by Turkish letters and common short words (en, de, fr, es, tr).
    """
    if not text:
        return None
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if cyrillic * 2 > len(letters):
        chars = set(text)
        # Kazakh also writes ө and ү, Kyrgyz never writes ә ғ қ ұ һ і: test Kazakh first.
        if chars & _KAZAKH:
            return "kk"
        if chars & _KYRGYZ:
            return "ky"
        return "uk" if chars & _UKRAINIAN else "ru"
    words = [w.lower() for w in _WORDS.findall(text)]
    scores: Counter[str] = Counter()
    for word in words:
        for lang, stop in _STOPWORDS.items():
            if word in stop:
                scores[lang] += 1
    scores["tr"] += 2 * sum(1 for c in letters if c in _TURKISH_LETTERS)
    if not scores:
        return "en"
    best, count = scores.most_common(1)[0]
    return best if count > scores["en"] else "en"
