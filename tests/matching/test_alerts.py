from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from indexer.records import Deadline
from matching.alerts import (
    closing_reminders,
    describe_change,
    diff_results,
    followed_changes,
    reminder_key,
)
from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE, NOW, TODAY

BISHKEK = ZoneInfo("Asia/Bishkek")


@dataclass(frozen=True)
class Change:
    opportunity_id: str
    field: str
    old: Any
    new: Any
    changed_at: datetime


def test_diff_results_returns_only_new_ids_in_order():
    diff = diff_results(["c", "a", "b", "c"], {"a"})
    assert diff.new == ("c", "b")
    assert diff.remember == {"a", "b", "c"}
    assert diff_results(["a", "b", "c"], diff.remember).new == ()


@pytest.mark.parametrize(
    ("field", "old", "new", "text"),
    [
        (
            "deadlines",
            [{"at": "2027-03-12T17:00:00+01:00", "label": ""}],
            [{"at": "2027-03-26T17:00:00+01:00", "label": ""}],
            "deadline moved from 12 Mar 2027 to 26 Mar 2027",
        ),
        ("status", "open", "closed", "status changed from open to closed"),
        (
            "budget_total",
            {"amount": "1000000", "currency": "EUR"},
            {"amount": "1200000.50", "currency": "EUR"},
            "budget changed from EUR 1,000,000 to EUR 1,200,000.50",
        ),
        ("award_max", None, {"amount": "5000", "currency": "USD"}, None),
        ("summary", "a", "b", None),
        ("eligible_groups", ["EU"], ["EU", "HE_LMIC"], "eligibility conditions changed"),
    ],
)
def test_describe_change_in_plain_words(field, old, new, text):
    result = describe_change(field, old, new, BISHKEK)
    if field == "award_max":
        assert result == "maximum award changed from none to USD 5,000"
    else:
        assert result == text


def test_describe_change_reads_json_text_values():
    old = json.dumps([{"at": "2027-03-12T10:00:00+00:00", "label": ""}])
    assert describe_change("deadlines", old, "[]", BISHKEK) == "deadline removed"


def test_followed_changes_filters_collapses_and_skips_round_trips():
    rows = [
        Change("a", "status", "forthcoming", "open", NOW - timedelta(days=3)),
        Change("a", "status", "open", "closed", NOW - timedelta(days=1)),
        Change("b", "status", "open", "closed", NOW),
        Change("a", "title", "X", "Y", NOW - timedelta(days=2)),
        Change("a", "title", "Y", "X", NOW - timedelta(days=1)),
        Change(
            "a", "budget_total", None, {"amount": "1", "currency": "EUR"}, NOW - timedelta(days=9)
        ),
    ]
    notices = followed_changes(rows, {"a"}, tz=BISHKEK, since=NOW - timedelta(days=7))
    assert [n.text for n in notices] == ["status changed from forthcoming to closed"]


def test_closing_reminders_fire_once_per_threshold():
    sent: set[str] = set()
    fired = []
    for offset in range(0, 41):
        for r in closing_reminders(
            [HORIZON_TWO_STAGE_CLIMATE], today=TODAY + timedelta(days=offset), tz=BISHKEK, sent=sent
        ):
            fired.append((r.threshold, r.days_left, r.deadline.label))
            sent.update(r.keys)
    # Stage 1 closes in 20 days: reminders at 14 and 3 days; stage 2 is still far away.
    assert fired == [(14, 14, "Stage 1"), (3, 3, "Stage 1")]


def test_closing_reminders_late_follow_sends_only_tightest():
    today = TODAY + timedelta(days=18)
    reminders = closing_reminders([HORIZON_TWO_STAGE_CLIMATE], today=today, tz=BISHKEK, sent=())
    assert [r.threshold for r in reminders] == [3]
    stage1 = HORIZON_TWO_STAGE_CLIMATE.deadlines[0]
    assert set(reminders[0].keys) == {
        reminder_key(HORIZON_TWO_STAGE_CLIMATE.id, stage1, 3),
        reminder_key(HORIZON_TWO_STAGE_CLIMATE.id, stage1, 14),
    }


def test_closing_reminders_moved_deadline_reminds_again():
    sent = {reminder_key(ERASMUS_CBHE_WATER.id, ERASMUS_CBHE_WATER.deadlines[0], 14)}
    moved = replace(ERASMUS_CBHE_WATER, deadlines=(Deadline(NOW + timedelta(days=12)),))
    assert len(closing_reminders([moved], today=TODAY, tz=BISHKEK, sent=sent)) == 1
