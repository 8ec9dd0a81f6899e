"""Tables of real date strings for parse_datetime and find_deadlines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crawlers.normalize import find_deadlines, parse_datetime, resolve_tz
from indexer.records import Deadline

BRUSSELS = ZoneInfo("Europe/Brussels")
NEW_YORK = ZoneInfo("America/New_York")
BISHKEK = ZoneInfo("Asia/Bishkek")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 1_eu_funding_tenders/sedia_search_trimmed_horizon_2records.json deadlineDate/startDate
        ("2025-04-29T00:00:00.000+0000", datetime(2025, 4, 29, tzinfo=UTC)),
        ("2026-05-27T00:00:00.000+0000", datetime(2026, 5, 27, tzinfo=UTC)),
        # 2_grants_gov/fetchOpportunity_348985_NSF-REU-23-601.json
        ("Aug 18, 2027 12:00:00 AM EDT", datetime(2027, 8, 18, tzinfo=NEW_YORK)),
        ("Aug 28, 2025 11:00:06 PM EDT", datetime(2025, 8, 28, 23, 0, 6, tzinfo=NEW_YORK)),
        ("Feb 24, 2024 12:52:58 AM EST", datetime(2024, 2, 24, 0, 52, 58, tzinfo=NEW_YORK)),
        ("2027-08-18-00-00-00", datetime(2027, 8, 18, tzinfo=UTC)),
        ("2027-08-18", datetime(2027, 8, 18, tzinfo=UTC)),
        # 2_grants_gov/search2_keyword-student_posted_rows5.json closeDate/openDate
        ("08/18/2027", datetime(2027, 8, 18, tzinfo=UTC)),
        ("06/24/2021", datetime(2021, 6, 24, tzinfo=UTC)),
        # Grants.gov XML extract (OpportunityDetail-V1.0_schema.xsd): MMDDYYYY
        ("08182027", datetime(2027, 8, 18, tzinfo=UTC)),
        # 3_funder_feeds/hewlett_foundation_wordpress_feed.xml pubDate
        ("Tue, 11 Aug 2026 18:20:50 +0000", datetime(2026, 8, 11, 18, 20, 50, tzinfo=UTC)),
        # 4_html_listings/euraxess_jobs_search_results.html
        ("12 Apr 2026 - 23:59 (Europe/Brussels)", datetime(2026, 4, 12, 23, 59, tzinfo=BRUSSELS)),
        (
            "16 Mar 2026 - 23:59 (Atlantic/Canary)",
            datetime(2026, 3, 16, 23, 59, tzinfo=ZoneInfo("Atlantic/Canary")),
        ),
        ("3 March 2026", datetime(2026, 3, 3, tzinfo=UTC)),
        # the brief's forms
        ("12 February 2027", datetime(2027, 2, 12, tzinfo=UTC)),
        ("12 February 2027, 17:00 CET", datetime(2027, 2, 12, 17, tzinfo=BRUSSELS)),
        ("2027-04-30 23:59 CEST", datetime(2027, 4, 30, 23, 59, tzinfo=BRUSSELS)),
        ("2027-04-30T23:59:59Z", datetime(2027, 4, 30, 23, 59, 59, tzinfo=UTC)),
        ("15 марта 2027 г.", datetime(2027, 3, 15, tzinfo=UTC)),
        ("15 март 2027", datetime(2027, 3, 15, tzinfo=UTC)),
        ("1 сентября 2027 года", datetime(2027, 9, 1, tzinfo=UTC)),
        ("15 Mart 2027", datetime(2027, 3, 15, tzinfo=UTC)),
        ("1 Şubat 2027", datetime(2027, 2, 1, tzinfo=UTC)),
        ("15 ARALIK 2027", datetime(2027, 12, 15, tzinfo=UTC)),
        ("30.04.2027", datetime(2027, 4, 30, tzinfo=UTC)),
        ("Tuesday, 3 March 2026", datetime(2026, 3, 3, tzinfo=UTC)),
        (
            "3 March 2026 at 5 pm UTC+6",
            datetime(2026, 3, 3, 17, tzinfo=timezone(timedelta(hours=6))),
        ),
        ("1 June 2027 12:00 Asia/Bishkek", datetime(2027, 6, 1, 12, tzinfo=BISHKEK)),
    ],
)
def test_parse_datetime_reads_real_strings(text, expected):
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "TBD",
        "31 February 2027",
        "13/13/2027",
        # 5_tricky_feeds/rss-parser__heraldsun_rss092_odd_dates.rss: not RFC 822
        "03 Apr 02 1500 GMT",
        "Deadline is 12 February 2027 or later, see the guide",
    ],
)
def test_parse_datetime_returns_none_for_garbage(text):
    assert parse_datetime(text) is None


def test_parse_datetime_uses_default_tz_for_naive_values():
    parsed = parse_datetime("08/18/2027", default_tz="America/New_York")
    assert parsed == datetime(2027, 8, 18, tzinfo=NEW_YORK)


def test_parse_datetime_end_of_day_for_date_only_deadlines():
    parsed = parse_datetime("12 February 2027", default_tz="Europe/Brussels", end_of_day=True)
    assert parsed == datetime(2027, 2, 12, 23, 59, 59, tzinfo=BRUSSELS)


def test_parse_datetime_reads_grants_gov_fixture_dates(shared_fixtures):
    doc = json.loads(
        (shared_fixtures / "2_grants_gov/search2_keyword-student_posted_rows5.json").read_text()
    )
    hits = doc["data"]["oppHits"]
    parsed = [parse_datetime(h["closeDate"]) for h in hits if h.get("closeDate")]
    assert parsed
    assert all(p is not None and p.tzinfo is not None for p in parsed)


@pytest.mark.parametrize(
    ("name", "offset_hours"),
    [("CET", 1), ("cest", 1), ("Brussels time", 1), ("EST", -5), ("GMT", 0), ("UTC+6", 6),
     ("+06:00", 6), ("UTC-03:30", -3.5), ("Asia/Bishkek", 6), ("BST", 0)],
)  # fmt: skip
def test_resolve_tz_maps_names_to_zones(name, offset_hours):
    tz = resolve_tz(name)
    assert tz is not None
    winter = datetime(2027, 1, 15, 12, tzinfo=tz)
    assert winter.utcoffset() == timedelta(hours=offset_hours)


def test_resolve_tz_unknown_name_is_none():
    assert resolve_tz("Mars/Olympus") is None
    assert resolve_tz("") is None


def _dl(y, m, d, hh=23, mm=59, ss=59, tz=BRUSSELS, label="Deadline"):
    return Deadline(at=datetime(y, m, d, hh, mm, ss, tzinfo=tz), label=label)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deadline: 12 February 2027, 17:00 CET", (_dl(2027, 2, 12, 17, 0, 0),)),
        (
            "Closing date: 2027-04-30 23:59 CEST",
            (_dl(2027, 4, 30, 23, 59, 0, label="Closing date"),),
        ),
        ("Application deadline 15 March 2027", (_dl(2027, 3, 15, label="Application deadline"),)),
        (
            "Stage 1 deadline: 12 February 2027 17:00 Brussels time; "
            "Stage 2 deadline: 17 September 2027 17:00 Brussels time",
            (
                _dl(2027, 2, 12, 17, 0, 0, label="Stage 1 deadline"),
                _dl(2027, 9, 17, 17, 0, 0, label="Stage 2 deadline"),
            ),
        ),
        (
            "Срок подачи заявок: до 15 марта 2027 г.",
            (_dl(2027, 3, 15, label="Срок подачи заявок"),),
        ),
        ("Заявки принимаются до 15 марта 2027 г.", (_dl(2027, 3, 15, label=""),)),
        ("Son başvuru tarihi: 15 Mart 2027", (_dl(2027, 3, 15, label="Son başvuru tarihi"),)),
        # 4_html_listings/euraxess_jobs_search_results.html (card text)
        (
            "Funding Programme: Horizon Europe - ERC Application Deadline: 12 Apr 2026 - 23:59 "
            "(Europe/Brussels) JOB Portugal NOVA.id.FCT",
            (_dl(2026, 4, 12, 23, 59, 0, label="Application Deadline"),),
        ),
        (
            "Application Deadline: 17 Mar 2026 - 23:59 (Europe/Lisbon) JOB France",
            (
                _dl(
                    2026,
                    3,
                    17,
                    23,
                    59,
                    0,
                    tz=ZoneInfo("Europe/Lisbon"),
                    label="Application Deadline",
                ),
            ),
        ),
        # 4_html_listings/euraxess_job_detail.html
        (
            "Positions Postdoc Positions Application Deadline 12 Apr 2026 - 23:59 "
            "(Europe/Brussels) Country France Offer Starting Date 1 Sep 2026",
            (_dl(2026, 4, 12, 23, 59, 0, label="Application Deadline"),),
        ),
        (
            "Cut-off dates: 15 March 2027 and 15 September 2027.",
            (_dl(2027, 3, 15, label="Cut-off dates"), _dl(2027, 9, 15, label="Cut-off dates")),
        ),
        ("Deadline: 17:00 CET on 12 February 2027", (_dl(2027, 2, 12, 17, 0, 0),)),
        (
            "The deadline for full proposals is 3 April 2027 at 5 pm EDT.",
            (_dl(2027, 4, 3, 17, 0, 0, tz=NEW_YORK),),
        ),
        (
            "Deadline: 12 February 2027. Closing date 12 February 2027",
            (_dl(2027, 2, 12),),
        ),
        (
            "Full proposals are due 08/18/2027 5:00 PM ET",
            (_dl(2027, 8, 18, 17, 0, 0, tz=NEW_YORK, label="Full proposals are due"),),
        ),
        (
            "Applications close on 30 April 2027 at 12:00 noon GMT.",
            (_dl(2027, 4, 30, 12, 0, 0, tz=UTC, label="Applications close"),),
        ),
        (
            "Letters of intent due 1 Feb 2027; full proposals due 1 May 2027.",
            (
                _dl(2027, 2, 1, label="Letters of intent due"),
                _dl(2027, 5, 1, label="Full proposals due"),
            ),
        ),
        (
            "Proposals are due by 5 p.m. ET on February 3, 2027.",
            (_dl(2027, 2, 3, 17, 0, 0, tz=NEW_YORK, label="Proposals are due"),),
        ),
        ("Apply by March 15, 2027.", (_dl(2027, 3, 15, label=""),)),
        ("Expiration Date: 03/05/2027", (_dl(2027, 3, 5, label="Expiration Date"),)),
        (
            "The call closes 1 March 2027, 17:00 (Brussels time).",
            (_dl(2027, 3, 1, 17, 0, 0, label="Call closes"),),
        ),
    ],
)
def test_find_deadlines_reads_labelled_dates(text, expected):
    assert find_deadlines(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Posted on: 3 March 2026 Postdoctoral Researcher",
        "Offer Starting Date 1 Sep 2026",
        "The project runs from 1 January 2027 to 31 December 2029.",
        "Deadline: to be announced",
        "Deadline: 31 February 2027",
        "Deadline. The call was launched on 12 February 2027.",
    ],
)
def test_find_deadlines_ignores_unlabelled_or_invalid_dates(text):
    assert find_deadlines(text) == ()


def test_find_deadlines_date_only_means_end_of_day_in_default_tz():
    (deadline,) = find_deadlines("Deadline: 15 March 2027", default_tz="Asia/Bishkek")
    assert deadline.at == datetime(2027, 3, 15, 23, 59, 59, tzinfo=BISHKEK)


def test_find_deadlines_sorted_across_labels():
    text = "Second deadline: 1 October 2027. First deadline: 1 March 2027."
    found = find_deadlines(text)
    assert [d.label for d in found] == ["First deadline", "Second deadline"]
