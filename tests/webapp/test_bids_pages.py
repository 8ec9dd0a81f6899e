from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, NIH_R01_CANCER
from tests.webapp.conftest import STAFF_EMAIL, csrf_token
from webapp.stores.bids import BidStatus, get_bid, list_bids
from webapp.stores.partners import list_partners
from webapp.stores.users import Role, create_user

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "partners.csv"
FACULTY = ("faculty@uni.example", "faculty password 123")
OTHER = ("other@uni.example", "other password 1234")


@pytest.fixture
def people(store):
    create_user(store.engine, FACULTY[0], Role.FACULTY, FACULTY[1], "Faculty Member")
    create_user(store.engine, OTHER[0], Role.FACULTY, OTHER[1], "Other Member")


@pytest.fixture
def registry(client, auth):
    auth.login()
    page = client.get("/partners/import")
    data = {
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO(EXAMPLE.read_bytes()), "partners.csv"),
    }
    client.post("/partners/import", data=data, content_type="multipart/form-data")


def _start(client, opp_id: str, **changes):
    page = client.get(f"/bids/new?opportunity_id={opp_id}")
    form = {
        "csrf_token": csrf_token(page.text), "title": "Water bid", "opportunity_id": opp_id,
        "lead_email": STAFF_EMAIL, "team_emails": "", "our_role": "coordinator",
        "status": "preparing", "notes": "", "checklist": "Budget\n[x] Letters",
    }  # fmt: skip
    return client.post("/bids/new", data={**form, **changes})


def _bid_id(response) -> int:
    return int(re.search(r"/bids/(\d+)$", response.headers["Location"]).group(1))


def test_opportunity_page_offers_start_a_bid_to_staff_only(client, auth, people):
    url = f"/opportunities/{ERASMUS_CBHE_WATER.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Start a bid" not in page.text
    auth.login()
    assert "Start a bid" in client.get(url).text
    auth.logout()
    auth.login(*FACULTY)
    assert "Start a bid" not in client.get(url).text


def test_new_bid_is_prefilled_from_the_call(client, auth):
    auth.login()
    page = client.get(f"/bids/new?opportunity_id={ERASMUS_CBHE_WATER.id}")
    assert page.status_code == 200
    assert "Capacity building in higher education: water management" in page.text
    assert "Letters of intent" in page.text


def test_bid_page_shows_deadlines_composition_suggestions_and_milestones(
    client, auth, store, people, registry
):
    response = _start(client, ERASMUS_CBHE_WATER.id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Erasmus+ Capacity Building in Higher Education" in page
    assert "needs 3 more higher education institutions" in page
    assert "needs 1 more higher education institution from Kyrgyzstan" in page
    assert "Suggested partners from the MoU registry" in page
    assert "works on water management, irrigation" in page
    assert "Partner confirmation" in page
    assert "(D-45)" in page
    assert "Asia/Bishkek" in page or "+06" in page
    bid = get_bid(store.engine, _bid_id(response))
    assert [(i.text, i.done) for i in bid.checklist] == [("Budget", False), ("Letters", True)]


def test_adding_partners_fixes_the_composition(client, auth, store, people, registry):
    bid_id = _bid_id(_start(client, ERASMUS_CBHE_WATER.id))
    by_country = {p.country: p for p in list_partners(store.engine)}
    for country in ("DE", "FR"):
        token = csrf_token(client.get(f"/bids/{bid_id}").text)
        data = {"csrf_token": token, "partner_id": str(by_country[country].id), "kind": "hei"}
        assert client.post(f"/bids/{bid_id}/partners", data=data).status_code == 302
    token = csrf_token(client.get(f"/bids/{bid_id}").text)
    free = {"csrf_token": token, "partner_id": "0", "name": "Naryn State University",
            "country": "kg", "kind": "hei"}  # fmt: skip
    client.post(f"/bids/{bid_id}/partners", data=free)
    page = client.get(f"/bids/{bid_id}").text
    assert "all requirements met" in page
    assert "Naryn State University" in page
    assert "not in the registry" in page
    assert len(get_bid(store.engine, bid_id).partners) == 3


def test_adding_a_partner_twice_or_without_country_is_refused(client, auth, store, registry):
    bid_id = _bid_id(_start(client, ERASMUS_CBHE_WATER.id))
    partner = list_partners(store.engine)[0]
    for _ in range(2):
        token = csrf_token(client.get(f"/bids/{bid_id}").text)
        data = {"csrf_token": token, "partner_id": str(partner.id), "kind": "hei"}
        client.post(f"/bids/{bid_id}/partners", data=data)
    page = client.get(f"/bids/{bid_id}").text
    assert "already in this consortium" in page
    token = csrf_token(page)
    data = {
        "csrf_token": token,
        "partner_id": "0",
        "name": "Nowhere U",
        "country": "",
        "kind": "hei",
    }
    client.post(f"/bids/{bid_id}/partners", data=data)
    assert "two-letter code" in client.get(f"/bids/{bid_id}").text
    assert len(get_bid(store.engine, bid_id).partners) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lead_email": "nobody@uni.example"}, "No active account has this address."),
        ({"team_emails": "ghost@uni.example"}, "No account: ghost@uni.example."),
        ({"opportunity_id": "no-such:call"}, "No call with this id is stored."),
        ({"title": ""}, "This field is required."),
        ({"status": "won"}, "Not a valid choice"),
    ],
)
def test_bid_form_shows_errors_for_bad_input(client, auth, store, people, changes, message):
    auth.login()
    response = _start(client, ERASMUS_CBHE_WATER.id, **changes)
    assert response.status_code == 400
    assert message in response.text
    assert list_bids(store.engine) == []


def test_bid_form_without_csrf_token_is_refused(client, auth, store):
    auth.login()
    data = {"title": "T", "opportunity_id": ERASMUS_CBHE_WATER.id, "lead_email": STAFF_EMAIL,
            "our_role": "coordinator", "status": "idea"}  # fmt: skip
    assert client.post("/bids/new", data=data).status_code == 400
    assert list_bids(store.engine) == []


def test_faculty_see_only_the_bids_they_are_on_and_cannot_edit(client, auth, store, people):
    auth.login()
    mine = _bid_id(_start(client, ERASMUS_CBHE_WATER.id, title="Mine", team_emails=FACULTY[0]))
    theirs = _bid_id(_start(client, NIH_R01_CANCER.id, title="Not mine", team_emails=OTHER[0]))
    auth.logout()
    auth.login(*FACULTY)
    assert client.get(f"/bids/{mine}").status_code == 200
    assert client.get(f"/bids/{theirs}").status_code == 403
    dashboard = client.get("/bids").text
    assert "Mine" in dashboard
    assert "Not mine" not in dashboard
    assert client.get("/bids/new").status_code == 403
    assert client.get(f"/bids/{mine}/edit").status_code == 403
    assert client.post(f"/bids/{mine}/progress", data={}).status_code in (400, 403)
    assert "Save progress" not in client.get(f"/bids/{mine}").text


def test_bids_require_sign_in(client):
    assert client.get("/bids").status_code == 302


def test_dashboard_sorts_open_bids_by_deadline_and_shows_what_is_missing(client, auth, store):
    auth.login()
    _start(client, NIH_R01_CANCER.id, title="Late bid")  # deadline in 90 days
    _start(client, HORIZON_TWO_STAGE_CLIMATE.id, title="Early bid")  # stage 1 in 20 days
    done = _bid_id(_start(client, ERASMUS_CBHE_WATER.id, title="Sent bid", status="submitted"))
    assert get_bid(store.engine, done).status is BidStatus.SUBMITTED
    client.get(f"/bids/{done}")  # shows (and so clears) the "saved" message
    page = client.get("/bids").text
    assert page.index("Early bid") < page.index("Late bid")
    assert "Sent bid" not in page
    assert "needs 1 more partner from an EU Member State" in page
    assert "no rules known" in page  # the NIH call has no composition rules


def test_milestones_flag_overdue_and_progress_ticks_them(client, auth, store):
    auth.login()
    bid_id = _bid_id(_start(client, HORIZON_TWO_STAGE_CLIMATE.id))
    page = client.get(f"/bids/{bid_id}").text
    # Stage 1 is 20 days away: the D-45 and D-21 steps are already late.
    assert page.count("milestone-overdue") == 2
    token = csrf_token(page)
    client.post(
        f"/bids/{bid_id}/progress",
        data={"csrf_token": token, "milestone": ["partners"], "item": ["0"]},
    )
    bid = get_bid(store.engine, bid_id)
    assert bid.milestones_done == frozenset({"partners"})
    assert [i.done for i in bid.checklist] == [True, False]
    assert client.get(f"/bids/{bid_id}").text.count("milestone-overdue") == 1


def test_edit_bid_changes_status_and_keeps_progress(client, auth, store):
    auth.login()
    bid_id = _bid_id(_start(client, HORIZON_TWO_STAGE_CLIMATE.id))
    token = csrf_token(client.get(f"/bids/{bid_id}").text)
    client.post(f"/bids/{bid_id}/progress", data={"csrf_token": token, "milestone": ["draft"]})
    page = client.get(f"/bids/{bid_id}/edit")
    assert "Budget" in page.text
    form = {
        "csrf_token": csrf_token(page.text), "title": "Renamed", "opportunity_id":
        HORIZON_TWO_STAGE_CLIMATE.id, "lead_email": STAFF_EMAIL, "our_role": "partner",
        "status": "withdrawn", "checklist": "Only item",
    }  # fmt: skip
    assert client.post(f"/bids/{bid_id}/edit", data=form).status_code == 302
    bid = get_bid(store.engine, bid_id)
    assert (bid.title, bid.status, bid.milestones_done) == (
        "Renamed",
        BidStatus.WITHDRAWN,
        frozenset({"draft"}),
    )
