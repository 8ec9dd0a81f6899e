from __future__ import annotations

from dataclasses import replace

from indexer.ingest import ingest
from tests.factories import ERASMUS_CBHE_WATER, NOW
from webapp.demo_office import DEMO_BID_CALL, DEMO_FACULTY, DEMO_STAFF, seed_office
from webapp.services import get_services
from webapp.stores.bids import list_bids
from webapp.stores.follows import followed_ids
from webapp.stores.partners import count_partners
from webapp.stores.users import Role, create_user, get_user_by_email


def test_seed_office_imports_partners_and_starts_one_bid_once(app, store, backend):
    source, key = DEMO_BID_CALL.split(":", 1)
    call = replace(ERASMUS_CBHE_WATER, id=DEMO_BID_CALL, source=source, source_key=key)
    ingest(store, [call], now=NOW, backend=backend)
    create_user(store.engine, DEMO_STAFF, Role.STAFF, "demo-grants-office-2026")
    create_user(store.engine, DEMO_FACULTY, Role.FACULTY, "demo-faculty-2026")
    with app.app_context():
        services = get_services()
        first = seed_office(services, NOW)
        second = seed_office(services, NOW)
    assert first.partners == count_partners(store.engine) > 30
    assert first.bids == 1
    assert (second.partners, second.bids) == (0, 0)
    (bid,) = list_bids(store.engine)
    assert bid.opportunity_id == DEMO_BID_CALL
    assert len(bid.partners) == 2
    faculty = get_user_by_email(store.engine, DEMO_FACULTY)
    assert DEMO_BID_CALL in followed_ids(store.engine, faculty.id)
