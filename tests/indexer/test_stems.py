"""Russian and Turkish stems (pure), including from several threads at once."""

from __future__ import annotations

import sys
import threading

from indexer.stems import query_stem

WORDS = {"стипендии": "стипенд", "гранты": "грант", "bursları": "burs", "başvurular": "başvuru"}


def test_query_stem_is_right_from_many_threads():
    # Web requests search from several threads; a shared Snowball stemmer mixes up their
    # words. A tiny switch interval makes threads interleave inside stemWord.
    wrong: list[object] = []

    def work() -> None:
        for _ in range(500):
            for word, stem in WORDS.items():
                try:
                    found = query_stem(word)
                except Exception as exc:  # the race shows as IndexError/AssertionError too
                    found = exc
                if found != stem:
                    wrong.append((word, found))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []
