"""Compose the bid page and the bids dashboard from the stores, the call and matching."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app

from indexer.records import Deadline, Opportunity
from matching.consortium import (
    CompositionReport,
    Member,
    RuleSet,
    check_composition,
    fallback_rules,
    rules_for,
    rules_from_mapping,
)
from matching.partners import Suggestion, suggest_partners
from matching.timeline import Milestone, back_schedule, template_for
from webapp.matchmaking import country_names, load_groups, local_today
from webapp.services import Services
from webapp.stores.bids import OPEN_STATUSES, Bid, list_bids
from webapp.stores.partners import PartnerFilter, list_partners

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "config" / "consortium_rules.toml"
RULES_CONFIG_KEY = "GRANTRADAR_CONSORTIUM_RULES"  # app.config override (tests, deployments)


@lru_cache(maxsize=8)
def load_rules(path: Path) -> tuple[RuleSet, ...]:
    """Read the consortium rules file."""
    with path.open("rb") as fh:
        return rules_from_mapping(tomllib.load(fh))


def rules_path() -> Path:
    """Return the rules file (app.config ``GRANTRADAR_CONSORTIUM_RULES``, else the default)."""
    return Path(current_app.config.get(RULES_CONFIG_KEY) or DEFAULT_RULES_PATH)


@dataclass(frozen=True, slots=True)
class BidView:
    """Everything the bid page shows."""

    bid: Bid
    opp: Opportunity | None
    next_deadline: Deadline | None
    report: CompositionReport
    suggestions: list[Suggestion]
    milestones: list[Milestone]
    today: date


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """One open bid on the dashboard."""

    bid: Bid
    opp: Opportunity | None
    next_deadline: Deadline | None
    report: CompositionReport


def members(services: Services, bid: Bid) -> list[Member]:
    """Return the consortium of a bid, our institution first."""
    ours = Member(services.institution.name, services.institution.country, "hei")
    return [ours, *(Member(p.name, p.country, p.kind) for p in bid.partners)]


def composition(services: Services, bid: Bid, opp: Opportunity | None) -> CompositionReport:
    """Check a bid's consortium against the rules for its call."""
    rules = None
    if opp is not None:
        rules = rules_for(opp, load_rules(rules_path())) or fallback_rules(opp)
    groups_path = Path(services.settings.country_groups)
    return check_composition(
        members(services, bid), rules, load_groups(groups_path), country_names(groups_path)
    )


def bid_view(services: Services, bid: Bid, *, now: datetime, limit: int = 8) -> BidView:
    """Build the bid page: call, deadlines, composition, suggestions, milestones."""
    opp = services.store.get(bid.opportunity_id)
    today = local_today(services, now)
    report = composition(services, bid, opp)
    upcoming = opp.next_deadline(now) if opp is not None else None
    suggestions: list[Suggestion] = []
    milestones: list[Milestone] = []
    if opp is not None:
        registry = list_partners(services.store.engine)
        taken = {p.partner_id for p in bid.partners if p.partner_id is not None}
        groups = load_groups(Path(services.settings.country_groups))
        suggestions = suggest_partners(
            opp, registry, groups=groups, today=today, rules=report.rules, report=report,
            exclude=taken, limit=limit,
        )  # fmt: skip
    if opp is not None and upcoming is not None:
        milestones = back_schedule(
            upcoming.at,
            template_for(opp.kind),
            today=today,
            tz=services.institution.timezone,
            done=bid.milestones_done,
        )
    return BidView(bid, opp, upcoming, report, suggestions, milestones, today)


def dashboard(services: Services, *, now: datetime, user_id: int | None) -> list[DashboardRow]:
    """Return every open bid (the person's own when ``user_id``) sorted by next deadline."""
    found = list_bids(services.store.engine, statuses=OPEN_STATUSES, user_id=user_id)
    calls = {o.id: o for o in services.store.get_many([b.opportunity_id for b in found])}
    rows = []
    for bid in found:
        opp = calls.get(bid.opportunity_id)
        upcoming = opp.next_deadline(now) if opp is not None else None
        rows.append(DashboardRow(bid, opp, upcoming, composition(services, bid, opp)))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda r: (r.next_deadline.at if r.next_deadline else far, r.bid.id))
    return rows


def registry_filter(country: str, area: str, active_mou: bool) -> PartnerFilter:
    """Return the registry filter for the list page's arguments."""
    return PartnerFilter(
        country=country.strip()[:2], area=area.strip()[:100], active_mou=active_mou
    )
