"""Property-based hardening of the Grants.gov parsers: damaged real answers never crash them.

Starts from the real search2 and fetchOpportunity fixtures (../shared/fixtures/2_grants_gov)
and damages them; the XML extract is built from damaged element values.
"""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from crawlers.parsers.grants_gov import (
    next_start,
    parse_hit,
    parse_opportunity,
    parse_search_response,
)
from crawlers.parsers.grants_gov_xml import NAMESPACE, iter_extract
from tests.conftest import SHARED_FIXTURES
from tests.crawlers.hardening import (
    HARDENING,
    NASTY_STRINGS,
    assert_aware,
    check_item,
    mutated,
    nasty_values,
    spider,
)

FOLDER = SHARED_FIXTURES / "2_grants_gov"
SEARCH = FOLDER / "search2_keyword-student_posted_rows5.json"
FETCH = FOLDER / "fetchOpportunity_348985_NSF-REU-23-601.json"
pytestmark = pytest.mark.skipif(not FETCH.is_file(), reason="shared fixtures absent")


def _load(path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"data": {}}


SEARCH_DOC = _load(SEARCH)
FETCH_DOC = _load(FETCH)
HITS = SEARCH_DOC["data"].get("oppHits") or [{}]


def _check_fields(fields: dict[str, Any] | None) -> None:
    if fields is None:
        return
    assert isinstance(fields["source_key"], str)
    assert fields["source_key"]
    assert isinstance(fields["title"], str)
    assert_aware(fields["deadlines"])
    item = spider("grants_gov").make_item(**fields)
    valid = check_item(item)
    if fields["title"].strip():
        assert valid, item


@HARDENING
@given(hit=mutated(HITS[0]))
def test_parse_hit_survives_damaged_hit(hit):
    _check_fields(parse_hit(hit))


@HARDENING
@given(hit=nasty_values)
def test_parse_hit_survives_a_hit_that_is_not_an_object(hit):
    _check_fields(parse_hit(hit))


@HARDENING
@given(damaged=mutated(HITS[0], max_mutations=8))
def test_parse_search_response_keeps_good_hits_beside_a_damaged_one(damaged):
    data = copy.deepcopy(SEARCH_DOC)
    data["data"]["oppHits"] = [damaged, *copy.deepcopy(HITS[1:])]
    fields = parse_search_response(data)
    assert [f["source_key"] for f in fields][-(len(HITS) - 1) :] == [h["id"] for h in HITS[1:]]
    for one in fields:
        _check_fields(one)


@HARDENING
@given(data=mutated(SEARCH_DOC, max_mutations=3))
def test_next_start_survives_damaged_counts(data):
    following = next_start(data, 0, 5)
    assert following is None or following == 5


@HARDENING
@given(data=mutated(FETCH_DOC, max_mutations=6))
def test_parse_opportunity_survives_damaged_answer(data):
    _check_fields(parse_opportunity(data))


@HARDENING
@given(
    key=st.sampled_from(sorted(FETCH_DOC["data"].get("synopsis") or {"x": 0})),
    value=nasty_values,
)
def test_parse_opportunity_survives_any_value_in_any_synopsis_field(key, value):
    data = copy.deepcopy(FETCH_DOC)
    data["data"]["synopsis"][key] = value
    data["data"]["opportunityHistoryDetails"] = []
    fields = parse_opportunity(data)
    _check_fields(fields)
    assert fields is not None
    assert fields["source_key"] == "348985"


@HARDENING
@given(data=nasty_values)
def test_parse_opportunity_survives_an_answer_that_is_not_an_object(data):
    _check_fields(parse_opportunity(data))


XML_FIELDS = (
    "OpportunityTitle",
    "OpportunityNumber",
    "FundingInstrumentType",
    "EligibleApplicants",
    "AdditionalInformationOnEligibility",
    "AgencyName",
    "PostDate",
    "CloseDate",
    "CloseDateExplanation",
    "AwardCeiling",
    "AwardFloor",
    "EstimatedTotalProgramFunding",
    "ExpectedNumberOfAwards",
    "Description",
    "EstimatedSynopsisCloseDate",
)
xml_text = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=30))


def _extract(elements: list[tuple[str, dict[str, str]]]) -> bytes:
    root = etree.Element(f"{{{NAMESPACE}}}Grants", nsmap={None: NAMESPACE})
    for tag, values in elements:
        node = etree.SubElement(root, f"{{{NAMESPACE}}}{tag}")
        for name, text in values.items():
            # XML 1.0 cannot carry control characters: the real extract never has them.
            clean = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 32)
            clean = "".join(c for c in clean if not 0xD800 <= ord(c) <= 0xDFFF)
            etree.SubElement(node, f"{{{NAMESPACE}}}{name}").text = clean
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@HARDENING
@given(
    damaged=st.dictionaries(st.sampled_from(XML_FIELDS), xml_text, max_size=8),
    forecast=st.booleans(),
)
def test_iter_extract_survives_damaged_elements(damaged, forecast):
    tag = "OpportunityForecastDetail_1_0" if forecast else "OpportunitySynopsisDetail_1_0"
    good = {"OpportunityID": "2", "OpportunityTitle": "Good call", "CloseDate": "05202027"}
    body = _extract(
        [(tag, {"OpportunityID": "1", **damaged}), ("OpportunitySynopsisDetail_1_0", good)]
    )
    records = list(iter_extract(io.BytesIO(body)))
    assert [r["source_key"] for r in records] == ["1", "2"]
    for fields in records:
        _check_fields(fields)
