from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.webapp.conftest import csrf_token
from webapp.partners_csv import parse_partners_csv, partners_csv
from webapp.stores.partners import list_partners
from webapp.stores.users import Role, create_user

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "partners.csv"
FACULTY = ("faculty@uni.example", "faculty password 123")
GOOD_CSV = (
    "# comment line\n"
    "name,country,city,mou_since,mou_until,areas,contact,erasmus_icm,kind\n"
    "Water University,de,Bonn,2020-01-01,2030-01-01,water management;irrigation,a@b.de,yes,hei\n"
    "Bad Country U,Germany,,,,,,no,hei\n"
    "Bad Date U,FR,,2020-13-01,,,,no,hei\n"
    "Backwards U,IT,,2024-01-01,2020-01-01,,,no,\n"
    "Water University,DE,Köln,,,,,no,hei\n"
    ",KZ,,,,,,,\n"
)


@pytest.fixture
def faculty(store):
    return create_user(store.engine, FACULTY[0], Role.FACULTY, FACULTY[1], "Faculty Member")


def _import(client, body: bytes):
    page = client.get("/partners/import")
    data = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(body), "partners.csv")}
    return client.post("/partners/import", data=data, content_type="multipart/form-data")


def test_parse_partners_csv_reads_the_example_registry():
    parsed = parse_partners_csv(EXAMPLE.read_text(encoding="utf-8"))
    assert parsed.rejected == []
    assert len(parsed.partners) >= 40
    assert len({p.country for _, p in parsed.partners}) >= 15


def test_parse_partners_csv_reports_each_bad_row_with_its_reason():
    parsed = parse_partners_csv(GOOD_CSV)
    assert [p.name for _, p in parsed.partners] == ["Water University"]
    assert parsed.partners[0][1].country == "DE"
    reasons = dict(parsed.rejected)
    assert "two-letter ISO code" in reasons[4]
    assert "not a date" in reasons[5]
    assert "before mou_since" in reasons[6]
    assert "same name and country as line 3" in reasons[7]
    assert reasons[8] == "name is missing"


def test_partners_csv_round_trips_and_defuses_formulas():
    parsed = parse_partners_csv(GOOD_CSV)
    text = partners_csv([p for _, p in parsed.partners])
    assert parse_partners_csv(text).partners[0][1] == parsed.partners[0][1]
    from matching.partners import Partner

    evil = partners_csv([Partner("=HYPERLINK(1)", "DE")])
    assert "'=HYPERLINK" in evil
    assert parse_partners_csv(evil).partners[0][1].name == "=HYPERLINK(1)"


def test_import_csv_shows_accepted_and_rejected_rows(client, auth, store):
    auth.login()
    response = _import(client, GOOD_CSV.encode())
    assert response.status_code == 200
    assert "1 row accepted" in response.text
    assert "5 rejected" in response.text
    assert "is not a two-letter ISO code" in response.text
    assert [p.name for p in list_partners(store.engine)] == ["Water University"]


def test_import_csv_rejects_non_utf8(client, auth):
    auth.login()
    response = _import(client, "name,country\nÜni,DE\n".encode("utf-16"))
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_import_csv_without_csrf_token_is_refused(client, auth, store):
    auth.login()
    data = {"file": (io.BytesIO(GOOD_CSV.encode()), "p.csv")}
    response = client.post("/partners/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert list_partners(store.engine) == []


def test_partners_pages_are_read_only_for_faculty(client, auth, faculty):
    auth.login(*FACULTY)
    assert client.get("/partners").status_code == 200
    assert client.get("/partners/new").status_code == 403
    assert client.get("/partners/import").status_code == 403
    assert "Add a partner" not in client.get("/partners").text


def test_partners_index_requires_sign_in(client):
    assert client.get("/partners").status_code == 302


def test_partner_form_adds_filters_edits_and_deactivates(client, auth, store):
    auth.login()
    page = client.get("/partners/new")
    form = {
        "csrf_token": csrf_token(page.text), "name": "Fjord College", "country": "no",
        "areas": "marine sciences; climate change", "mou_until": "2030-01-01", "kind": "hei",
    }  # fmt: skip
    assert client.post("/partners/new", data=form).status_code == 302
    (partner,) = list_partners(store.engine)
    assert (partner.country, partner.areas) == ("NO", ("marine sciences", "climate change"))
    assert "Fjord College" in client.get("/partners?area=marine&active=1").text
    assert "Fjord College" not in client.get("/partners?country=DE").text
    edit = client.get(f"/partners/{partner.id}/edit")
    form.update(csrf_token=csrf_token(edit.text), city="Bergen")
    assert client.post(f"/partners/{partner.id}/edit", data=form).status_code == 302
    assert list_partners(store.engine)[0].city == "Bergen"
    token = csrf_token(client.get("/partners").text)
    client.post(f"/partners/{partner.id}/deactivate", data={"csrf_token": token})
    assert list_partners(store.engine) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"country": "Germany"}, "Field cannot be longer than 2 characters"),
        ({"country": "1X"}, "is not a two-letter ISO code"),
        ({"mou_since": "2030-01-01", "mou_until": "2020-01-01"}, "Mou_until is before mou_since"),
        ({"mou_since": "yesterday"}, "Not a valid date value"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_partner_form_shows_errors_for_bad_input(client, auth, store, changes, message):
    auth.login()
    page = client.get("/partners/new")
    form = {"csrf_token": csrf_token(page.text), "name": "U", "country": "DE", "kind": "hei"}
    response = client.post("/partners/new", data={**form, **changes})
    assert response.status_code == 400
    assert message in response.text
    assert list_partners(store.engine) == []


def test_export_csv_downloads_the_registry(client, auth):
    auth.login()
    _import(client, GOOD_CSV.encode())
    response = client.get("/partners/export.csv")
    assert response.mimetype == "text/csv"
    assert response.text.splitlines()[1].startswith("Water University,DE,Bonn,2020-01-01")


def test_partners_import_command_imports_and_reports(app, store, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["partners", "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "partners imported" in result.output
    assert len(list_partners(store.engine)) >= 40
    again = runner.invoke(args=["partners", "import", str(EXAMPLE)])
    assert "(0 added, 42 updated)" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV, encoding="utf-8")
    result = runner.invoke(args=["partners", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 4: country 'Germany' is not a two-letter ISO code" in result.output
