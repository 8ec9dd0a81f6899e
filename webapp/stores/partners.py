"""The MoU partner registry: list, filter, add, edit, deactivate, import. All its SQL is here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Engine, Row, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from matching.partners import Partner
from webapp.stores.schema import inserted_id, partners


class PartnerError(ValueError):
    """A partner could not be saved; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class PartnerFilter:
    """What the registry list is narrowed to (empty values: no narrowing)."""

    country: str = ""
    area: str = ""
    active_mou: bool = False
    include_inactive: bool = False


@dataclass(slots=True)
class ImportReport:
    """What a CSV import did: rows added, rows updated, rows rejected and why."""

    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Return the number of rows stored."""
        return self.added + self.updated


def _partner(row: Row) -> Partner:
    return Partner(
        id=row.id,
        name=row.name,
        country=row.country,
        city=row.city,
        mou_since=row.mou_since,
        mou_until=row.mou_until,
        areas=tuple(row.areas or ()),
        contact=row.contact,
        erasmus_icm=bool(row.erasmus_icm),
        active=bool(row.active),
        kind=row.kind,
    )


def _values(partner: Partner) -> dict[str, object]:
    return {
        "name": partner.name,
        "country": partner.country.upper(),
        "city": partner.city,
        "mou_since": partner.mou_since,
        "mou_until": partner.mou_until,
        "areas": list(partner.areas),
        "contact": partner.contact,
        "erasmus_icm": partner.erasmus_icm,
        "kind": partner.kind,
    }


def add_partner(engine: Engine, partner: Partner, *, now: datetime) -> Partner:
    """Add a partner to the registry.

    :raises PartnerError: when one with the same name and country exists.
    """
    values = {**_values(partner), "active": True, "created_at": now, "updated_at": now}
    try:
        with engine.begin() as conn:
            new_id = inserted_id(conn.execute(insert(partners).values(**values)))
    except IntegrityError as exc:
        raise PartnerError(
            f"{partner.name} ({partner.country}) is already in the registry"
        ) from exc
    return replace(partner, id=new_id, active=True)


def update_partner(engine: Engine, partner_id: int, partner: Partner, *, now: datetime) -> bool:
    """Replace a partner's details; return False when there is no such partner.

    :raises PartnerError: when the new name and country belong to another partner.
    """
    try:
        with engine.begin() as conn:
            result = conn.execute(
                update(partners)
                .where(partners.c.id == partner_id)
                .values(**_values(partner), updated_at=now)
            )
    except IntegrityError as exc:
        raise PartnerError(
            f"{partner.name} ({partner.country}) is already in the registry"
        ) from exc
    return bool(result.rowcount)


def set_partner_active(engine: Engine, partner_id: int, active: bool, *, now: datetime) -> bool:
    """Deactivate (or reactivate) a partner; return False when there is no such partner."""
    with engine.begin() as conn:
        result = conn.execute(
            update(partners)
            .where(partners.c.id == partner_id)
            .values(active=active, updated_at=now)
        )
    return bool(result.rowcount)


def get_partner(engine: Engine, partner_id: int) -> Partner | None:
    """Return one partner, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(partners).where(partners.c.id == partner_id)).first()
    return _partner(row) if row is not None else None


def list_partners(
    engine: Engine, filters: PartnerFilter = PartnerFilter(), *, today: date | None = None
) -> list[Partner]:
    """Return the registry, narrowed by ``filters``, sorted by country then name."""
    query = select(partners).order_by(partners.c.country, partners.c.name)
    if not filters.include_inactive:
        query = query.where(partners.c.active.is_(True))
    if filters.country:
        query = query.where(partners.c.country == filters.country.upper())
    if filters.active_mou and today is not None:
        query = query.where(
            and_(
                or_(partners.c.mou_since.is_(None), partners.c.mou_since <= today),
                or_(partners.c.mou_until.is_(None), partners.c.mou_until >= today),
            )
        )
    with engine.connect() as conn:
        found = [_partner(row) for row in conn.execute(query)]
    if filters.area:
        # Areas are a JSON list: matching inside it portably is simplest in Python.
        needle = filters.area.lower()
        found = [p for p in found if any(needle in a.lower() for a in p.areas)]
    return found


def partner_countries(engine: Engine) -> list[str]:
    """Return the countries of the active partners, sorted."""
    with engine.connect() as conn:
        query = (
            select(partners.c.country)
            .where(partners.c.active.is_(True))
            .group_by(partners.c.country)
            .order_by(partners.c.country)
        )
        return list(conn.execute(query).scalars())


def count_partners(engine: Engine) -> int:
    """Return the number of active partners."""
    with engine.connect() as conn:
        query = select(func.count()).select_from(partners).where(partners.c.active.is_(True))
        return int(conn.execute(query).scalar_one())


def import_partners(
    engine: Engine,
    rows: Iterable[tuple[int, Partner]],
    *,
    now: datetime,
    rejected: Iterable[tuple[int, str]] = (),
) -> ImportReport:
    """Add new partners and update known ones (same name and country), in one transaction."""
    report = ImportReport(rejected=list(rejected))
    with engine.begin() as conn:
        existing = {
            (r.name.lower(), r.country): r.id
            for r in conn.execute(select(partners.c.id, partners.c.name, partners.c.country))
        }
        for _line, partner in rows:
            known = existing.get((partner.name.lower(), partner.country))
            if known is None:
                values = {**_values(partner), "active": True, "created_at": now, "updated_at": now}
                conn.execute(insert(partners).values(**values))
                report.added += 1
            else:
                conn.execute(
                    update(partners)
                    .where(partners.c.id == known)
                    .values(**_values(partner), updated_at=now)
                )
                report.updated += 1
    report.rejected.sort()
    return report
