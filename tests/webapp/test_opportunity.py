from __future__ import annotations

from urllib.parse import quote

from tests.factories import ERASMUS_CBHE_WATER, HORIZON_TWO_STAGE_CLIMATE
from tests.webapp.conftest import HOSTILE_CALL


def test_detail_shows_every_field_group(client):
    response = client.get(f"/opportunities/{ERASMUS_CBHE_WATER.id}")
    assert response.status_code == 200
    html = response.text
    assert ERASMUS_CBHE_WATER.title in html
    assert "ERASMUS-EDU-2027-CBHE" in html
    assert "ERASMUS-LS" in html
    assert "EUR 10,000,000" in html
    assert "KG, KZ, TJ, UZ" in html
    assert "required (at least 4 partners)" in html
    assert f'href="{ERASMUS_CBHE_WATER.url}"' in html
    assert "First seen" in html
    assert "Last changed" in html
    assert "Fetched" in html


def test_detail_shows_each_deadline_in_institution_time_and_utc(client):
    html = client.get(f"/opportunities/{HORIZON_TWO_STAGE_CLIMATE.id}").text
    assert "Stage 1" in html
    assert "Stage 2" in html
    # Factory deadlines are 09:00 UTC, i.e. 15:00 in Bishkek.
    assert "15:00 Bishkek +06" in html
    assert "09:00 UTC" in html


def test_detail_shows_change_history(client):
    html = client.get(f"/opportunities/{ERASMUS_CBHE_WATER.id}").text
    assert "Change history" in html
    assert "Deadlines" in html


def test_detail_accepts_ids_with_slash_and_colon(client):
    assert "/" in HOSTILE_CALL.id
    assert ":" in HOSTILE_CALL.id
    response = client.get(f"/opportunities/{quote(HOSTILE_CALL.id)}")
    assert response.status_code == 200


def test_detail_sanitizes_description_html(client):
    html = client.get(f"/opportunities/{HOSTILE_CALL.id}").text
    assert "Fine paragraph" in html
    assert "onclick" not in html
    assert 'alert("desc")' not in html
    assert "javascript:" not in html
    assert 'href="https://ok.example/"' in html
    assert "<i>any</i>" not in html
    assert "&lt;i&gt;any&lt;/i&gt;" in html
    assert "&lt;xss&gt;" in html


def test_detail_lists_similar_calls_as_links(client):
    html = client.get(f"/opportunities/{quote('bulk:BULK-00')}").text
    assert "Similar calls" in html
    assert "/opportunities/bulk:BULK-0" in html


def test_detail_unknown_id_is_404(client):
    response = client.get("/opportunities/nowhere:NOPE-1")
    assert response.status_code == 404
    assert "Page not found" in response.text
