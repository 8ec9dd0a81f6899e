"""Shared pieces of the hardening (property-based) tests: damaged values and mutations.

The mutations start from real fixture documents and damage them the way real APIs do:
keys dropped, values turned into null / numbers / nested lists / empty or very long
strings, truncated JSON inside strings, dates in the wrong format, HTML and script in text.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from crawlers.sources import SourceConfig
from crawlers.spiders.base import OpportunitySpider
from indexer.ingest import validate
from indexer.records import Deadline, from_dict
from tests.factories import NOW

# Deterministic and fast: CI must see the same examples every run, and no example
# database is written into the checkout.
HARDENING = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LONG_TEXT = "Deadline: 12 February 2027 " * 2000
NASTY_STRINGS = (
    "",
    " ",
    "&nbsp;",
    "null",
    "[]",
    "{",
    '{"budgetTopicActionMap": {"1": [{"action": "X - Y", "budgetYearMap": {"2027": "1',
    '["AI", "climate"',
    '{"budgetTopicActionMap": [1, 2]}',
    '{"budgetTopicActionMap": {"1": [{"budgetYearMap": [1], "deadlineDates": 5}]}}',
    '{"currency": 7, "budgetTopicActionMap": {"1": [{"budgetYearMap": {"x": "NaN"},'
    ' "minContribution": "Infinity", "maxContribution": "-5", "expectedGrants": true}]}}',
    "31/02/2027",
    "2027-13-45",
    "2027-02-30T00:00:00.000+0000",
    "9999-12-31T23:59:59.000-1200",
    "0001-01-01T00:00:00.000+1400",
    "2027-08-18-99-00-00",
    "13452027",
    "Aug 99, 2027 12:00:00 AM EDT",
    "Feb 30, 2027 12:00:00 AM EDT",
    "<script>alert(1)</script>Title",
    "<b>Bold</b> &amp;amp; <i>italic</i>",
    "&amp;lt;p&amp;gt;double&amp;lt;/p&amp;gt;",
    "Deadline: 12 February 2027, 17:00 UTC+99",
    "Closing date: 31.12.9999 23:59 +9999",
    "Deadline: 2027-02-12 25:61 CET",
    "до 15 марта 2027 г.",
    "\x00\x01\ufffd",
    "Broken \ud800 escape",
    "🙂" * 50,
    LONG_TEXT,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=40),
)
nasty_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["id", "action", "x", "description"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Yield the path of every key and list position inside a JSON document."""
    if isinstance(doc, dict):
        items: Any = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def apply_mutation(doc: Any, path: tuple[Any, ...], op: str, value: Any) -> None:
    """Drop, replace or wrap the value at ``path`` in place (a vanished path is a no-op)."""
    parent = doc
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        current = parent[last]
    except (KeyError, IndexError, TypeError):
        return
    if op == "drop":
        del parent[last]
    elif op == "wrap":
        parent[last] = [[current]]
    elif op == "stringify":
        parent[last] = str(current)
    else:
        parent[last] = value


@st.composite
def mutated(draw: st.DrawFn, original: Any, *, max_mutations: int = 5) -> Any:
    """Draw a damaged deep copy of ``original``."""
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        candidates = list(paths(doc))
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        op = draw(st.sampled_from(["drop", "replace", "replace", "wrap", "stringify"]))
        apply_mutation(doc, path, op, draw(nasty_values) if op == "replace" else None)
    return doc


def spider(source_type: str = "eu_portal", **options: Any) -> OpportunitySpider:
    """Return a spider whose ``make_item`` turns parser fields into items."""
    source = SourceConfig.from_dict(
        {"key": "hard", "type": source_type, "url": "http://127.0.0.1/", "options": options}
    )
    return OpportunitySpider(source, now=NOW)


def check_item(item: dict[str, Any]) -> bool:
    """Return True when an item makes a valid record, False when ingest counts it invalid.

    Anything else (a TypeError, a naive deadline) fails the test.
    """
    try:
        opp = from_dict(item)
        validate(opp)
    except ValueError:
        return False
    json.dumps(item, ensure_ascii=False).encode("utf-8")  # storable as UTF-8 text
    assert_aware(opp.deadlines)
    for moment in (opp.posted_at, opp.fetched_at):
        assert moment is None or moment.utcoffset() is not None
    return True


def assert_aware(deadlines: tuple[Deadline, ...] | list[Deadline]) -> None:
    """Assert every deadline is a tz-aware datetime that converts to UTC."""
    for deadline in deadlines:
        assert isinstance(deadline, Deadline)
        assert isinstance(deadline.at, datetime)
        assert deadline.at.utcoffset() is not None, deadline
        deadline.at.astimezone(UTC)  # storage converts to UTC: must not overflow


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def warnings_logged(name: str = "crawlers") -> Iterator[list[str]]:
    """Collect the warnings logged under ``name`` (caplog is per test, not per example)."""
    handler = _Collect()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
