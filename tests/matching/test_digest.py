from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email import message_from_string
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from matching.alerts import ChangeNotice, closing_reminders
from matching.digest import Section, build_digest, iso_week, week_monday
from matching.profiles import DigestFrequency, Profile, WeightedTerm
from matching.render import PROFILE_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER, render_digest
from matching.scoring import score
from tests.factories import (
    ERASMUS_CBHE_WATER,
    HORIZON_TWO_STAGE_CLIMATE,
    NOW,
    TODAY,
    make_opportunity,
)
from tests.matching.records import AIU, GROUPS

BISHKEK = ZoneInfo("Asia/Bishkek")
PERSON = Profile(
    email="aida@aiu.example",
    name="Aida <Bekova>",
    terms=(WeightedTerm("water"), WeightedTerm("climate adaptation")),
)
BASE = "https://radar.aiu.example/"


def _matches(n):
    calls = [
        make_opportunity(
            source_key=f"W{i}", title=f"Water call {i} <b>&amp;</b>", eligible_groups=("ALL",)
        )
        for i in range(n)
    ]
    return [score(c, PERSON, institution=AIU, groups=GROUPS, today=TODAY) for c in calls]


def _build(matches=(), changes=(), closing=(), person=PERSON, cap=12):
    return build_digest(
        person, list(matches), list(changes), list(closing),
        week="2026-W48", tz="Asia/Bishkek", base_url=BASE, cap=cap,
        calls={ERASMUS_CBHE_WATER.id: ERASMUS_CBHE_WATER},
    )  # fmt: skip


def test_build_digest_nothing_to_send_is_none():
    assert _build() is None
    assert _build(_matches(2), person=replace(PERSON, digest=DigestFrequency.OFF)) is None


def test_build_digest_caps_and_keeps_half_for_matches():
    stage1 = HORIZON_TWO_STAGE_CLIMATE.deadlines[0]
    calls = [make_opportunity(source_key=f"C{i}", deadlines=(stage1,)) for i in range(10)]
    reminders = closing_reminders(calls, today=TODAY + timedelta(days=10), tz=BISHKEK, sent=())
    digest = _build(_matches(20), closing=reminders, cap=10)
    assert len(digest.items) == 10
    assert len(digest.section(Section.MATCHES)) == 5
    assert len(digest.section(Section.CLOSING)) == 5
    assert digest.omitted == 20


def test_build_digest_ranks_dedups_and_mutes():
    matches = _matches(3)
    muted = replace(PERSON, muted=frozenset({matches[0].id}))
    change = ChangeNotice(matches[1].id, "status", "status changed from forthcoming to open", NOW)
    digest = _build(matches + matches, changes=[change], person=muted)
    ids = [i.opportunity_id for i in digest.items]
    assert matches[0].id not in ids
    assert ids == [matches[1].id, matches[2].id]
    assert digest.items[0].section is Section.CHANGES


def test_build_digest_links_absolute_and_deadline_local():
    match = score(ERASMUS_CBHE_WATER, PERSON, institution=AIU, groups=GROUPS, today=TODAY)
    item = _build([match]).items[0]
    assert (
        item.link
        == "https://radar.aiu.example/opportunities/eu-portal:ERASMUS-EDU-2027-CBHE-STRAND-2"
    )
    assert item.deadline == "8 Jan 2027, 15:00 (Asia/Bishkek)"
    assert item.days_left == 41


def test_week_helpers():
    assert iso_week(TODAY) == "2026-W48"
    assert week_monday("2026-W48").isoformat() == "2026-11-23"
    with pytest.raises(ValueError, match="ISO week"):
        week_monday("2026-48")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_render_digest_both_parts_escaped_with_absolute_links():
    change = ChangeNotice(
        ERASMUS_CBHE_WATER.id, "status", "status changed from forthcoming to open", NOW
    )
    digest = _build(_matches(2), changes=[change])
    subject, html, text = render_digest(digest)
    assert subject == "GrantRadar 2026-W48: 2 new matches, 1 change"
    assert "<b>&amp;</b>" not in html
    assert "Water call 0 &lt;b&gt;&amp;amp;&lt;/b&gt;" in html
    assert "Hello Aida &lt;Bekova&gt;," in html
    assert "Water call 0 <b>&amp;</b>" in text
    parser = _Links()
    parser.feed(html)
    content_links = [h for h in parser.hrefs if not h.startswith("%%")]
    assert content_links
    assert all(
        h.startswith(("https://radar.aiu.example/", "https://funder.example/"))
        for h in content_links
    )
    assert UNSUBSCRIBE_PLACEHOLDER in html
    assert UNSUBSCRIBE_PLACEHOLDER in text
    assert PROFILE_PLACEHOLDER in html
    assert PROFILE_PLACEHOLDER in text
    assert 'name="viewport"' in html
    assert "max-width:600px" in html
    assert "https://radar.aiu.example/opportunities/" in text
    assert "Why: 'water' in title" in text


def test_render_digest_fills_given_links_and_is_mail_safe():
    digest = _build(_matches(1))
    _, html, text = render_digest(
        digest, unsubscribe_url="https://r.example/u?t=a&b=c", profile_url="https://r.example/p"
    )
    assert 'href="https://r.example/u?t=a&amp;b=c"' in html
    assert "Unsubscribe: https://r.example/u?t=a&b=c" in text
    message = message_from_string("Content-Type: text/plain\n\n" + text)
    assert message.get_payload().startswith("GrantRadar - week 2026-W48")
