"""Internal milestones back-scheduled from a call's deadline, with overdue ones flagged."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from indexer.records import OpportunityKind

DUE_SOON_DAYS = 7


class MilestoneState(StrEnum):
    """Where a milestone stands relative to today."""

    DONE = "done"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"


@dataclass(frozen=True, slots=True)
class MilestoneTemplate:
    """One internal step, due ``days_before`` the deadline."""

    key: str
    label: str
    days_before: int


@dataclass(frozen=True, slots=True)
class Milestone:
    """One scheduled step of a bid."""

    key: str
    label: str
    due: date
    days_before: int
    state: MilestoneState
    days_left: int  # negative when overdue


_CONSORTIUM = (
    MilestoneTemplate("partners", "Partner confirmation (letters of intent, PIC numbers)", 45),
    MilestoneTemplate("draft", "Full draft of the proposal", 21),
    MilestoneTemplate("review", "Internal review", 10),
    MilestoneTemplate("budget", "Budget sign-off by the finance office", 7),
    MilestoneTemplate("submit", "Submit (leave two days for portal trouble)", 2),
)
_INDIVIDUAL = (
    MilestoneTemplate("letters", "Reference letters and host confirmation requested", 28),
    MilestoneTemplate("draft", "Full draft of the application", 14),
    MilestoneTemplate("review", "Internal review", 7),
    MilestoneTemplate("submit", "Submit", 2),
)
_SHORT = (
    MilestoneTemplate("draft", "Draft of the application", 10),
    MilestoneTemplate("review", "Internal review", 5),
    MilestoneTemplate("submit", "Submit", 1),
)

# Lead times per kind of call; consortium actions need the longest run-up.
TEMPLATES: Mapping[OpportunityKind, tuple[MilestoneTemplate, ...]] = {
    OpportunityKind.CAPACITY_BUILDING: _CONSORTIUM,
    OpportunityKind.JOINT_DEGREE: _CONSORTIUM,
    OpportunityKind.RESEARCH_GRANT: _CONSORTIUM,
    OpportunityKind.NETWORKING: _CONSORTIUM,
    OpportunityKind.INFRASTRUCTURE: _CONSORTIUM,
    OpportunityKind.MOBILITY: _INDIVIDUAL,
    OpportunityKind.FELLOWSHIP: _INDIVIDUAL,
    OpportunityKind.PRIZE: _SHORT,
    OpportunityKind.EVENT: _SHORT,
    OpportunityKind.TENDER: _CONSORTIUM,
    OpportunityKind.OTHER: _INDIVIDUAL,
}


def template_for(
    kind: OpportunityKind,
    templates: Mapping[OpportunityKind, tuple[MilestoneTemplate, ...]] = TEMPLATES,
) -> tuple[MilestoneTemplate, ...]:
    """Return the milestone template for a kind of call (the individual one by default)."""
    return templates.get(kind, _INDIVIDUAL)


def working_day_before(day: date) -> date:
    """Return ``day``, or the Friday before when it falls on a weekend."""
    weekday = day.weekday()
    return day - timedelta(days=weekday - 4) if weekday >= 5 else day


def back_schedule(
    deadline: datetime,
    template: tuple[MilestoneTemplate, ...],
    *,
    today: date,
    tz: str = "UTC",
    done: Collection[str] = (),
) -> list[Milestone]:
    """Schedule each step ``days_before`` the deadline's local day, earliest first.

    Due dates on a weekend move to the Friday before. A step not in ``done`` whose due
    day has passed is OVERDUE; one due within :data:`DUE_SOON_DAYS` is DUE_SOON.
    """
    deadline_day = deadline.astimezone(ZoneInfo(tz)).date()
    milestones = []
    for step in template:
        due = working_day_before(deadline_day - timedelta(days=step.days_before))
        left = (due - today).days
        milestones.append(
            Milestone(
                step.key, step.label, due, step.days_before, _state(step.key, left, done), left
            )
        )
    return sorted(milestones, key=lambda m: m.due)


def _state(key: str, days_left: int, done: Collection[str]) -> MilestoneState:
    if key in done:
        return MilestoneState.DONE
    if days_left < 0:
        return MilestoneState.OVERDUE
    if days_left <= DUE_SOON_DAYS:
        return MilestoneState.DUE_SOON
    return MilestoneState.UPCOMING


def overdue(milestones: list[Milestone]) -> list[Milestone]:
    """Return the overdue milestones."""
    return [m for m in milestones if m.state is MilestoneState.OVERDUE]
