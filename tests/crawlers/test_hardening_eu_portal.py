"""Property-based hardening of the SEDIA parser: damaged real answers never crash it.

Starts from the real fixture (../shared/fixtures/1_eu_funding_tenders) and damages it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawlers.parsers.eu_portal import next_page_number, parse_result, parse_search_response
from tests.conftest import SHARED_FIXTURES
from tests.crawlers.hardening import (
    HARDENING,
    assert_aware,
    check_item,
    mutated,
    nasty_values,
    spider,
    warnings_logged,
)

FIXTURE = SHARED_FIXTURES / "1_eu_funding_tenders" / "sedia_search_trimmed_horizon_2records.json"
pytestmark = pytest.mark.skipif(not FIXTURE.is_file(), reason="shared fixtures absent")


def _load() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8")) if FIXTURE.is_file() else {}


SEDIA = _load()
RESULTS = SEDIA.get("results") or [{}]


def _check_fields(fields: dict[str, Any] | None) -> None:
    if fields is None:
        return
    assert isinstance(fields["source_key"], str)
    assert fields["source_key"]
    assert isinstance(fields["title"], str)
    assert fields["title"].strip()
    assert_aware(fields["deadlines"])
    item = spider().make_item(**fields)
    assert check_item(item), item


@HARDENING
@given(result=mutated(RESULTS[0]))
def test_parse_result_survives_damaged_two_stage_topic(result):
    _check_fields(parse_result(result))


@HARDENING
@given(result=mutated(RESULTS[-1]))
def test_parse_result_survives_damaged_prize_topic(result):
    _check_fields(parse_result(result))


@HARDENING
@given(value=nasty_values, key=st.sampled_from(sorted(RESULTS[0].get("metadata") or {"x": 0})))
def test_parse_result_survives_any_value_in_any_metadata_field(value, key):
    result = copy.deepcopy(RESULTS[0])
    result["metadata"][key] = value
    fields = parse_result(result)
    _check_fields(fields)
    if key not in ("identifier", "title", "deadlineDate", "budgetOverview"):
        assert fields is not None
        assert fields["title"] == "Low power Edge AI Chips"


@HARDENING
@given(result=nasty_values)
def test_parse_result_survives_a_result_that_is_not_an_object(result):
    _check_fields(parse_result(result))


@HARDENING
@given(damaged=mutated(RESULTS[0], max_mutations=8))
def test_parse_search_response_keeps_good_records_beside_a_damaged_one(damaged):
    data = copy.deepcopy(SEDIA)
    data["results"] = [damaged, *copy.deepcopy(RESULTS[1:])]
    with warnings_logged() as warnings:
        records = parse_search_response(data)
    keys = [r["source_key"] for r in records]
    assert keys[-1] == RESULTS[-1]["metadata"]["identifier"][0]
    if len(keys) < len(RESULTS):  # the damaged record was skipped: and said so
        assert warnings
    assert len(keys) == len(set(keys))
    for fields in records:
        _check_fields(fields)


@HARDENING
@given(data=mutated({"totalResults": 120, "pageNumber": 1, "pageSize": 50, "results": [1]}))
def test_next_page_number_survives_damaged_counts(data):
    following = next_page_number(data, 1, 50)
    assert following is None or following == 2
