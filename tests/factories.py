"""Small builders for in-memory records. Nothing here touches a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from indexer.records import (
    Deadline,
    Money,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    make_id,
)

# A fixed "now" for tests: pure code takes time as an argument.
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def make_opportunity(**overrides: Any) -> Opportunity:
    """Return a valid open call; any field can be overridden by keyword."""
    source = overrides.pop("source", "test-source")
    source_key = overrides.pop("source_key", "CALL-1")
    values: dict[str, Any] = {
        "id": make_id(source, source_key),
        "source": source,
        "source_key": source_key,
        "url": f"https://funder.example/calls/{source_key}",
        "title": "Generic research call",
        "summary": "A call for research projects.",
        "description_html": "<p>A call for research projects.</p>",
        "funder": "Example Funder",
        "programme": "Example Programme",
        "kind": OpportunityKind.RESEARCH_GRANT,
        "status": OpportunityStatus.OPEN,
        "opening_date": TODAY - timedelta(days=10),
        "deadlines": (Deadline(NOW + timedelta(days=45), "Deadline"),),
        "language": "en",
        "posted_at": NOW - timedelta(days=10),
    }
    values.update(overrides)
    return Opportunity(**values)


ERASMUS_CBHE_WATER = make_opportunity(
    source="eu-portal",
    source_key="ERASMUS-EDU-2027-CBHE-STRAND-2",
    title="Capacity building in higher education: water management curricula in Central Asia",
    summary="Erasmus+ CBHE projects modernising water management and irrigation curricula.",
    funder="European Commission",
    programme="Erasmus+",
    call_id="ERASMUS-EDU-2027-CBHE",
    action_type="ERASMUS-LS",
    kind=OpportunityKind.CAPACITY_BUILDING,
    eligible_groups=("ERASMUS_REGION_6",),
    eligible_countries=("KG", "KZ", "TJ", "UZ"),
    consortium_required=True,
    min_partners=4,
    budget_total=Money(Decimal("10000000"), "EUR"),
    deadlines=(Deadline(NOW + timedelta(days=41), "Deadline"),),
)

NIH_R01_CANCER = make_opportunity(
    source="grants-gov",
    source_key="PAR-27-101",
    title="R01-cancer: research project grants in cancer epidemiology",
    summary="NIH R01 awards for cancer epidemiology studies.",
    funder="National Institutes of Health",
    programme="NIH R01",
    kind=OpportunityKind.RESEARCH_GRANT,
    eligible_countries=("US",),
    award_max=Money(Decimal("500000"), "USD"),
    deadlines=(Deadline(NOW + timedelta(days=90), "Application due"),),
)

HORIZON_TWO_STAGE_CLIMATE = make_opportunity(
    source="eu-portal",
    source_key="HORIZON-CL5-2027-D1-01-two-stage",
    title="Climate adaptation pathways for mountain regions (two-stage)",
    summary="Horizon Europe research and innovation action on climate adaptation.",
    funder="European Commission",
    programme="Horizon Europe",
    call_id="HORIZON-CL5-2027-D1-01",
    action_type="HORIZON-RIA",
    kind=OpportunityKind.RESEARCH_GRANT,
    eligible_groups=("HE_LMIC",),
    deadlines=(
        Deadline(NOW + timedelta(days=20), "Stage 1"),
        Deadline(NOW + timedelta(days=160), "Stage 2"),
    ),
)

DAAD_CLOSED_FELLOWSHIP = make_opportunity(
    source="daad",
    source_key="57000001",
    title="DAAD research stays for university academics",
    summary="Research stays in Germany for academics from abroad.",
    funder="DAAD",
    programme="Research Stays",
    kind=OpportunityKind.FELLOWSHIP,
    status=OpportunityStatus.CLOSED,
    opening_date=date(2026, 1, 1),
    deadlines=(Deadline(NOW - timedelta(days=30), "Deadline"),),
)
