"""sanitize_html and html_to_text on hostile and real-world markup."""

from __future__ import annotations

import json

import pytest

from crawlers.normalize import html_to_text, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "forbidden"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "alert"),
        ("<style>p{color:red}</style><p>Hi</p>", "color:red"),
        ('<p onclick="steal()">Hi</p>', "onclick"),
        ('<img src="x" onerror="steal()">', "onerror"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<iframe src="https://evil.example"></iframe>', "iframe"),
        ('<p style="position:fixed">x</p>', "style"),
        ("<!-- tracking --><p>x</p>", "tracking"),
    ],
)
def test_sanitize_html_strips_dangerous_markup(dirty, forbidden):
    assert forbidden not in sanitize_html(dirty)


def test_sanitize_html_keeps_structure_and_marks_links():
    dirty = (
        '<h2>Scope</h2><ul><li>one</li></ul><table><tr><th colspan="2">a</th></tr></table>'
        '<p><a href="https://ec.europa.eu/call" target="_blank">call</a></p>'
    )
    clean = sanitize_html(dirty)
    assert "<h2>Scope</h2>" in clean
    assert "<li>one</li>" in clean
    assert '<th colspan="2">a</th>' in clean
    assert 'href="https://ec.europa.eu/call"' in clean
    assert 'rel="noopener nofollow"' in clean
    assert "target" not in clean


def test_sanitize_html_empty_input():
    assert sanitize_html("") == ""


def test_sanitize_html_on_feed_fixture_script(shared_fixtures):
    # 5_tricky_feeds/feedparser__sanitize_entry_summary_script_cdata.xml: <script> in CDATA
    raw = shared_fixtures / "5_tricky_feeds/feedparser__sanitize_entry_summary_script_cdata.xml"
    text = raw.read_text()
    body = text[text.index("<![CDATA[") + 9 : text.index("]]>")]
    assert "<script" in body
    assert "<script" not in sanitize_html(body)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello&nbsp;&amp; <b>world</b></p><p>Next</p>", "Hello & world Next"),
        ("<ul><li>one</li><li>two</li></ul>", "one two"),
        ("line<br>break", "line break"),
        ("<p>a</p><script>var x = 1;</script><style>p{}</style><p>b</p>", "a b"),
        ("  spaced \n\t out  ", "spaced out"),
        # Grants.gov synopsisDesc: "&amp;nbsp;" is escaped twice (fetchOpportunity fixture)
        ("<p>Research&amp;nbsp;Experiences</p>", "Research Experiences"),
        ("Caf&eacute; &ndash; &#8230;", "Café – …"),
        ("", ""),
    ],
)
def test_html_to_text_decodes_and_collapses(html, text):
    assert html_to_text(html) == text


def test_html_to_text_cuts_at_word_boundary():
    text = html_to_text("<p>Research Experiences for Undergraduates in physics</p>", limit=30)
    assert len(text) <= 30
    assert text.endswith("…")
    assert text == "Research Experiences for…"


def test_html_to_text_limit_not_reached_keeps_text():
    assert html_to_text("short text", limit=100) == "short text"


def test_html_to_text_on_grants_gov_synopsis(shared_fixtures):
    path = shared_fixtures / "2_grants_gov/fetchOpportunity_348985_NSF-REU-23-601.json"
    synopsis = json.loads(path.read_text())["data"]["synopsis"]["synopsisDesc"]
    text = html_to_text(synopsis, limit=1000)
    assert "<" not in text
    assert "&nbsp;" not in text
    assert "  " not in text
    assert 0 < len(text) <= 1000
