"""Consortium bids: the call, the lead, our role, partners, team, status, checklist. All bid SQL."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, insert, or_, select, update

from webapp.stores.schema import bid_partners, bid_team, bids, inserted_id


class BidStatus(StrEnum):
    """Where a bid stands."""

    IDEA = "idea"
    PREPARING = "preparing"
    SUBMITTED = "submitted"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = (BidStatus.IDEA, BidStatus.PREPARING)


class OurRole(StrEnum):
    """The part our institution takes in the consortium."""

    COORDINATOR = "coordinator"
    PARTNER = "partner"


DEFAULT_CHECKLIST = (
    "Letters of intent / mandates from every partner",
    "Partner identification numbers (PIC) collected",
    "Work plan and timetable",
    "Budget table agreed with partners",
    "Proposal narrative (Part B)",
    "CVs of key staff",
    "Signature of the legal representative",
)


class BidError(ValueError):
    """A bid could not be changed; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One document or step the submission needs."""

    text: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class BidPartner:
    """One organisation in a bid's consortium (from the registry or free text)."""

    id: int
    name: str
    country: str
    kind: str
    partner_id: int | None = None


@dataclass(frozen=True, slots=True)
class Bid:
    """One consortium bid as the pages see it."""

    id: int
    opportunity_id: str
    title: str
    lead_user_id: int | None
    our_role: OurRole
    status: BidStatus
    notes: str
    checklist: tuple[ChecklistItem, ...]
    milestones_done: frozenset[str]
    created_at: datetime
    updated_at: datetime
    partners: tuple[BidPartner, ...] = ()
    team: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        """Return True while the bid is still being prepared."""
        return self.status in OPEN_STATUSES

    def involves(self, user_id: int) -> bool:
        """Return True when the person leads the bid or is on its team."""
        return user_id == self.lead_user_id or user_id in self.team


@dataclass(frozen=True, slots=True)
class BidInput:
    """The editable fields of a bid."""

    opportunity_id: str
    title: str
    lead_user_id: int | None
    our_role: OurRole
    status: BidStatus
    notes: str = ""
    checklist: tuple[ChecklistItem, ...] = tuple(ChecklistItem(t) for t in DEFAULT_CHECKLIST)
    team: tuple[int, ...] = ()
    milestones_done: frozenset[str] = frozenset()


def _bid(row: Row, members: Sequence[BidPartner], team: Sequence[int]) -> Bid:
    return Bid(
        id=row.id,
        opportunity_id=row.opportunity_id,
        title=row.title,
        lead_user_id=row.lead_user_id,
        our_role=OurRole(row.our_role),
        status=BidStatus(row.status),
        notes=row.notes,
        checklist=tuple(ChecklistItem(str(i["text"]), bool(i["done"])) for i in row.checklist),
        milestones_done=frozenset(row.milestones_done or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        partners=tuple(members),
        team=tuple(team),
    )


def _values(data: BidInput) -> dict[str, Any]:
    return {
        "opportunity_id": data.opportunity_id,
        "title": data.title,
        "lead_user_id": data.lead_user_id,
        "our_role": data.our_role.value,
        "status": data.status.value,
        "notes": data.notes,
        "checklist": [{"text": i.text, "done": i.done} for i in data.checklist],
        "milestones_done": sorted(data.milestones_done),
    }


def _set_team(conn: Connection, bid_id: int, team: Iterable[int]) -> None:
    conn.execute(delete(bid_team).where(bid_team.c.bid_id == bid_id))
    rows = [{"bid_id": bid_id, "user_id": u} for u in dict.fromkeys(team)]
    if rows:
        conn.execute(insert(bid_team), rows)


def create_bid(engine: Engine, data: BidInput, *, now: datetime) -> int:
    """Store a new bid and return its id."""
    with engine.begin() as conn:
        values = {**_values(data), "created_at": now, "updated_at": now}
        bid_id = inserted_id(conn.execute(insert(bids).values(**values)))
        _set_team(conn, bid_id, data.team)
    return bid_id


def update_bid(engine: Engine, bid_id: int, data: BidInput, *, now: datetime) -> bool:
    """Replace a bid's editable fields; return False when there is no such bid."""
    with engine.begin() as conn:
        result = conn.execute(
            update(bids).where(bids.c.id == bid_id).values(**_values(data), updated_at=now)
        )
        if result.rowcount:
            _set_team(conn, bid_id, data.team)
    return bool(result.rowcount)


def _load(conn: Connection, rows: Sequence[Row]) -> list[Bid]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    members: dict[int, list[BidPartner]] = {i: [] for i in ids}
    query = select(bid_partners).where(bid_partners.c.bid_id.in_(ids)).order_by(bid_partners.c.id)
    for m in conn.execute(query):
        members[m.bid_id].append(BidPartner(m.id, m.name, m.country, m.kind, m.partner_id))
    team: dict[int, list[int]] = {i: [] for i in ids}
    for t in conn.execute(select(bid_team).where(bid_team.c.bid_id.in_(ids))):
        team[t.bid_id].append(t.user_id)
    return [_bid(r, members[r.id], sorted(team[r.id])) for r in rows]


def get_bid(engine: Engine, bid_id: int) -> Bid | None:
    """Return one bid with its partners and team, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(bids).where(bids.c.id == bid_id)).first()
        found = _load(conn, [row]) if row is not None else []
    return found[0] if found else None


def list_bids(
    engine: Engine,
    *,
    statuses: Collection[BidStatus] | None = None,
    user_id: int | None = None,
) -> list[Bid]:
    """Return bids (only those ``user_id`` leads or is on, when given), newest first."""
    query = select(bids).order_by(bids.c.updated_at.desc(), bids.c.id.desc())
    if statuses is not None:
        query = query.where(bids.c.status.in_([s.value for s in statuses]))
    if user_id is not None:
        on_team = select(bid_team.c.bid_id).where(bid_team.c.user_id == user_id)
        query = query.where(or_(bids.c.lead_user_id == user_id, bids.c.id.in_(on_team)))
    with engine.connect() as conn:
        return _load(conn, conn.execute(query).all())


def add_bid_partner(
    engine: Engine,
    bid_id: int,
    *,
    name: str,
    country: str,
    kind: str,
    partner_id: int | None,
    now: datetime,
) -> int:
    """Add an organisation to a bid's consortium and return the row id.

    :raises BidError: when the registry partner is already in this bid.
    """
    with engine.begin() as conn:
        if partner_id is not None:
            taken = conn.execute(
                select(bid_partners.c.id).where(
                    (bid_partners.c.bid_id == bid_id) & (bid_partners.c.partner_id == partner_id)
                )
            ).first()
            if taken is not None:
                raise BidError(f"{name} is already in this consortium")
        values = {
            "bid_id": bid_id,
            "partner_id": partner_id,
            "name": name,
            "country": country.upper(),
            "kind": kind,
            "added_at": now,
        }
        new_id = inserted_id(conn.execute(insert(bid_partners).values(**values)))
        conn.execute(update(bids).where(bids.c.id == bid_id).values(updated_at=now))
    return int(new_id)


def remove_bid_partner(engine: Engine, bid_id: int, member_id: int, *, now: datetime) -> bool:
    """Take an organisation out of a bid's consortium; False when it was not there."""
    with engine.begin() as conn:
        result = conn.execute(
            delete(bid_partners).where(
                (bid_partners.c.id == member_id) & (bid_partners.c.bid_id == bid_id)
            )
        )
        if result.rowcount:
            conn.execute(update(bids).where(bids.c.id == bid_id).values(updated_at=now))
    return bool(result.rowcount)
