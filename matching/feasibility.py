"""Deadline feasibility: is there enough lead time left to prepare a bid of this kind?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, tzinfo

from indexer.records import Deadline, Opportunity, OpportunityKind, OpportunityStatus

# Working days a typical bid of each kind takes to prepare, as grants offices plan them:
# a consortium capacity-building bid needs weeks of partner search, a travel grant days.
LEAD_DAYS: Mapping[OpportunityKind, int] = {
    OpportunityKind.CAPACITY_BUILDING: 45,
    OpportunityKind.JOINT_DEGREE: 45,
    OpportunityKind.INFRASTRUCTURE: 45,
    OpportunityKind.RESEARCH_GRANT: 30,
    OpportunityKind.TENDER: 30,
    OpportunityKind.NETWORKING: 21,
    OpportunityKind.MOBILITY: 21,
    OpportunityKind.FELLOWSHIP: 14,
    OpportunityKind.PRIZE: 14,
    OpportunityKind.EVENT: 5,
    OpportunityKind.OTHER: 14,
}
CONSORTIUM_LEAD_DAYS = 45
NO_DEADLINE_FACTOR = 0.9
TIGHT_FLOOR = 0.3


@dataclass(frozen=True, slots=True)
class Feasibility:
    """Whether a call is still open, how its deadline weighs on a score, and why."""

    open: bool
    factor: float
    reason: str


def lead_days(opp: Opportunity) -> int:
    """Return the lead time a call of this kind needs (consortium bids need the most)."""
    days = LEAD_DAYS.get(opp.kind, 14)
    return max(days, CONSORTIUM_LEAD_DAYS) if opp.consortium_required else days


def next_local_deadline(
    opp: Opportunity, tz: tzinfo, today: date
) -> tuple[Deadline | None, int | None]:
    """Return the next deadline whose local date is today or later, and the days left."""
    upcoming = [(d.at.astimezone(tz).date(), d) for d in opp.deadlines]
    upcoming = [(day, d) for day, d in upcoming if day >= today]
    if not upcoming:
        return None, None
    day, deadline = min(upcoming, key=lambda pair: pair[1].at)
    return deadline, (day - today).days


def days_phrase(days: int) -> str:
    """Return "deadline today", "deadline tomorrow" or "deadline in N days"."""
    if days == 0:
        return "deadline today"
    if days == 1:
        return "deadline tomorrow"
    return f"deadline in {days} days"


def feasibility(
    opp: Opportunity, deadline: Deadline | None, days_left: int | None, today: date
) -> Feasibility:
    """Judge the lead time left before the next deadline of ``opp``."""
    if opp.status is OpportunityStatus.CLOSED or (opp.deadlines and deadline is None):
        return Feasibility(False, 0.0, "closed")
    opens = ""
    if opp.opening_date is not None and opp.opening_date > today:
        opens = f"opens {opp.opening_date.isoformat()}; "
    if deadline is None or days_left is None:
        return Feasibility(True, NO_DEADLINE_FACTOR, f"{opens}no fixed deadline")
    needed = lead_days(opp)
    phrase = days_phrase(days_left)
    if days_left >= needed:
        return Feasibility(True, 1.0, f"{opens}{phrase}")
    factor = TIGHT_FLOOR + (1 - TIGHT_FLOOR) * days_left / needed
    return Feasibility(
        True, round(factor, 4), f"{opens}{phrase}: tight (allow ~{needed} days to prepare)"
    )
