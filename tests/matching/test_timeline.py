from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from indexer.records import OpportunityKind
from matching.timeline import (
    MilestoneState,
    MilestoneTemplate,
    back_schedule,
    overdue,
    template_for,
    working_day_before,
)

# Friday 15 January 2027, 17:00 Brussels = 22:00 in Bishkek, still the 15th.
DEADLINE = datetime(2027, 1, 15, 16, 0, tzinfo=UTC)


def test_back_schedule_consortium_template_counts_back_from_the_local_day():
    steps = back_schedule(
        DEADLINE, template_for(OpportunityKind.CAPACITY_BUILDING), today=date(2026, 11, 1),
        tz="Asia/Bishkek",
    )  # fmt: skip
    assert [(m.key, m.due) for m in steps] == [
        ("partners", date(2026, 12, 1)),  # D-45
        ("draft", date(2026, 12, 25)),  # D-21
        ("review", date(2027, 1, 5)),  # D-10
        ("budget", date(2027, 1, 8)),  # D-7
        ("submit", date(2027, 1, 13)),  # D-2
    ]
    assert {m.state for m in steps} == {MilestoneState.UPCOMING}


def test_back_schedule_uses_the_institution_day_not_utc():
    late = datetime(2027, 1, 14, 20, 0, tzinfo=UTC)  # already 15 January in Bishkek (UTC+6)
    template = (MilestoneTemplate("submit", "Submit", 1),)
    (utc,) = back_schedule(late, template, today=date(2026, 1, 1), tz="UTC")
    (local,) = back_schedule(late, template, today=date(2026, 1, 1), tz="Asia/Bishkek")
    assert (utc.due, local.due) == (date(2027, 1, 13), date(2027, 1, 14))


@pytest.mark.parametrize(
    ("today", "done", "states"),
    [
        (date(2027, 1, 6), (), ["overdue", "overdue", "overdue", "due_soon", "due_soon"]),
        (
            date(2027, 1, 6),
            ("partners", "draft"),
            ["done", "done", "overdue", "due_soon", "due_soon"],
        ),
        (date(2026, 12, 27), (), ["overdue", "overdue", "upcoming", "upcoming", "upcoming"]),
    ],
)
def test_back_schedule_flags_overdue_relative_to_today(today, done, states):
    steps = back_schedule(
        DEADLINE, template_for(OpportunityKind.RESEARCH_GRANT), today=today, done=done
    )
    assert [m.state.value for m in steps] == states
    assert len(overdue(steps)) == states.count("overdue")


def test_template_for_fellowships_is_shorter_than_consortia():
    fellowship = template_for(OpportunityKind.FELLOWSHIP)
    consortium = template_for(OpportunityKind.CAPACITY_BUILDING)
    assert max(s.days_before for s in fellowship) < max(s.days_before for s in consortium)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 16), date(2027, 1, 15)),  # Saturday -> Friday
        (date(2027, 1, 17), date(2027, 1, 15)),  # Sunday -> Friday
        (date(2027, 1, 18), date(2027, 1, 18)),  # Monday stays
    ],
)
def test_working_day_before_moves_weekends_to_friday(day, expected):
    assert working_day_before(day) == expected
