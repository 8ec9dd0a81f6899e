"""Give the demo grants office something to look at: the example MoU registry and one bid.

Runs after the demo calls and accounts are loaded; it only adds what is missing, so a
second `grantradar demo` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.settings import CONFIG_DIR
from webapp.partners_csv import parse_partners_csv
from webapp.services import Services
from webapp.stores.bids import BidInput, BidStatus, OurRole, add_bid_partner, create_bid, list_bids
from webapp.stores.follows import follow
from webapp.stores.partners import count_partners, import_partners, list_partners
from webapp.stores.users import get_user_by_email

DEMO_BID_CALL = "demo-erasmus-plus:grantradar-demo:erasmus-plus:cbhe-central-asia"
DEMO_STAFF = "nurlan.grants@demo.example.org"
DEMO_FACULTY = "aigerim.faculty@demo.example.org"
# Two partners only: the bid page then shows what the CBHE composition rules still miss.
DEMO_BID_PARTNER_COUNTRIES = ("DE", "KZ")


@dataclass(frozen=True, slots=True)
class OfficeSeed:
    """What seeding added."""

    partners: int
    bids: int


def _seed_partners(services: Services, now: datetime) -> int:
    if count_partners(services.store.engine) > 0:
        return 0
    parsed = parse_partners_csv((CONFIG_DIR / "partners.csv").read_text(encoding="utf-8"))
    report = import_partners(services.store.engine, parsed.partners, now=now)
    return report.added


def _seed_bid(services: Services, now: datetime) -> int:
    engine = services.store.engine
    staff = get_user_by_email(engine, DEMO_STAFF)
    faculty = get_user_by_email(engine, DEMO_FACULTY)
    call = services.store.get(DEMO_BID_CALL)
    if staff is None or call is None or list_bids(engine):
        return 0
    bid_id = create_bid(
        engine,
        BidInput(
            opportunity_id=call.id,
            title="Water curricula for Central Asian universities (WATER-CA)",
            lead_user_id=staff.id,
            our_role=OurRole.PARTNER,
            status=BidStatus.PREPARING,
            notes="Demo bid: the composition check lists the partners still missing.",
            team=(faculty.id,) if faculty else (),
        ),
        now=now,
    )
    for country in DEMO_BID_PARTNER_COUNTRIES:
        partner = next((p for p in list_partners(engine) if p.country == country), None)
        if partner is not None:
            add_bid_partner(
                engine,
                bid_id,
                name=partner.name,
                country=partner.country,
                kind="hei",
                partner_id=partner.id,
                now=now,
            )
    if faculty is not None:
        follow(engine, faculty.id, call.id, now=now)
    return 1


def seed_office(services: Services, now: datetime) -> OfficeSeed:
    """Import the example partner registry and start one demo bid, if not there yet."""
    return OfficeSeed(partners=_seed_partners(services, now), bids=_seed_bid(services, now))
