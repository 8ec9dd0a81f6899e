"""Named records, institution and country groups for the matching tests."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from decimal import Decimal

from indexer.records import Deadline, Money, OpportunityKind
from matching.eligibility import CountryGroups, Institution
from tests.conftest import REPO_ROOT
from tests.factories import NOW, make_opportunity

AIU = Institution(
    country="KG",
    timezone="Asia/Bishkek",
    name="Ala-Too International University",
    country_name="Kyrgyzstan",
    country_aliases=("Kyrgyz Republic",),
)

with (REPO_ROOT / "config" / "country_groups.toml").open("rb") as fh:
    GROUPS = CountryGroups.from_mapping(tomllib.load(fh))

ERASMUS_KA171_PARTNER_ONLY = make_opportunity(
    source="eu-portal",
    source_key="ERASMUS-EDU-2027-KA171",
    title="International credit mobility of higher education students and staff",
    summary="Mobility projects for students and staff between programme and partner countries.",
    programme="Erasmus+",
    kind=OpportunityKind.MOBILITY,
    eligible_groups=("EU", "ERASMUS_ASSOCIATED", "ERASMUS_REGION_6"),
    eligibility_text=(
        "Applications are submitted by higher education institutions in EU Member States. "
        "Institutions from third countries not associated to the Programme take part "
        "as partners only."
    ),
)

HORIZON_MSCA_THIRD_COUNTRY_PARTNERS = make_opportunity(
    source="eu-portal",
    source_key="HORIZON-MSCA-2027-DN",
    title="Doctoral networks in glaciology and hydrology",
    summary="Doctoral networks training researchers in glacier hydrology.",
    programme="Horizon Europe",
    kind=OpportunityKind.NETWORKING,
    eligible_groups=("EU", "HE_ASSOCIATED"),
    eligibility_text="Organisations from any other country may participate as associated partners.",
)

NSF_US_ONLY = make_opportunity(
    source="grants-gov",
    source_key="NSF-27-500",
    title="Water management research for sustainable irrigation",
    summary="US research on irrigation and water management.",
    eligible_countries=("US",),
    eligibility_text="Foreign institutions are not eligible to apply.",
)

SOROS_CENTRAL_ASIA_TEXT = make_opportunity(
    source="foundation",
    source_key="OSF-CA-1",
    title="Grants for civil society research in Central Asia",
    eligibility_text="Universities registered in Central Asia are eligible to apply.",
)

WORLDWIDE_PRIZE = make_opportunity(
    source="foundation",
    source_key="PRIZE-1",
    title="Prize for water innovation",
    kind=OpportunityKind.PRIZE,
    eligibility_text="The prize is open to researchers from any country.",
)

NO_ELIGIBILITY_INFO = make_opportunity(source="feed", source_key="NOINFO", title="A call")

UNKNOWN_GROUP_CALL = make_opportunity(
    source="feed", source_key="UNKNOWNGROUP", eligible_groups=("MARS_COLONIES",)
)

TRAVEL_GRANT_FIVE_DAYS = make_opportunity(
    source="foundation",
    source_key="TRAVEL-1",
    title="Travel grants for the glaciology summer school",
    summary="Travel support to attend the summer school on glacier monitoring.",
    kind=OpportunityKind.EVENT,
    eligible_groups=("ALL",),
    deadlines=(Deadline(NOW + timedelta(days=6), "Deadline"),),
)

CBHE_TEN_DAYS = make_opportunity(
    source="eu-portal",
    source_key="CBHE-TIGHT",
    title="Capacity building: glacier monitoring curricula",
    kind=OpportunityKind.CAPACITY_BUILDING,
    consortium_required=True,
    eligible_groups=("ERASMUS_REGION_6",),
    deadlines=(Deadline(NOW + timedelta(days=10), "Deadline"),),
)

BUDGETED_CALL = make_opportunity(
    source="eu-portal",
    source_key="BUDGET-1",
    title="Budgeted call",
    budget_total=Money(Decimal("1000000"), "EUR"),
)
