"""Tokenizing and light stemming shared by profiles, scoring and key-phrase extraction.

Deliberately small: the same rules run on profile terms and on call text, so consistency
matters more than linguistic accuracy. Cyrillic text is tokenized and lower-cased only.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")
_LATIN = re.compile(r"[a-z]")

ENGLISH_STOPWORDS = frozenset(
    str.split(
        """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    etc few for from further had has have having he her here hers herself him himself his
    how however i if in into is it its itself just may me might more most must my myself
    no nor not of off on once only or other our ours ourselves out over own per same shall
    she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up upon us very via was we were what when
    where which while who whom why will with within without would you your yours
    yourself yourselves new one two three using use used based including include includes
    e.g i.e among across towards toward well whether yet
    """
    )
)

RUSSIAN_STOPWORDS = frozenset(
    str.split(
        """
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по
    только ее мне было вот от меня еще нет о из ему теперь когда даже ну ли если уже или
    ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они
    тут где есть надо ней для мы тебя их чем была сам чтобы без будто чего раз тоже себе
    под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти
    мой тем чтобы нее были куда зачем всех никогда можно при наконец два об другой хоть
    после над больше тот через эти нас про всего них какая много разве три эту моя
    впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
    конечно всю между также это
    """
    )
)

STOPWORDS = ENGLISH_STOPWORDS | RUSSIAN_STOPWORDS

# (suffix, replacement) tried in order; the first one that leaves a stem of at least
# _MIN_STEM letters wins. Enough to conflate "manage/managing/management" and
# "university/universities" without a full Porter stemmer.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ational", ""),
    ("ations", ""),
    ("ation", ""),
    ("ities", ""),
    ("ity", ""),
    ("ments", ""),
    ("ment", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ness", ""),
    ("ists", ""),
    ("ist", ""),
    ("isms", ""),
    ("ism", ""),
    ("ated", ""),
    ("ates", ""),
    ("ate", ""),
    ("sses", "ss"),
    ("ed", ""),
    ("ss", "ss"),
    ("us", "us"),
    ("is", "is"),
    ("s", ""),
)
_MIN_STEM = 3


def strip_tags(markup: str) -> str:
    """Return the text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", markup))


def words(text: str) -> list[str]:
    """Split text into lower-cased words (letters and digits; punctuation separates)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Return a light English stem of one lower-cased word; other scripts pass through."""
    if len(word) <= _MIN_STEM or not _LATIN.search(word):
        return word
    base = word
    for suffix, replacement in _SUFFIXES:
        if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_STEM:
            base = base[: len(base) - len(suffix)] + replacement
            break
    if base.endswith("e") and len(base) > _MIN_STEM + 1:
        base = base[:-1]
    return base


def analyze(text: str) -> list[str]:
    """Return the stems of the non-stopword words of ``text``, in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def analyze_term(text: str) -> tuple[str, ...]:
    """Return the stem sequence of a keyword or phrase (stopwords dropped)."""
    return tuple(analyze(text))
