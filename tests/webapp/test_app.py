from __future__ import annotations

import socket

import pytest

from config.institution import InstitutionError
from config.settings import Settings
from webapp import create_app


def test_create_app_sets_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_create_app_pages_have_no_inline_script_or_style(client):
    html = client.get("/").text
    assert "<script" not in html
    assert "style=" not in html


def test_create_app_keeps_generated_secret_key_in_instance_dir(settings, store, backend):
    first = create_app(settings, store=store, backend=backend)
    second = create_app(settings, store=store, backend=backend)
    key_file = settings.instance_dir / "secret_key"
    assert key_file.read_text().strip() == first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32


def test_create_app_uses_configured_secret_and_secure_cookies(tmp_path, store, backend):
    settings = Settings(
        instance_dir=tmp_path / "other", secret_key="configured-secret", secure_cookies=True
    )
    app = create_app(settings, store=store, backend=backend)
    assert app.secret_key == "configured-secret"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not (tmp_path / "other" / "secret_key").exists()


def test_create_app_builds_store_and_backend_from_settings(settings, store):
    app = create_app(settings)
    with app.test_client() as client:
        assert client.get("/search").status_code == 200


def test_unknown_page_is_404_in_site_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Back to the search" in response.text


def test_search_answers_503_when_the_search_engine_is_down(tmp_path, store):
    pytest.importorskip("elasticsearch")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    settings = Settings(
        instance_dir=tmp_path / "es",
        elasticsearch_url=f"http://127.0.0.1:{port}",
        elasticsearch_timeout=1.0,
    )
    app = create_app(settings, store=store)
    response = app.test_client().get("/search?q=water")
    assert response.status_code == 503
    assert "Search is unavailable" in response.text


def test_unexpected_error_renders_the_500_page(settings, store, backend):
    app = create_app(settings, store=store, backend=backend)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "RuntimeError" not in response.text


def test_create_app_refuses_an_invalid_institution_file(tmp_path, store, backend):
    bad = tmp_path / "institution.toml"
    bad.write_text('name = "Uni"\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    settings = Settings(instance_dir=tmp_path / "i", institution=bad)
    with pytest.raises(InstitutionError, match="country"):
        create_app(settings, store=store, backend=backend)
